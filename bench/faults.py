"""Faults under load: what readers get while a real part is stopped, and how soon all is well.

    make bench-faults                                  # every scenario, 16 clients, 10 s phases
    .venv/bin/python bench/faults.py --only redis --clients 16 --phase 10

Builds --institutions × --months demo data in a PostgreSQL database you can throw away
(--database-url, created if missing), starts a redis-server of its own on a free port, serves the
site with gunicorn (--workers sync workers, production settings, REDIS_URL on that Redis) and
asks every URL of a mix once (home, goal lists with filters, goal pages, parishes, reports,
health), so that the page cache holds them. Then, for each scenario, --clients threads ask URLs of
that mix for three phases of --phase seconds: before the fault, during it, after the part is back.

Scenarios (each with the real part stopped, never a mock):
- `redis`: the Redis server killed with SIGKILL, then started again on the same port;
- `database`: the database refuses connections and every session of the site is terminated
  (ALLOW_CONNECTIONS false, pg_terminate_backend), then accepts them again;
- `worker`: one gunicorn worker killed with SIGKILL in the middle of the load (the master
  starts another);
- `publication-worker`, `store-full`, `double-publish`, `export-flood`: the publication's
  faults (bench/faults_publication.py): the publication worker killed mid-build and started
  again, the downloads' store (a tmpfs of its own, mounted as root) full during a publication,
  two "Publicar" at once, the home page while 16 clients export the whole data set.

For each phase: requests, answers by status (000 = the connection failed), req/s, p50/p99;
during a database outage how many answers were the dated copy ("el sitio se está
actualizando"); after the part is back, the seconds until a normal (not dated) page again and,
for Redis, until a page is cached again. Afterwards the data must equal what it was before
(goal count and a checksum of every goal's text and progress); after a publication's fault, the
prebuilt files must equal those a fault-free `build_downloads` writes. Targets (issue 19): no 500 in any
run; during a Redis outage at least 50 % of the throughput before it; during a database outage
every cached page served; recovery within 5 s of the part's return. Prints `MISSED` for a
target missed and exits 1 then (or when something could not be measured).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis as redis_client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import (  # noqa: E402
    HOST, PROJECT, Server, free_port, main_interruptible, manage, prepare_demo, project_env,
    project_server, running, say,
)
import faults_publication as publication  # noqa: E402

STALE = "el sitio se está actualizando"
OUT = PROJECT / "bench" / "out" / "faults"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclass
class Phase:
    name: str
    started: float = 0.0
    ended: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    stale: int = 0

    def line(self) -> str:
        seconds = max(self.ended - self.started, 1e-9)
        total = sum(self.statuses.values())
        latencies = sorted(self.latencies) or [0.0]
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(self.statuses.items()))
        return (f"| {self.name} | {total} | {total / seconds:.1f} | "
                f"{statistics.median(latencies) * 1000:.0f} | {p99 * 1000:.0f} | {statuses} | "
                f"{self.stale} |")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except OSError:
        return 0, ""


class Load:
    """--clients threads asking random URLs of the mix; answers counted in the current phase."""

    def __init__(self, base: str, urls: list[str], clients: int):
        self.base, self.urls, self.clients = base, urls, clients
        self.phase = Phase("starting")  # not reported: the first phase replaces it at once
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def run(self, phases: list[tuple[str, float, callable]]) -> list[Phase]:
        threads = [threading.Thread(target=self.client, args=(seed,))
                   for seed in range(self.clients)]
        done = []
        for thread in threads:
            thread.start()
        try:
            for name, seconds, action in phases:
                phase = Phase(name, started=time.monotonic())
                with self.lock:
                    self.phase = phase
                action()
                time.sleep(max(0.0, phase.started + seconds - time.monotonic()))
                phase.ended = time.monotonic()
                done.append(phase)
        finally:
            self.stop.set()
            for thread in threads:
                thread.join()
        return done

    def client(self, seed: int) -> None:
        chooser = random.Random(seed)
        while not self.stop.is_set():
            started = time.monotonic()
            status, body = fetch(self.base + chooser.choice(self.urls))
            with self.lock:
                phase = self.phase
                phase.statuses[status] += 1
                phase.latencies.append(time.monotonic() - started)
                phase.stale += STALE in body


def url_mix(database_url: str, count: int) -> list[str]:
    with psycopg.connect(database_url) as connection:
        goals = [row[0] for row in connection.execute(
            "SELECT id FROM metas_goal ORDER BY id LIMIT %s", [count])]
        institutions = [row[0] for row in connection.execute(
            "SELECT slug FROM metas_institution ORDER BY slug LIMIT 20")]
        parishes = [row[0] for row in connection.execute(
            "SELECT slug FROM metas_parish ORDER BY slug LIMIT 20")]
    urls = ["/", "/metas/", "/parroquias/", "/reportes/", "/unidades/", "/metas/?periodo=todos"]
    urls += [f"/metas/{goal}/" for goal in goals]
    urls += [f"/{slug}/" for slug in institutions]
    urls += [f"/metas/?institucion={slug}" for slug in institutions]
    urls += [f"/parroquias/{slug}/" for slug in parishes]
    return urls


def checksum(database_url: str) -> tuple[int, str]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT id, objective, coalesce(progress::text, ''), report_id FROM metas_goal "
            "ORDER BY id").fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


# --- Parts that stop ------------------------------------------------------------------------

class OwnRedis:
    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def flush(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "flushall"], capture_output=True)

    def keep_empty(self, stop: threading.Event) -> None:
        """Empties the cache every 20 ms until `stop`: every page then renders, as none is
        cached during an outage (a single flush let the mix fill it again in a second)."""
        client = redis_client.Redis(host=HOST, port=self.port)
        while not stop.wait(0.02):
            try:
                client.flushall()
            except redis_client.RedisError:
                return

    def keys(self) -> int:
        out = subprocess.run(["redis-cli", "-p", str(self.port), "dbsize"],
                             capture_output=True, text=True)
        return int(out.stdout.strip() or 0) if out.returncode == 0 else -1


def allow_connections(database_url: str, allow: bool) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    server = urlsplit(database_url)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", [name])


def gunicorn_workers(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def seconds_until(condition, limit: float = 30.0) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    return None


# --- Scenarios ------------------------------------------------------------------------------

def scenario_redis(load: Load, redis: OwnRedis, site: Server, phase: float) -> dict:
    recovered = {}

    def back():
        redis.start()
        recovered["cached again"] = seconds_until(
            lambda: fetch(site.url + "/metas/?periodo=todos")[0] == 200 and redis.keys() > 0)

    # The throughput to keep is that of pages no cache answers: the cache kept empty first.
    emptied = threading.Event()

    def keep_empty():
        threading.Thread(target=redis.keep_empty, args=(emptied,), daemon=True).start()

    def kill():
        emptied.set()
        redis.kill()

    phases = load.run([("cache kept empty", phase, keep_empty), ("Redis killed", phase, kill),
                       ("Redis back", phase, back)])
    return {"phases": phases, **recovered}


def normal(site: Server) -> bool:
    """A page never asked before renders, not a dated copy nor a 503."""
    status, body = fetch(site.url + "/metas/?q=agua&periodo=todos")
    return status == 200 and STALE not in body


def scenario_database(load: Load, database_url: str, site: Server, phase: float) -> dict:
    recovered = {}

    def back():
        allow_connections(database_url, True)
        recovered["normal page again"] = seconds_until(lambda: normal(site))

    phases = load.run([("before", phase, lambda: None),
                       ("database refuses connections", phase,
                        lambda: allow_connections(database_url, False)),
                       ("database back", phase, back)])
    return {"phases": phases, **recovered}


def scenario_worker(load: Load, site: Server, phase: float) -> dict:
    recovered = {}

    def kill_one():
        workers = gunicorn_workers(site.process.pid)
        os.kill(workers[0], signal.SIGKILL)
        recovered["worker replaced"] = seconds_until(
            lambda: len(gunicorn_workers(site.process.pid)) == len(workers)
            and workers[0] not in gunicorn_workers(site.process.pid))

    phases = load.run([("before", phase, lambda: None), ("a worker killed", phase, kill_one)])
    return {"phases": phases, **recovered}


def report(name: str, result: dict, before_data, after_data) -> list[str]:
    lines = [f"### {name}", "",
             "| phase | requests | req/s | p50 ms | p99 ms | statuses | dated copies |",
             "| --- | ---: | ---: | ---: | ---: | --- | ---: |"]
    lines += [phase.line() for phase in result["phases"]]
    misses = []
    for phase in result["phases"]:
        if phase.statuses.get(500):
            misses.append(f"{phase.statuses[500]} answers 500 ({phase.name})")
    recovery = {key: value for key, value in result.items() if key != "phases"}
    for key, seconds in recovery.items():
        lines.append(f"\n{key}: " + ("never (30 s)" if seconds is None else f"{seconds:.2f} s"))
        if seconds is None or seconds > 5:
            misses.append(f"{key} not within 5 s")
    if name == "redis":
        before, during = result["phases"][0], result["phases"][1]
        ratio = (sum(during.statuses.values()) / sum(before.statuses.values()))
        lines.append(f"throughput during the outage: {ratio:.0%} of the pages no cache answered")
        if ratio < 0.5:
            misses.append("throughput during the Redis outage below 50 %")
    if name == "database":
        during = result["phases"][1]
        served = during.statuses.get(200, 0)
        lines.append(f"during the outage: {served} pages served (dated copies: {during.stale}), "
                     f"{during.statuses.get(503, 0)} answered 503")
        if during.statuses.get(503):
            misses.append("a cached page answered 503 during the database outage")
    lines.append(f"data before {before_data}, after {after_data}")
    if before_data != after_data:
        misses.append("the data changed")
    lines += [f"MISSED: {miss}" for miss in misses] or ["all targets met"]
    return lines + [""]


SCENARIOS = "redis|database|worker|publication-worker|store-full|double-publish|export-flood"


def mount_store(store: Path, media: Path) -> bool:
    """A tmpfs of its own for the prebuilt downloads, a few times what they take, so that
    store-full can fill it; False when it cannot be mounted (not root)."""
    if os.path.ismount(store):
        subprocess.run(["umount", str(store)], check=False)
    store.mkdir(parents=True, exist_ok=True)
    used = sum(path.stat().st_size for path in (media / "descargas").rglob("*") if path.is_file())
    size = max(32, 3 * used // 2**20 + 16)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}m", "tmpfs",
                              str(store)], capture_output=True).returncode == 0
    say(f"downloads store: {'a tmpfs of ' + str(size) + ' MB' if mounted else 'not a tmpfs'}")
    return mounted


def publication_report(name: str, result: dict) -> list[str]:
    lines = [f"### {name}", ""]
    if result["phases"]:
        lines += ["| phase | requests | req/s | p50 ms | p99 ms | statuses | dated copies |",
                  "| --- | ---: | ---: | ---: | ---: | --- | ---: |"]
        lines += [phase.line() for phase in result["phases"]] + [""]
    lines += result["notes"]
    misses = list(result["misses"])
    for phase in result["phases"]:
        if phase.statuses.get(500):
            misses.append(f"{phase.statuses[500]} answers 500 ({phase.name})")
    return lines + ([f"MISSED: {miss}" for miss in misses] or ["all targets met"]) + [""]


def run_scenario(name: str, args, site, redis, publishing) -> list[str]:
    urls = url_mix(args.database_url, 200)
    for url in urls:  # every page of the mix is in the cache
        fetch(site.url + url)
    before = checksum(args.database_url)
    load = Load(site.url, urls, args.clients)
    say(f"scenario {name}")
    if name in ("redis", "database", "worker"):
        if name == "redis":
            result = scenario_redis(load, redis, site, args.phase)
        elif name == "database":
            result = scenario_database(load, args.database_url, site, args.phase)
        else:
            result = scenario_worker(load, site, args.phase)
        return report(name, result, before, checksum(args.database_url))
    if name == "export-flood":
        result = publication.scenario_export_flood(publishing, args.phase)
    else:
        scenario = {"publication-worker": publication.scenario_publication_worker,
                    "store-full": publication.scenario_store_full,
                    "double-publish": publication.scenario_double_publish}[name]
        result = scenario(load, publishing, args.phase)
    if result["phases"]:
        same, line = publication.same_as_fault_free(publishing.env, args.database_url,
                                                    publishing.store)
        result["notes"].append(line)
        if not same:
            result["misses"].append("the prebuilt files differ from a fault-free rebuild")
    return publication_report(name, result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5432/bench_faults")
    parser.add_argument("--institutions", type=int, default=10)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--phase", type=float, default=10.0, help="seconds of each phase")
    parser.add_argument("--only", default=SCENARIOS)
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    redis = OwnRedis()
    redis.start()
    env = {**project_env(args.database_url, OUT), "REDIS_URL": f"redis://{HOST}:{redis.port}/0",
           "FILE_BUILD_RETRY_SECONDS": "1",
           # As behind nginx (README): the client's address from X-Forwarded-For, whose TLS
           # this loopback stands for (no redirect to https).
           "PROXY_COUNT": "1", "SECURE_SSL_REDIRECT": "false"}
    if not args.reuse:
        prepare_demo(env, institutions=args.institutions, months=args.months, seed=0)
    store = OUT / "store"
    mounted = mount_store(store, OUT / "media")
    if mounted:
        env["DOWNLOADS_ROOT"] = str(store)
    manage(env, "build_downloads", "-v0")
    publication.create_staff(env)
    site = project_server(env, workers=args.workers)
    site.ready_path = "/salud/vivo/"
    worker = publication.Worker(env, OUT / "worker.log")
    lines = [f"# Faults under load ({args.clients} clients, {args.workers} sync workers, "
             f"{args.institutions} × {args.months} demo data, phases of {args.phase:g} s)", ""]
    try:
        with running([site], OUT):
            publishing = publication.Context(site, worker, env, args.database_url,
                                             store if mounted else OUT / "media" / "descargas",
                                             mounted)
            publishing.staff.sign_in()
            for name in args.only.split("|"):
                lines += run_scenario(name, args, site, redis, publishing)
                print("\n".join(lines[-14:]), flush=True)
    finally:
        worker.stop()
        redis.process.kill()
        allow_connections(args.database_url, True)
        if mounted:
            subprocess.run(["umount", "-l", str(store)], check=False)
    lines.append(f"load average at the end: {os.getloadavg()[0]:.1f}")
    (OUT / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if any(line.startswith("MISSED") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main_interruptible(main))
