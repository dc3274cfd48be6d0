"""Where a cold request of each family spends its time: py-spy on a gunicorn worker, and the SQL.

    .venv/bin/python bench/peers/profile.py                      # 100 × 12 on SQLite
    .venv/bin/python bench/peers/profile.py --size 1000x12 \
        --database-url postgres://postgres@127.0.0.1:5432/bench_peers_1000x12

Uses the data bench/peers/run.py built (bench/out/peers/data-<database>-<size>/; run it first).
Serves it as run.py does (gunicorn, production settings, the page cache in the worker's memory)
but with one sync worker, and for each cold family (cold.py) asks one of its URLs unmeasured (so
that the worker has compiled its templates and expressions, as a busy server has), then
--requests others, one at a time, each never asked before, while py-spy (requirements.txt) samples the worker, idle time
included (a wait for PostgreSQL is time the request takes). Only the samples taken inside a
request count. From them:
- buckets: each sample goes to the first of these found from the innermost frame out: SQL (the
  database driver: executing, waiting, fetching), ORM (Django building queries and rows), templates
  (Django's template engine), the site's own code (metas/), other (Django's request handling,
  middleware, gunicorn);
- the functions with the most time inclusive (the function and what it calls) and their own.
Then the same URLs' SQL: the family's next --requests URLs through Django's test client in this
process (DEBUG off), every query timed by an execute wrapper; the statements (numbers and quoted
values replaced by ?) with the most time. Everything is printed and written to
bench/out/peers/profile-<database>-<size>.md.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from servers import (  # noqa: E402  (bench/servers.py)
    HOST, main_interruptible, project_env, project_server, running, say,
)

import cold  # noqa: E402
from measure import request  # noqa: E402
from run import OUT  # noqa: E402

PY_SPY = Path(sys.executable).with_name("py-spy")
FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
BUCKETS = [  # (label, the folders of a frame's file), innermost match wins
    ("SQL: database driver, executing and waiting", ("django/db/backends/", "psycopg/",
                                                     "sqlite3/")),
    ("ORM: building queries and rows", ("django/db/models/",)),
    ("templates", ("django/template/", "django/templatetags/")),
    ("the site's own code (metas/)", ("metas/",)),
]
OTHER = "other: Django's request handling, middleware, gunicorn"
# gunicorn's sync worker (SyncWorker.handle_request): one request, from reading it to the answer
IN_REQUEST = "handle_request"
# The functions shown inclusive: the site's own (Django's are in the buckets).
INTERESTING = re.compile(r"\(metas/")
LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100x12",
                        help="the data's size as run.py named it: 100x12, 1000x12…")
    parser.add_argument("--database-url", help="as given to run.py (default: its SQLite file)")
    parser.add_argument("--requests", type=int, default=10, help="URLs per family")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--seed", type=int, default=1, help="draws the URLs (run.py uses 0)")
    parser.add_argument("--families", metavar="REGEX")
    return parser.parse_args()


# --- Samples -------------------------------------------------------------------------------------

def frames(stack: str) -> list[tuple[str, str]]:
    """py-spy's raw stack, outermost first, as (function, file) pairs."""
    found = []
    for frame in stack.split(";"):
        match = FRAME.match(frame.strip())
        found.append((match["name"], match["file"]) if match else (frame.strip(), ""))
    return found


