"""How bench/peers measures a server under wrk: one run, its CPU cost, the median of rounds.

    run = measured(server, idle, duration, lambda: wrk(url, duration, threads=2, connections=16))
    run.req_per_s, run.p50_ms, run.p99_ms, run.cpu_ms, run.cost_ms

Before each run `Idle.wait()` lets the servers finish the work a previous run left (gunicorn's
sync workers still answer the connections in their backlog when wrk stops, Datasette finishes
the queries it queued); during it, the CPU time of the server's processes and, on PostgreSQL,
of the database's backends serving it is counted, so that a page's cost per request is known
whatever share of the shared machine it got.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from servers import Server, process_cpu, say  # bench/servers.py

HERE = Path(__file__).resolve().parent
WRK_REPORTER = HERE / "wrk_report.lua"
WRK_LINE = re.compile(r"^WRK_RESULT (.*)$", re.MULTILINE)


@dataclass
class Run:
    req_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    mib_per_s: float
    server_cores: float = 0.0
    server_peak_mb: float = 0.0
    # The server's CPU per request (per 1,000 rows for an export): what a page costs, whatever
    # share of the shared machine the server got.
    cpu_ms: float = 0.0
    # The same for the PostgreSQL backends that served it (0 on SQLite, whose work is the
    # server's own), and the two together.
    database_cores: float = 0.0
    cost_ms: float = 0.0
    requests: int = 0
    # Cold runs (wrk_walk.lua): paths taken from the list, requests that went past its end
    # (repeats), and answers other than 200.
    issued: int = 0
    wrapped: int = 0
    not_ok: int = 0
    load: float = 0.0  # the machine's 1-minute load average when the run ended

    def rows_per_s(self, rows: int, body_bytes: int) -> float:
        """Export throughput from the bytes received (partial downloads count): a 10 s run of
        multi-second downloads completes too few of them for req/s to say much."""
        if not rows:
            return 0.0
        return self.mib_per_s * 2**20 / (body_bytes / rows)


def wrk(url: str, duration: int, *, threads: int, connections: int, timeout: float,
        headers: list[str] = (), script: Path = WRK_REPORTER,
        script_args: list[str] = ()) -> Run:
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s",
            f"--timeout={timeout:g}s", "-s", str(script)]
    for header in headers:
        argv += ["-H", header]
    argv.append(url)
    if script_args:
        argv += ["--", *script_args]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60,
                            check=False)
    match = WRK_LINE.search(result.stdout)
    if result.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({result.returncode}): "
                           f"{result.stdout[-500:]}{result.stderr[-500:]}")
    values = {key: int(value) for key, value in
              (pair.split("=") for pair in match.group(1).split())}
    seconds = values["duration_us"] / 1e6
    return Run(
        req_per_s=values["requests"] / seconds,
        p50_ms=values["p50_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        errors=sum(values[key] for key in ("connect", "read", "write", "status", "timeout")),
        mib_per_s=values["bytes"] / seconds / 2**20,
        requests=values["requests"],
        issued=values.get("issued", 0),
        wrapped=values.get("wrapped", 0),
        not_ok=values.get("not_ok", 0),
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer of its own here, not the page


_OPENER = urllib.request.build_opener(_NoRedirects)


def request(url: str, headers: list[str] = ()) -> tuple[int, dict[str, str], bytes]:
    """One GET, redirects not followed: (status, headers, body)."""
    pairs = dict(header.split(": ", 1) for header in headers)
    try:
        with _OPENER.open(urllib.request.Request(url, headers=pairs), timeout=300) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# The sessions of the servers measured: not this script's own, nor autovacuum's.
SERVED_SESSIONS = ("datname = current_database() AND backend_type = 'client backend' "
                   "AND NOT pid = ANY(%s)")


class DatabaseCpu:
    """CPU seconds the PostgreSQL backends serving the site used, polled: a backend that ends
    (a connection older than CONN_MAX_AGE) loses only its time since the last poll."""

    def __init__(self, connection, own_pids: list[int]):
        self.connection, self.own_pids = connection, own_pids
        self.last: dict[int, float] = {}
        self.total = 0.0
        self.lock = threading.Lock()

    def poll(self) -> float:
        with self.lock:
            pids = [pid for (pid,) in self.connection.execute(
                f"SELECT pid FROM pg_stat_activity WHERE {SERVED_SESSIONS}", [self.own_pids])]
            for pid in pids:
                now = process_cpu(pid)
                if now is not None:
                    self.total += now - self.last.get(pid, now)
                    self.last[pid] = now
            return self.total


class Idle:
    """Waits until no server still works on requests a finished wrk run abandoned, which would
    slow down whatever is measured next. That work shows as CPU of the servers' processes, or,
    on PostgreSQL, as the database's active queries. Also counts the database's CPU."""

    def __init__(self, servers, database_url: str):
        self.servers = list(servers)
        self.database = None
        self.database_cpu = None
        if database_url.startswith(("postgres://", "postgresql://")):
            import psycopg  # only for a PostgreSQL run

            self.database = psycopg.connect(database_url, autocommit=True)
            polling = psycopg.connect(database_url, autocommit=True)
            self.own_pids = [self.database.info.backend_pid, polling.info.backend_pid]
            self.database_cpu = DatabaseCpu(polling, self.own_pids)

    def active_queries(self) -> int:
        if self.database is None:
            return 0
        return self.database.execute(
            f"SELECT count(*) FROM pg_stat_activity WHERE {SERVED_SESSIONS} "
            "AND state = 'active'", [self.own_pids]).fetchone()[0]

    def database_seconds(self) -> float:
        return self.database_cpu.poll() if self.database_cpu else 0.0

    def wait(self, timeout: float = 300.0, window: float = 0.5) -> float:
        """Seconds waited."""
        started = time.monotonic()
        before = sum(server.group_stat()[0] for server in self.servers)
        while time.monotonic() - started < timeout:
            time.sleep(window)
            after = sum(server.group_stat()[0] for server in self.servers)
            if (after - before) / window < 0.1 and not self.active_queries():
                break
            before = after
        return time.monotonic() - started

    def close(self) -> None:
        if self.database is not None:
            self.database.close()
            self.database_cpu.connection.close()


class Sampler(threading.Thread):
    """The peak resident size of a server's processes while it is being loaded, and the
    database's CPU (polled often, see DatabaseCpu)."""

    def __init__(self, server: Server, idle: Idle):
        super().__init__(daemon=True)
        self.server, self.idle, self.peak_mb = server, idle, 0.0
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.25):
            self.peak_mb = max(self.peak_mb, self.server.group_stat()[1])
            self.idle.database_seconds()


