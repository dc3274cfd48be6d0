"""What bench/peers/run.py and bench/load.py share: the project's demo data and its servers.

    env = project_env(database_url, folder)        # production settings, a fresh SECRET_KEY
    prepare_demo(env, institutions=100, months=12, seed=0)
    with running([project_server(env, workers=2)], log_dir) as (project,):
        ... http://127.0.0.1:{project.port}/ ...

Every server listens on 127.0.0.1 only and is started as the leader of a process group of its
own, so that stopping it stops its workers too, and nothing else. `running()` stops them all when
its block ends, also on an error, Ctrl-C or SIGTERM.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: nothing here ever listens on or targets another address


def say(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


# --- The project ---------------------------------------------------------------------------

def project_env(database_url: str, folder: Path) -> dict[str, str]:
    """The environment of a production deployment: DEBUG off, a SECRET_KEY made for this run,
    static files collected into `folder` (hashed names, as whitenoise serves them)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "transparencia.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
    }
    env.pop("TEST_DATABASE_NAME", None)
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    """`manage.py ARGUMENTS` with the project's Python; its output goes to ours."""
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=PROJECT, env=env, check=True)


def prepare_demo(env: dict[str, str], *, institutions: int, months: int, seed: int) -> None:
    """Migrate, write the demo data (replacing demo institutions already there) and collect the
    static files, each with manage.py as a deployment would."""
    create_postgres_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "-v0")
    say(f"generating {institutions} × {months} demo data (seed {seed})")
    started = time.perf_counter()
    manage(env, "generate_demo", "--institutions", str(institutions), "--months", str(months),
           "--seed", str(seed), "--replace", "-v0")
    say(f"generated in {time.perf_counter() - started:.1f} s")
    collect_static(env)


def collect_static(env: dict[str, str]) -> None:
    manage(env, "collectstatic", "--noinput", "-v0")


def create_postgres_database(database_url: str) -> None:
    """A PostgreSQL database named in --database-url that does not exist yet is created, so
    that a throwaway name (e.g. bench_peers) is all one has to choose."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    try:
        psycopg.connect(database_url, connect_timeout=5).close()
        return
    except psycopg.OperationalError as error:
        if f'"{name}" does not exist' not in str(error):
            raise SystemExit(f"cannot connect to {database_url}: {error}") from None
    server = urlsplit(database_url)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    say(f"created PostgreSQL database {name}")


def project_server(env: dict[str, str], *, workers: int) -> Server:
    """The project under gunicorn with `workers` sync workers, as README's production section
    runs it."""
    argv = [sys.executable, "-m", "gunicorn", "transparencia.wsgi", "--bind", f"{HOST}:{{port}}",
            "--workers", str(workers)]
    return Server("project", argv, PROJECT, env=env)


# --- Servers -------------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    argv: list[str]  # "{port}" in an argument becomes the port
    cwd: Path
    ready_path: str = "/"
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_path = log_dir / f"{self.name}.log"
        argv = [argument.replace("{port}", str(self.port)) for argument in self.argv]
        with self.log_path.open("w") as log:
            # A new session makes the server the leader of its own process group.
            self.process = subprocess.Popen(
                argv, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        say(f"started {self.name} (pid {self.process.pid}) on {self.url}")

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=10) as response:
                    response.read()
                    return
            except urllib.error.HTTPError:
                return  # it answers: ready, whatever the page says
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """The leader first (gunicorn and uvicorn stop their own workers), then whatever is left
        of its process group: ours only, found by the leader's id."""
        if self.process is None:
            return
        process, self.process = self.process, None
        steps = [(process.send_signal, signal.SIGTERM, 20.0),
                 (lambda sig: os.killpg(process.pid, sig), signal.SIGTERM, 5.0),
                 (lambda sig: os.killpg(process.pid, sig), signal.SIGKILL, 5.0)]
        for send, sig, grace in steps:
            try:
                send(sig)
            except ProcessLookupError:
                break
            if wait_group_gone(process, grace):
                break
        say(f"stopped {self.name} (pid {process.pid})")

    def group_stat(self) -> tuple[float, float]:
        """(CPU seconds used so far, resident MB now) of the server's processes."""
        return group_stat(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_group_gone(leader: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leader.poll()  # reaps the leader once it has exited, so its group can empty
        try:
            os.killpg(leader.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def group_stat(group: int) -> tuple[float, float]:
    """(CPU seconds, resident MB) summed over the live processes of one process group."""
    ticks = pages = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "(comm)": state, ppid, pgrp, ...
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
            pages += int(fields[21])  # rss, in pages
    return ticks / os.sysconf("SC_CLK_TCK"), pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def process_cpu(pid: int) -> float | None:
    """CPU seconds one process has used so far; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_GIVEN: set[int] = set()


def free_port() -> int:
    """A free port: the first free one of BENCH_PORTS ("18100-18299") when set, so that agents
    sharing a machine stay in their own ranges, else one the system picks."""
    first, _dash, last = os.environ.get("BENCH_PORTS", "").partition("-")
    candidates = range(int(first), int(last or first) + 1) if first else [0]
    for port in candidates:
        if port in _GIVEN:  # given to a server that may not listen yet
            continue
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            port = sock.getsockname()[1]
            _GIVEN.add(port)
            return port
    raise RuntimeError(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def running(servers: list[Server], log_dir: Path):
    """Start the servers, wait until each answers, yield them; stop them all afterwards.

    SIGTERM (a timeout wrapper, a `kill`) and SIGINT (Ctrl-C, even where a shell started us with
    it ignored) raise KeyboardInterrupt, so that the servers are stopped then too."""
    previous = {sig: signal.signal(sig, _interrupted) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for server in servers:
            server.start(log_dir)
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main_interruptible(main) -> int:
    """Run a benchmark's main(); an interruption ends it with a line, not a traceback."""
    try:
        return main()
    except KeyboardInterrupt as interruption:
        say(f"interrupted ({interruption or 'Ctrl-C'}); every server started was stopped")
        return 130