def read_samples(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    """(frames, count) of the samples taken inside a request."""
    samples = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        stack_frames = frames(stack)
        if any(name.endswith(IN_REQUEST) for name, _file in stack_frames):
            samples.append((stack_frames, int(count)))
    return samples


def in_folder(file: str, folder: str) -> bool:
    """py-spy names files from their package ("metas/http/caching.py"), or in full."""
    return file.startswith(folder) or f"/{folder}" in file


def bucket(stack_frames: list[tuple[str, str]]) -> str:
    for _name, file in reversed(stack_frames):
        for label, folders in BUCKETS:
            if any(in_folder(file, folder) for folder in folders):
                return label
    return OTHER


def short(name: str, file: str) -> str:
    return f"{name} ({file})"


def summarise(samples) -> tuple[int, Counter, Counter, Counter]:
    """(samples, by bucket, inclusive by function, own by function)."""
    total, buckets, inclusive, own = 0, Counter(), Counter(), Counter()
    for stack_frames, count in samples:
        total += count
        buckets[bucket(stack_frames)] += count
        for key in {short(name, file) for name, file in stack_frames}:
            inclusive[key] += count
        own[short(*stack_frames[-1])] += count
    return total, buckets, inclusive, own


def sample_family(server, walk_paths: list[str], rate: int, folder: Path, name: str):
    """py-spy on the server's one worker while the paths are asked one at a time; returns
    (raw samples file, milliseconds per request)."""
    worker = worker_pid(server.process.pid)
    output = folder / f"py-spy-{name}.txt"
    spy = subprocess.Popen([str(PY_SPY), "record", "--pid", str(worker), "--rate", str(rate),
                            "--format", "raw", "--idle", "--nonblocking", "--output",
                            str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           start_new_session=True)
    time.sleep(1.5)  # py-spy attaches
    times = []
    try:
        for path in walk_paths:
            started = time.perf_counter()
            status, _, _ = request(server.url + path)
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes what it has and ends
        try:
            spy.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(spy.pid, signal.SIGKILL)
            spy.wait()
    if not output.exists():
        raise RuntimeError(f"py-spy wrote nothing: {spy.stderr.read().decode()[-500:]}")
    return output, times


def worker_pid(leader: int) -> int:
    """gunicorn's one worker: the child of the arbiter."""
    for _ in range(50):
        children = Path(f"/proc/{leader}/task/{leader}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


# --- SQL -----------------------------------------------------------------------------------------

def sql_profile(paths: list[str]) -> tuple[float, dict[str, list[float]]]:
    """(total ms of the requests, {statement: [ms of each execution]}), in this process."""
    from django.db import connection
    from django.test import Client

    queries: dict[str, list[float]] = defaultdict(list)

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = LITERALS.sub("?", re.sub(r"\s+", " ", sql))
            queries[key].append((time.perf_counter() - started) * 1000)

    client, total = Client(), 0.0
    with connection.execute_wrapper(timed):
        for path in paths:
            started = time.perf_counter()
            response = client.get(path, HTTP_HOST=HOST)
            b"".join(response) if response.streaming else response.content
            total += (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code} in process")
    return total, queries


# --- Report --------------------------------------------------------------------------------------

def family_report(name: str, label: str, samples_file: Path, times: list[float],
                  sql: tuple[float, dict[str, list[float]]]) -> list[str]:
    total, buckets, inclusive, own = summarise(read_samples(samples_file))
    times = sorted(times)
    lines = [f"### {label} ({name})", "",
             f"{len(times)} requests under gunicorn, one at a time: median "
             f"{times[len(times) // 2]:,.0f} ms, slowest {times[-1]:,.0f} ms; {total:,} samples "
             "inside requests.", ""]
    if not total:
        return lines + ["No sample inside a request.", ""]
    lines += ["| where | share |", "| --- | ---: |"]
    lines += [f"| {where} | {count / total:.0%} |" for where, count in buckets.most_common()]
    lines += ["", "| the site's functions, inclusive | share |", "| --- | ---: |"]
    lines += [f"| `{key}` | {count / total:.0%} |" for key, count in inclusive.most_common(60)
              if INTERESTING.search(key) and count / total >= 0.02][:16]
    lines += ["", "| own time | share |", "| --- | ---: |"]
    lines += [f"| `{key}` | {count / total:.0%} |" for key, count in own.most_common(10)]
    request_ms, queries = sql
    sql_ms = sum(sum(found) for found in queries.values())
    executions = sum(len(found) for found in queries.values())
    lines += ["", f"SQL in process over {len(times)} other URLs of the family: "
              f"{executions / len(times):.1f} queries and {sql_ms / len(times):,.0f} ms a request "
              f"in execute(), {sql_ms / request_ms:.0%} of their {request_ms / len(times):,.0f} ms "
              "(SQLite computes most rows as they are fetched, after execute(): its share is in "
              "py-spy's SQL bucket above).", "",
              "| statement | a request | ms a request | share of the request |",
              "| --- | ---: | ---: | ---: |"]
    top = sorted(queries.items(), key=lambda item: -sum(item[1]))[:6]
    for statement, found in top:
        text = statement if len(statement) <= 220 else statement[:200] + " … " + statement[-20:]
        lines.append(f"| `{text.replace('|', '/')}` | {len(found) / len(times):.1f} | "
                     f"{sum(found) / len(times):,.1f} | {sum(found) / request_ms:.0%} |")
    return lines + [""]


def main() -> int:
    args = parse_args()
    if not PY_SPY.exists():
        raise SystemExit(f"{PY_SPY} not found: .venv/bin/pip install -r requirements.txt")
    vendor = "postgresql" if (args.database_url or "").startswith("postgres") else "sqlite"
    data = OUT / f"data-{vendor}-{args.size}"
    stamp = data / "stamp.json"
    if not stamp.exists():
        raise SystemExit(f"no data in {data}: run bench/peers/run.py --size {args.size} first")
    database_url = json.loads(stamp.read_text())["database_url"]
    env = project_env(database_url, data)
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    sys.path.insert(0, str(HERE.parent.parent))
    import django

    django.setup()
    families = cold.build(2 * args.requests + 1, args.seed)
    if args.families:
        families = [f for f in families if re.search(args.families, f.name)]
    folder = OUT / f"profile-{vendor}-{args.size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines = [f"## Profile: {args.size} on {vendor}", "",
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average at the start "
             + ", ".join(f"{v:.1f}" for v in os.getloadavg()) + f"; py-spy {args.rate} Hz.", ""]
    with running([project_server(env, workers=1)], folder) as (server,):
        for family in families:
            say(f"profiling {family.name}")
            # A warm worker: what a first request compiles (templates, regular expressions)
            # is not what a cold page costs.
            request(server.url + family.project[-1])
            measured = family.project[:args.requests]
            samples_file, times = sample_family(server, measured, args.rate, folder, family.name)
            sql = sql_profile(family.project[args.requests:2 * args.requests])
            lines += family_report(family.name, family.label, samples_file, times, sql)
    lines.append("load average at the end: " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))
    text = "\n".join(lines) + "\n"
    (OUT / f"profile-{vendor}-{args.size}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main_interruptible(main))