def measured(name: str, server: Server, idle: Idle, duration: int, run_wrk,
             work_units=None) -> Run | None:
    """run_wrk() under the sampler, after the servers are idle; None if wrk failed.
    `work_units(run)` is what the CPU is divided by (default: requests completed)."""
    waited = idle.wait()
    if waited > 2:
        say(f"servers were busy {waited:.1f} s with abandoned requests before {name}")
    cpu_before, database_before = server.group_stat()[0], idle.database_seconds()
    sampler = Sampler(server, idle)
    sampler.start()
    try:
        run = run_wrk()
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        say(f"{name}: {error}")
        return None
    finally:
        sampler.done.set()
        sampler.join()
    run.server_cores = (server.group_stat()[0] - cpu_before) / duration
    if server.name == "project":  # the only one that uses the database
        run.database_cores = (idle.database_seconds() - database_before) / duration
    units = work_units(run) if work_units else run.req_per_s
    run.cpu_ms = run.server_cores * 1000 / units if units else 0.0
    run.cost_ms = (run.server_cores + run.database_cores) * 1000 / units if units else 0.0
    run.server_peak_mb = sampler.peak_mb
    run.load = os.getloadavg()[0]
    say(f"{name}: {run.req_per_s:.1f} req/s, p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, "
        f"server {run.server_cores:.2f} cores"
        + (f", database {run.database_cores:.2f} cores" if run.database_cores else "")
        + f", load {run.load:.1f}"
        + (f", {run.errors} errors" if run.errors else "")
        + (f", {run.not_ok} not 200" if run.not_ok else "")
        + (f", {run.wrapped} repeated URLs" if run.wrapped else ""))
    return run


SUMMED = ("errors", "requests", "issued", "wrapped", "not_ok")


def median_run(runs: list[Run]) -> Run:
    """The median of each figure across the rounds; counts are added up, the peak is the
    largest."""
    figures = {}
    for name in Run.__dataclass_fields__:
        values = [getattr(run, name) for run in runs]
        if name in SUMMED:
            figures[name] = sum(values)
        elif name == "server_peak_mb":
            figures[name] = max(values)
        else:
            figures[name] = statistics.median(values)
    return Run(**figures)
