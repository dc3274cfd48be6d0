"""Many readers at once while a month is replaced: what the public site answers, and how fast.

    make bench-load                                   # 50 clients for 30 s, SQLite
    .venv/bin/python bench/load.py --clients 50 --duration 30
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/bench_load

Builds --institutions × --months demo data (seed --seed) with `manage.py generate_demo` in a
throwaway SQLite database in a temporary folder (or --database-url: a database you can throw
away, created if missing), serves it with gunicorn (--workers sync workers, production settings:
DEBUG off, a SECRET_KEY made for the run, static files collected) on 127.0.0.1, and sends it
--clients concurrent clients (threads, each one request at a time) for --duration seconds, each
picking URLs from a weighted mix of public pages: the home page, the goal list with and without
filters and page numbers, goal pages, parish and unit pages, report pages, CSV and JSON exports,
Atom feeds. Meanwhile `manage.py import_report` replaces --institution's --period with a
generated Format A report of --goals goals (bench/import_bench.py's generated_report), again and
again until the time is up; every page about that month stays in the mix.

It counts responses by status, and errors: connection errors and timeouts, 5xx, a status other
than the one the URL gave before the load (a page that went missing during a replacement),
truncated bodies (shorter than Content-Length, a broken gzip stream, a CSV or JSON or Atom body
that does not parse, an HTML page without its closing tag), a failed import, and what gunicorn
logged (tracebacks, worker timeouts). Latencies (to the last byte) are given as p50, p95 and p99,
in all and for each kind of page. Standard library only (threads and http.client). Exits
non-zero when there was any error; it reports them, with their URLs, and fixes nothing.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import http.client
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_bench import generated_report  # noqa: E402
from servers import (  # noqa: E402
    HOST, PROJECT, Server, main_interruptible, prepare_demo, project_env, project_server, running,
    say,
)

SHOWN_ERRORS = 25
# What gunicorn writes when a request went wrong on its side.
SERVER_LOG_PROBLEMS = re.compile(r"Traceback|WORKER TIMEOUT|Error handling request|"
                                 r"\[ERROR\]|\[CRITICAL\]|Internal Server Error")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=100)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=30, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--timeout", type=float, default=120, help="per request, seconds")
    parser.add_argument("--goals", type=int, default=10_000, help="goals of the report imported")
    parser.add_argument("--institution", default="Municipio de Cuenca",
                        help="whose month the import replaces")
    parser.add_argument("--period", default="2019-08", help="the month replaced (YYYY-MM)")
    parser.add_argument("--no-import", action="store_true", help="only the readers")
    args = parser.parse_args()
    if args.clients < 1 or args.duration <= 0 or args.workers < 1:
        parser.error("need --clients >= 1, --duration > 0 and --workers >= 1")
    return args


# --- The mix ---------------------------------------------------------------------------------

@dataclass
class Url:
    kind: str  # what the latencies are grouped by
    path: str
    weight: int
    expected: int = 0  # the status it gave before the load


def mix(replaced_name: str, period: str) -> list[Url]:
    """Real URLs of the demo data: filters and goals from institutions the import leaves alone,
    and every page about the month it replaces."""
    from django.db import connection
    from django.db.models import Count

    from metas.models import Goal, GoalParish, Institution, Report, Unit

    replaced = Institution.objects.get(name=replaced_name)
    others = Institution.objects.exclude(pk=replaced.pk).filter(reports__isnull=False)
    other = others.order_by("pk").distinct().first()
    latest = Report.objects.latest_per_institution().exclude(institution=replaced)
    goals = [Goal.objects.filter(report=report).order_by("position").first()
             for report in latest.order_by("institution__name")[:5]]
    parish = (GoalParish.objects.filter(goal__report__in=latest, via_coverage=False)
              .values("parish__slug").annotate(n=Count("pk")).order_by("-n").first())
    level = other.levels.order_by("pk").first()
    unit = Unit.objects.filter(institution=other, parent__isnull=True).order_by("pk").first()
    month = f"/reportes/{replaced.slug}/{period}/"
    connection.close()

    def q(**params):
        return "?" + urlencode(params)

    return [
        Url("home", "/", 10),
        Url("list", "/metas/", 8),
        Url("list", "/metas/" + q(pagina=2), 3),
        Url("list", "/metas/" + q(pagina=40), 2),
        Url("list", "/metas/" + q(institucion=other.slug, periodo="todos", pagina=3), 2),
        Url("list", "/metas/" + q(periodo="todos", nivel=level.slug), 3),
        Url("list", "/metas/" + q(avance="0-24", parroquia=parish["parish__slug"]), 3),
        Url("list", "/metas/" + q(q="agua potable"), 3),
        Url("list", "/metas/" + q(q="alcantarillado", periodo="todos", pagina=5), 1),
        Url("list", "/metas/" + q(institucion=replaced.slug), 2),
        *(Url("goal", goal.get_absolute_url(), 2) for goal in goals),
        Url("place", "/parroquias/", 2),
        Url("place", f"/parroquias/{parish['parish__slug']}/", 2),
        Url("place", "/unidades/", 2),
        Url("place", unit.get_absolute_url(), 2),
        Url("place", other.get_absolute_url(), 1),
        Url("place", replaced.get_absolute_url(), 2),
        Url("report", "/reportes/", 1),
        Url("report", month, 2),
        Url("report", month + "cambios/", 1),
        Url("report", "/datos/", 1),
        Url("export", "/metas.csv" + q(institucion=other.slug), 2),
        Url("export", "/metas.json" + q(institucion=other.slug, avance="0-24"), 2),
        Url("export", "/metas.csv" + q(institucion=replaced.slug, periodo=period), 1),
        Url("export", month + "cambios.csv", 1),
        Url("export", month + "cambios.json", 1),
        Url("feed", "/metas.atom", 1),
        Url("feed", "/metas.atom" + q(institucion=other.slug), 1),
        Url("feed", f"/{replaced.slug}/cambios.atom", 1),
    ]


# --- One request -----------------------------------------------------------------------------

@dataclass
class Outcome:
    url: Url
    status: int | None  # None: no answer (connection error, timeout)
    seconds: float
    error: str = ""


def body_problem(headers: http.client.HTTPMessage, raw: bytes) -> str:
    """Why a 200 body is not whole, or "" when it is."""
    length = headers.get("Content-Length")
    if length is not None and int(length) != len(raw):
        return f"truncated: {len(raw)} of {length} bytes"
    body = raw
    if headers.get("Content-Encoding") == "gzip":
        try:
            body = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            return f"broken gzip body ({len(raw)} bytes): {error}"
    kind = headers.get_content_type()
    try:
        if kind == "text/csv":
            return csv_problem(body.decode("utf-8-sig"))
        if kind == "application/json":
            json.loads(body)
        elif kind == "application/atom+xml":
            ElementTree.fromstring(body)
        elif kind == "text/html" and not body.rstrip().endswith(b"</html>"):
            return f"HTML without </html> ({len(body)} bytes)"
    except (ValueError, csv.Error, ElementTree.ParseError) as error:  # UnicodeDecodeError too
        return f"{kind} does not parse ({len(body)} bytes): {error}"
    return ""


def csv_problem(text: str) -> str:
    if not text.endswith("\n"):
        return f"CSV does not end with a line break ({len(text)} characters)"
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    width = len(next(reader, []))
    for row in reader:
        if len(row) != width:
            return f"CSV line {reader.line_num} has {len(row)} fields, the header {width}"
    return ""


def get(connection: http.client.HTTPConnection, url: Url) -> Outcome:
    started = time.perf_counter()
    try:
        connection.request("GET", url.path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        return Outcome(url, None, time.perf_counter() - started,
                       f"{type(error).__name__}: {error}")
    seconds = time.perf_counter() - started
    if response.status >= 500:
        error = f"HTTP {response.status}"
    elif url.expected and response.status not in (url.expected, 304):
        error = f"HTTP {response.status}, {url.expected} before the load"
    else:
        error = body_problem(response.headers, raw) if response.status == 200 else ""
    return Outcome(url, response.status, seconds, error)


# --- The run ---------------------------------------------------------------------------------

def client(port: int, urls: list[Url], seed: int, deadline: float, timeout: float,
           outcomes: list[Outcome]) -> None:
    chooser = random.Random(seed)
    weights = [url.weight for url in urls]
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    while time.monotonic() < deadline:
        outcomes.append(get(connection, chooser.choices(urls, weights)[0]))
    connection.close()


@dataclass
class Imports:
    runs: list[tuple[float, int]] = field(default_factory=list)  # (seconds, exit status)
    failures: list[str] = field(default_factory=list)
    current: subprocess.Popen | None = None  # stopped if the run is interrupted

    def stop(self) -> None:
        if self.current is not None and self.current.poll() is None:
            self.current.kill()


def replace_month(env, report: Path, args, deadline: float, imports: Imports) -> None:
    """`manage.py import_report` again and again, each started before the deadline."""
    argv = [sys.executable, "manage.py", "import_report", str(report), "--institution",
            args.institution, "--period", args.period, "-v0"]
    while time.monotonic() < deadline:
        started = time.perf_counter()
        imports.current = subprocess.Popen(argv, cwd=PROJECT, env=env, text=True,
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output = imports.current.communicate()[0]
        imports.runs.append((time.perf_counter() - started, imports.current.returncode))
        if imports.current.returncode:
            imports.failures.append(output.strip()[-2000:])


def check_urls(server: Server, urls: list[Url]) -> list[str]:
    """Each URL once, before the load: the status it gives then is the one expected."""
    notes = []
    connection = http.client.HTTPConnection(HOST, server.port, timeout=300)
    for url in urls:
        outcome = get(connection, url)
        url.expected = outcome.status or 0
        if outcome.status != 200 or outcome.error:
            notes.append(f"before the load: {url.path} -> {outcome.status} {outcome.error}")
    connection.close()
    return notes


def percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered)) - 1))
    return ordered[index]


def latency_line(label: str, seconds: list[float]) -> str:
    ms = [value * 1000 for value in seconds]
    return (f"{label:<10} {len(ms):>7,} {statistics.median(ms):>9.0f} {percentile(ms, 95):>9.0f} "
            f"{percentile(ms, 99):>9.0f} {max(ms):>9.0f}")


def report(outcomes: list[Outcome], imports: Imports, server_problems: list[str],
           duration: float, notes: list[str]) -> bool:
    statuses = Counter(outcome.status or "no answer" for outcome in outcomes)
    errors = [outcome for outcome in outcomes if outcome.error]
    print(f"\nRequests: {len(outcomes):,} in {duration:.1f} s ({len(outcomes) / duration:.1f}/s)")
    print("By status: " + ", ".join(f"{status}: {n:,}" for status, n in sorted(
        statuses.items(), key=lambda item: str(item[0]))))
    print(f"\n{'latency ms':<10} {'requests':>7} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}")
    by_kind = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.url.kind].append(outcome.seconds)
    print(latency_line("all", [outcome.seconds for outcome in outcomes]))
    for kind, seconds in by_kind.items():
        print(latency_line(kind, seconds))

    runs = imports.runs
    if runs:
        times = ", ".join(f"{seconds:.1f} s" + (f" (exit {code})" if code else "")
                          for seconds, code in runs)
        print(f"\nImports replacing the month: {len(runs)} ({times})")
    for failure in imports.failures[:3]:
        print("  failed import:\n    " + failure.replace("\n", "\n    "))
    for note in notes:
        print(note)

    print(f"\nErrors: {len(errors):,}")
    kinds = Counter(re.sub(r"\d+", "N", outcome.error.split(":")[0]) for outcome in errors)
    for kind, n in kinds.most_common():
        print(f"  {n:>6,}  {kind}")
    by_url = Counter((outcome.url.path, outcome.error) for outcome in errors)
    for (path, error), n in by_url.most_common(SHOWN_ERRORS):
        print(f"  {n:>6,}× {path}  {error}")
    if server_problems:
        print(f"\nThe server's log: {len(server_problems)} lines about failed requests, the "
              "first ones:")
        for line in server_problems[:SHOWN_ERRORS]:
            print("  " + line)
    failed = bool(errors or imports.failures or server_problems or notes)
    print("\nNo error." if not failed else "\nERRORS: see above.")
    return not failed


def main() -> int:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    imports = Imports()
    try:
        database_url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
        env = project_env(database_url, folder)
        prepare_demo(env, institutions=args.institutions, months=args.months, seed=args.seed)
        os.environ.update(env)
        sys.path.insert(0, str(PROJECT))
        import django

        django.setup()
        report_file = folder / f"generated-{args.goals}.tsv"
        report_file.write_bytes(generated_report(args.goals))
        urls = mix(args.institution, args.period)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"Database: {database_url}; gunicorn with {args.workers} sync workers; "
              f"{args.clients} clients for {args.duration:g} s; {len(urls)} URLs; "
              f"load average {load} on {os.cpu_count()} CPUs")
        with running([project_server(env, workers=args.workers)], folder) as (server,):
            notes = check_urls(server, urls)
            outcomes: list[Outcome] = []  # list.append is atomic: the threads share it
            started = time.monotonic()
            deadline = started + args.duration
            clients = [threading.Thread(target=client, daemon=True,
                                        args=(server.port, urls, args.seed * 1000 + number,
                                              deadline, args.timeout, outcomes))
                       for number in range(args.clients)]
            importer = threading.Thread(target=replace_month, daemon=True,
                                        args=(env, report_file, args, deadline, imports))
            say(f"loading {server.url} for {args.duration:g} s"
                + ("" if args.no_import else f", replacing {args.institution} {args.period}"))
            cpu_before = server.group_stat()[0]
            for thread in [*clients, *([] if args.no_import else [importer])]:
                thread.start()
            for thread in clients:  # each finishes the request in hand
                thread.join(timeout=max(0.0, deadline - time.monotonic()) + args.timeout + 10)
            elapsed = time.monotonic() - started
            server_cpu = server.group_stat()[0] - cpu_before
            if not args.no_import:
                importer.join(timeout=600)  # the import in hand, bounded
            stuck = sum(thread.is_alive() for thread in [*clients, importer])
            if stuck:
                notes.append(f"{stuck} clients or the importer still busy after the timeout")
            log = server.log_path.read_text(errors="replace").splitlines()  # before stopping it
        server_problems = [line for line in log if SERVER_LOG_PROBLEMS.search(line)]
        print(f"\nThe server's processes used {server_cpu:.1f} CPU seconds in {elapsed:.1f} s "
              f"({server_cpu / elapsed:.2f} of the {os.cpu_count()} cores; "
              f"{server_cpu * 1000 / max(len(outcomes), 1):.0f} ms per request); load average "
              + ", ".join(f"{value:.1f}" for value in os.getloadavg()))
        return 0 if report(list(outcomes), imports, server_problems, elapsed, notes) else 1
    finally:
        imports.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main_interruptible(main))
