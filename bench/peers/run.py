"""Side by side under the same wrk load: the project, Datasette and a bare Django page.

    make bench-peers                          # 100 × 12 on SQLite: cold pages, then cached
    make bench-peers ARGS=--quick             # 1 round of 3 s
    make bench-peers ARGS="--size 1000x12 --database-url postgres://postgres@127.0.0.1:5432/bench_peers_1000"
    .venv/bin/python bench/peers/run.py --cold-only --reuse --families 'search|parish'

Builds --institutions × --months demo data (--size 100x12 or 1000x12 sets both; seed --seed)
with `manage.py generate_demo` in a throwaway SQLite database (or --database-url: a database you
can throw away, created if missing), exports it with the project's own `/metas.csv?periodo=todos`
(Django's test client, in this process) and builds Datasette's database from that file
(dataset.py: same rows and ids, a full-text index over the fields the project's search covers, a
table of the parishes each goal names). Then it serves the project with gunicorn (--workers sync
workers, DEBUG off, a SECRET_KEY made for the run, static files collected, the page cache in each
worker's memory), Datasette (pinned in requirements-datasette.txt, in its own virtualenv,
bench/peers/.venv-datasette/) with as many worker processes, and a bare Django page (floor/, the
project's Django and gunicorn, as many workers), all on 127.0.0.1, and measures two things in
--runs interleaved rounds of --duration seconds (so that a noisy minute on the shared machine
hits every page alike; the median of the rounds is reported):

1. Cold pages, the headline (cold.py): each request a URL never asked before in the run, drawn
   from thousands of filter sets read from the data (one institution × level × month, a unit
   across months, a one-word search from the goals' own words over every period, a parish
   across institutions over every period, a goal page), the project against Datasette on the
   same rows (counted on both sides for the first URLs of each family), wrk with one thread and
   --cold-connections connections walking each family's list (wrk_walk.lua). The project's page
   cache cannot answer: it lives in each gunicorn worker's memory (REDIS_URL is not passed on),
   the workers start empty, no URL is asked twice (a run that runs out of URLs says so and is
   not counted) and the cold pages are measured before any cached one.
2. Cached pages and 304s (what this script measured before issue 21): issue 10's pages, each
   repeated with wrk (--connections), once without validators (answered from the page cache
   after the first request) and once as a conditional request with the ETag and Last-Modified
   of its first answer (304); Datasette's peers on the same rows; the bare page.

Targets (issue 21), printed met or MISSED:
- cold, every family: at least 3× the req/s of Datasette with the same number of workers;
- cold on SQLite: the parish list at least as fast as the level list; every p99 under 1 s;
- cold at a size other than 100x12 (1000x12 on PostgreSQL, issue 21): a page scoped to one
  institution (level, unit, goal) costs at most 1.3× its cost in the latest 100x12 run on the
  same database, a search or a parish page at most 3×; cost is the CPU per request of the
  gunicorn workers and of the PostgreSQL backends that serve them;
- cached pages and 304s: at least 0.5× the req/s of the bare Django page;
and issue 10's, on the cached pages: at least 10× Datasette and a p99 under 100 ms, the month's
CSV at least 3× Datasette's rows/s, a PostgreSQL run within 2× of the latest SQLite run of the
same size.

Everything lands in bench/out/peers/ (git-ignored): the data (data-<database>-<size>/, kept for
--reuse), and for each run its servers' logs, the URL lists, every round (runs.tsv),
summary.md and results.json in run-<time>/. Every server is stopped by its own process group
when the run ends, also on an error, Ctrl-C or SIGTERM. Exits non-zero when something could not
be measured, and with --fail-on-miss also when a target is missed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from servers import (  # noqa: E402  (bench/servers.py)
    HOST, PROJECT, Server, collect_static, main_interruptible, manage, prepare_demo, project_env,
    project_server, running, say,
)

import cold  # noqa: E402  (bench/peers/cold.py)
import dataset  # noqa: E402  (bench/peers/dataset.py)
from measure import Idle, Run, measured, median_run, request, wrk  # noqa: E402

OUT = PROJECT / "bench" / "out" / "peers"
DATASETTE_VENV = HERE / ".venv-datasette"
DATASETTE_REQUIREMENTS = HERE / "requirements-datasette.txt"

# Generous time limits, so that Datasette does its whole work under load (a timed-out facet
# would make it look faster than it is); no suggested facets, which the project's pages do not
# have. Its page size is set to the project's below. All of this makes the peer harder to beat.
DATASETTE_SETTINGS = {"sql_time_limit_ms": 20000, "facet_time_limit_ms": 20000,
                      "suggest_facets": False}

SIZES = {"100x12": (100, 12), "1000x12": (1000, 12)}

# Issue 10's targets for the cached pages; issue 21's cold ones are in cold.py.
TARGET_PEER_RATIO = 10.0
TARGET_P99_MS = 100.0
TARGET_FLOOR_RATIO = 0.5  # issue 21 too: cached pages and 304s
TARGET_CSV_RATIO = 3.0
TARGET_POSTGRES_SLOWDOWN = 2.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=SIZES,
                        help="100x12 or 1000x12: sets --institutions and --months")
    parser.add_argument("--institutions", type=int, default=100)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url",
                        help="default: a SQLite file in bench/out/peers/data-sqlite-<size>/")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the previous run's data if it was made with the same "
                             "--institutions, --months, --seed and --database-url")
    parser.add_argument("--datasette-source", choices=("export", "query", "both"),
                        default="export",
                        help="build Datasette's database from the site's CSV export, from the "
                             "same rows read with the export's rules (faster without the "
                             "prebuilt file), or from both, checked to be the same")
    parser.add_argument("--cold-only", action="store_true", help="only the cold pages")
    parser.add_argument("--cached-only", action="store_true",
                        help="only the cached pages and 304s")
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unrecorded load first")
    parser.add_argument("--quick", action="store_true", help="1 round of 3 s, 1 s of warm-up")
    parser.add_argument("--cold-connections", type=int, default=8,
                        help="wrk connections on cold pages (issue 21's p99 is at 8)")
    parser.add_argument("--connections", type=int, default=16,
                        help="wrk connections on cached pages")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads on cached pages")
    parser.add_argument("--timeout", type=float, default=10, help="wrk's per-request timeout, s")
    parser.add_argument("--limit", type=int, default=20000,
                        help="URLs drawn for each cold family")
    parser.add_argument("--families", metavar="REGEX",
                        help="measure only the cold families it matches")
    parser.add_argument("--count-sample", type=int, default=5,
                        help="URLs of each cold family whose rows are counted on both sides")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes of the project, Datasette and the bare page")
    parser.add_argument("--datasette-serve", action="store_true",
                        help="also measure `datasette serve` (one process) on cached pages")
    parser.add_argument("--institution", default="Municipio de Cuenca",
                        help="the institution whose level the cached level pages show")
    parser.add_argument("--level", default="PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO")
    parser.add_argument("--q", default="agua potable", help="the cached pages' search")
    parser.add_argument("--accept-encoding", metavar="VALUE",
                        help="send this Accept-Encoding with every request (default: none)")
    parser.add_argument("--only", metavar="REGEX",
                        help="measure only the cached targets it matches")
    parser.add_argument("--check-only", action="store_true",
                        help="start everything, request each page once, stop")
    parser.add_argument("--fail-on-miss", action="store_true",
                        help="exit non-zero when a target is missed, not only on an error")
    args = parser.parse_args()
    if args.size:
        args.institutions, args.months = SIZES[args.size]
    args.size = f"{args.institutions}x{args.months}"
    if args.quick:
        args.runs, args.duration, args.warmup = 1, 3, 1
    if args.runs < 1 or args.duration < 1 or args.warmup < 0 or args.workers < 1:
        parser.error("need --runs >= 1, --duration >= 1, --warmup >= 0, --workers >= 1")
    if not 1 <= args.threads <= args.connections or args.cold_connections < 1:
        parser.error("need --connections >= --threads >= 1 and --cold-connections >= 1")
    if args.cold_only and args.cached_only:
        parser.error("--cold-only and --cached-only exclude each other")
    return args


# --- Data ------------------------------------------------------------------------------------

def prepare_data(args, data: Path) -> tuple[str, dict[str, str], bool]:
    """(database URL, the project's environment, whether the data is new)."""
    database_url = args.database_url or f"sqlite:///{data / 'project.sqlite3'}"
    stamp = {"institutions": args.institutions, "months": args.months, "seed": args.seed,
             "database_url": database_url}
    stamp_file = data / "stamp.json"
    reusable = (args.reuse and stamp_file.exists()
                and json.loads(stamp_file.read_text()) == stamp)
    env = project_env(database_url, data)
    # The page cache in each gunicorn worker's memory, empty when the servers start: with a
    # Redis from the environment, pages of a previous run could answer a "cold" request.
    env.pop("REDIS_URL", None)
    if reusable:
        say(f"reusing the data in {data}")
        manage(env, "migrate", "--no-input", "-v0")  # the schema of the code measured now
        collect_static(env)  # and its static files
        return database_url, env, False
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    prepare_demo(env, institutions=args.institutions, months=args.months, seed=args.seed)
    vacuum(database_url)
    stamp_file.write_text(json.dumps(stamp))
    return database_url, env, True


def vacuum(database_url: str) -> None:
    """PostgreSQL after a bulk load: VACUUM (ANALYZE), as autovacuum would do a little later,
    so that it does not do it during a measure, and so that index-only scans find the
    visibility map set."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg  # only for a PostgreSQL run

    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    say(f"VACUUM (ANALYZE) in {time.perf_counter() - started:.1f} s")


def export_csv(path: Path) -> int:
    """The project's own export of every goal, streamed to `path` by Django's test client in
    this process (needs select() first); returns its size. Not through gunicorn: on a busy
    machine the whole export can outlast gunicorn's 30-second worker timeout."""
    from django.db import connection
    from django.test import Client

    say("exporting /metas.csv?periodo=todos")
    response = Client().get("/metas.csv?periodo=todos", HTTP_HOST=HOST)
    if response.status_code != 200:
        raise SystemExit(f"/metas.csv?periodo=todos answered {response.status_code}")
    with path.open("wb") as out:
        for piece in response.streaming_content:
            out.write(piece)
    connection.close()
    return path.stat().st_size


def query_rows():
    """What dataset.rows() reads from the export, read from the database with the site's own
    cell rules (metas.opendata.exports: formula signs neutralised, decimals written plain,
    lists joined, months as YYYY-MM), without writing the CSV: at 1,000 × 12 with no prebuilt
    file the export streams 1.66 M rows through the exporter's per-row work. --datasette-source
    both checks that it gives the same database as the export."""
    from metas import periods
    from metas.opendata.exports import LIST_SEPARATOR, neutralise
    from metas.models import Goal, GoalParish
    from metas.presentation.numbers import plain

    def text(value):
        return "" if value is None else neutralise(value)

    parishes: dict[int, list[str]] = {}
    named = GoalParish.objects.filter(via_coverage=False, goal__report__withdrawn_at=None)
    for goal, name in named.order_by("parish__name").values_list("goal_id", "parish__name") \
            .iterator(chunk_size=20000):
        parishes.setdefault(goal, []).append(name)
    fields = ("pk", "report__institution__name", "report__period", "unit__level__name",
              "unit__code", "unit__published_name", "objective", "indicator", "target",
              "progress", "note")
    for row in Goal.objects.published().values_list(*fields).iterator(chunk_size=20000):
        pk, institution, period, level, code, unit, objective, indicator, target, progress, \
            note = row
        names = parishes.get(pk, [])
        yield ((str(pk), text(institution), periods.slug(period), text(level), text(code),
                text(unit), text(objective), text(indicator), text(target),
                dataset.number("" if progress is None else plain(progress)), text(note)),
               neutralise(LIST_SEPARATOR.join(names)).split(dataset.PARISH_SEPARATOR)
               if names else [])


def build_datasette_database(data: Path, source: str) -> Path:
    """Datasette's database from the site's export (`export`), from the same rows read with
    the export's rules (`query`), or from both, checked to be the same (`both`)."""
    database = data / "datasette.sqlite3"
    if source in ("export", "both"):
        export = data / "export.csv"
        started = time.perf_counter()
        size = export_csv(export)
        exported = time.perf_counter()
        goals = dataset.build(dataset.rows(export), database)
        say(f"Datasette's database: {goals:,} goals from {size / 2**20:.1f} MiB of CSV exported "
            f"in {exported - started:.1f} s, built in {time.perf_counter() - exported:.1f} s")
        export.unlink()  # as big as the data again; the database holds it all
    if source in ("query", "both"):
        target = database if source == "query" else data / "datasette-query.sqlite3"
        started = time.perf_counter()
        goals = dataset.build(query_rows(), target)
        say(f"Datasette's database: {goals:,} goals read with the export's rules, "
            f"{time.perf_counter() - started:.1f} s")
    if source == "both":
        differences = dataset.same(database, target)
        target.unlink()
        if differences:
            raise SystemExit("the export and the query give different databases: "
                             + "; ".join(differences))
        say("the export and the query give the same database, row for row")
    from django.db import connection

    connection.close()
    return database


@dataclass
class Selection:
    """What the cached pages select, read from the project's database, and the rows each
    selects on both sides."""

    institution: str
    level: str
    level_slug: str
    unit: str
    unit_slug: str
    progress: int
    month: str
    goal_path: str
    page_size: int
    goals: int
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # name: (project, peer)

    def project_paths(self, q: str) -> dict[str, str]:
        # In the goal list's one order (its filters' declared order): another redirects to it.
        level = {"periodo": "todos", "nivel": self.level_slug}
        filter3 = {"periodo": "todos", "nivel": self.level_slug, "unidad": self.unit_slug,
                   "avance_min": self.progress, "avance_max": self.progress}
        return {
            "level": "/metas/?" + urlencode(level),
            "filter3": "/metas/?" + urlencode(filter3),
            "search": "/metas/?" + urlencode({"q": q, "periodo": "todos"}),
            "csv": "/metas.csv?" + urlencode({"periodo": self.month}),
            "home": "/",
            "goal": self.goal_path,
        }

    def peer_paths(self, q: str) -> dict[str, str]:
        table = "/datasette/goals"
        facets = [("_facet", "unit"), ("_facet", "progress_pct")]
        scoped = [("institution", self.institution), ("level", self.level)]
        unit = [("unit", self.unit), ("progress_pct", self.progress)]
        return {
            "level": f"{table}?" + urlencode([*scoped, *facets]),
            "filter3": f"{table}?" + urlencode([*scoped, *unit, *facets]),
            # Each word as the start of a word, as the project's q looks for it.
            "search": f"{table}?" + urlencode({"_search": prefix_query(q), "_searchmode": "raw"}),
            "csv": f"{table}.csv?" + urlencode({"report_month": self.month, "_stream": "on",
                                                "_size": "max", "_dl": "1"}),
        }


def prefix_query(q: str) -> str:
    """'agua potable' -> '"agua"* "potable"*': FTS5's words starting with each word."""
    return " ".join(f'"{word}"*' for word in q.split())


def select(args, env: dict[str, str]) -> Selection:
    """The level, its busiest unit without sub-units (the project's unit filter includes them,
    Datasette's does not), its commonest progress, the latest month and a goal of it."""
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from metas.models import Goal, Institution, ProcessLevel, Report
    from metas.views.goals import PAGE_SIZE

    institution = Institution.objects.get(name=args.institution)
    level = ProcessLevel.objects.get(institution=institution, name=args.level)
    in_level = Goal.objects.filter(unit__level=level)
    unit_row = (in_level.filter(unit__children__isnull=True).values("unit", "unit__published_name",
                                                                    "unit__slug")
                .annotate(n=Count("pk")).order_by("-n", "unit").first())
    progress = (in_level.filter(unit=unit_row["unit"]).exclude(progress=None)
                .values("progress").annotate(n=Count("pk")).order_by("-n", "progress")
                .first()["progress"])
    latest = Report.objects.filter(institution=institution).order_by("-period").first()
    goal = latest.goals.order_by("position").first()
    selection = Selection(
        institution=institution.name, level=level.name, level_slug=level.slug,
        unit=unit_row["unit__published_name"], unit_slug=unit_row["unit__slug"],
        progress=int(progress), month=f"{latest.period:%Y-%m}",
        goal_path=goal.get_absolute_url(), page_size=PAGE_SIZE, goals=Goal.objects.count(),
    )
    connection.close()
    return selection


def count_rows(selection: Selection, q: str, database: Path) -> None:
    """How many rows each page selects, on the project (its own filters) and on Datasette."""
    from django.db import connection
    from django.http import QueryDict

    from metas.filters import GoalFilter

    def project(path: str) -> int:
        goals = GoalFilter(QueryDict(path.split("?", 1)[1]))
        if not goals.is_valid():
            raise SystemExit(f"{path}: {goals.form.errors.as_text()}")
        return goals.qs.count()

    peer = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    one = lambda sql, *values: peer.execute(sql, values).fetchone()[0]  # noqa: E731
    s, where = selection, "institution = ? AND level = ?"
    peer_counts = {
        "level": one(f"SELECT count(*) FROM goals WHERE {where}", s.institution, s.level),
        "filter3": one(f"SELECT count(*) FROM goals WHERE {where} AND unit = ? AND "
                       "progress_pct = ?", s.institution, s.level, s.unit, s.progress),
        "search": one("SELECT count(*) FROM goals_fts WHERE goals_fts MATCH ?", prefix_query(q)),
        "csv": one("SELECT count(*) FROM goals WHERE report_month = ?", s.month),
    }
    peer.close()
    paths = s.project_paths(q)
    csv_path = paths["csv"].replace("/metas.csv", "/metas/")
    for name, peer_count in peer_counts.items():
        path = csv_path if name == "csv" else paths[name]
        s.counts[name] = (project(path), peer_count)
    connection.close()


# --- Servers -----------------------------------------------------------------------------------

def ensure_datasette() -> Path:
    """Datasette's own virtualenv, made (or remade) from requirements-datasette.txt."""
    wanted = DATASETTE_REQUIREMENTS.read_text()
    stamp = DATASETTE_VENV / ".installed"
    if stamp.exists() and stamp.read_text() == wanted:
        return DATASETTE_VENV
    say(f"installing Datasette into {DATASETTE_VENV}")
    shutil.rmtree(DATASETTE_VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
    pip = [str(DATASETTE_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(DATASETTE_REQUIREMENTS)], check=True)
    stamp.write_text(wanted)
    return DATASETTE_VENV


def datasette_server(name: str, database: Path, workers: int, page_size: int) -> Server:
    """workers == 1: `datasette serve`, as a publisher runs it; more: uvicorn's workers."""
    binaries = DATASETTE_VENV / "bin"
    settings = {**DATASETTE_SETTINGS, "default_page_size": page_size}
    env = {**os.environ, "BENCH_DB": str(database), "BENCH_DS_SETTINGS": json.dumps(settings)}
    if workers == 1:
        pairs = [("--setting", key, str(value).lower()) for key, value in settings.items()]
        argv = [str(binaries / "datasette"), "serve", "-i", str(database), "--host", HOST,
                "--port", "{port}", *[part for pair in pairs for part in pair]]
    else:
        argv = [str(binaries / "uvicorn"), "--app-dir", str(HERE), "--host", HOST,
                "--port", "{port}", "--workers", str(workers), "--no-access-log",
                "datasette_asgi:app"]
    return Server(name, argv, HERE, ready_path="/-/versions.json", env=env)


def floor_server(workers: int) -> Server:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "floorsite.settings"}
    argv = [sys.executable, "-m", "gunicorn", "floorsite.wsgi", "--bind", f"{HOST}:{{port}}",
            "--workers", str(workers)]
    return Server("bare", argv, HERE / "floor", env=env)


# --- What is measured --------------------------------------------------------------------------

PAGES = {  # name: label in the table (issue 10's rows)
    "level": "one level (one institution, every period)",
    "filter3": "level + unit + progress",
    "search": "search “{q}”, every period",
    "csv": "CSV of one month",
    "home": "/",
    "goal": "a goal page",
}
LABEL_WIDTH = 42


@dataclass
class Target:
    name: str
    server: str
    path: str
    page: str = ""  # a key of PAGES, for the project's and Datasette's targets
    repeated: bool = False
    headers: list[str] = field(default_factory=list)
    answer: str = ""  # what the check request got, e.g. "304" or "200, no validators"
    body_bytes: int = 0
    csv_rows: int = 0

    @property
    def is_csv(self) -> bool:
        return self.page == "csv"


def rows_per_s(run: Run, target: Target) -> float:
    return run.rows_per_s(target.csv_rows, target.body_bytes)


def build_targets(selection: Selection, q: str, peers: list[str]) -> list[Target]:
    targets = []
    for peer in peers:
        targets += [Target(f"{peer}_{page}", peer, path, page)
                    for page, path in selection.peer_paths(q).items()]
    targets.append(Target("bare", "bare", "/"))
    for page, path in selection.project_paths(q).items():
        targets.append(Target(f"project_{page}", "project", path, page))
        targets.append(Target(f"project_{page}_repeated", "project", path, page, repeated=True))
    return targets


def check(target: Target, server: Server, common: list[str]) -> str:
    """One request before loading: it must answer 200. A repeated target takes the validators
    of that first answer for its conditional requests."""
    url = server.url + target.path
    started = time.perf_counter()
    status, headers, body = request(url, common)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    target.body_bytes = len(body)
    if target.is_csv:
        target.csv_rows = max(0, body.count(b"\n") - 1)  # less the header line
    target.headers = list(common)
    if target.repeated:
        validators = [f"If-None-Match: {headers['ETag']}"] if "ETag" in headers else []
        if "Last-Modified" in headers:
            validators.append(f"If-Modified-Since: {headers['Last-Modified']}")
        target.headers += validators
        again, _, _ = request(url, target.headers)
        target.answer = f"{again}" if validators else f"{again}, no validators"
    else:
        target.answer = str(status)
    rows = f", {target.csv_rows:,} rows" if target.csv_rows else ""
    return (f"{target.name}: {target.answer}, {len(body) / 1024:.0f} KiB{rows}, "
            f"{elapsed_ms:.0f} ms alone")


def measure(target: Target, servers: dict[str, Server], idle: Idle, args,
            round_number: int) -> Run | None:
    server = servers[target.server]
    units = (lambda run: run.rows_per_s(target.csv_rows, target.body_bytes) / 1000) \
        if target.is_csv and not target.repeated else None  # a 304 has no rows
    return measured(
        f"round {round_number} {target.name}", server, idle, args.duration,
        lambda: wrk(server.url + target.path, args.duration, threads=args.threads,
                    connections=args.connections, timeout=args.timeout,
                    headers=target.headers),
        work_units=units)


# --- Report ------------------------------------------------------------------------------------

@dataclass
class Row:
    """One line of the table, with the ratios and the targets it is judged on."""

    label: str
    mode: str
    target: Target
    run: Run
    peer_ratio: float | None = None
    peer_cost_ratio: float | None = None  # the peer's CPU per request over the project's
    floor_ratio: float | None = None
    verdicts: list[tuple[str, bool]] = field(default_factory=list)


def rows_of(targets: list[Target], medians: dict[str, Run], peer: str, q: str) -> list[Row]:
    by_name = {target.name: target for target in targets}
    floor = medians.get("bare")
    rows = []
    for target in targets:
        if target.server != "project" or target.name not in medians:
            continue
        run = medians[target.name]
        mode = "304" if target.repeated else "cache"
        row = Row(PAGES[target.page].format(q=q), mode, target, run)
        peer_name = f"{peer}_{target.page}"
        peer_run = medians.get(peer_name)
        if target.is_csv and not target.repeated:
            if peer_run:
                row.peer_ratio = rows_per_s(run, target) / rows_per_s(peer_run, by_name[peer_name])
                row.peer_cost_ratio = peer_run.cpu_ms / run.cpu_ms if run.cpu_ms else None
                row.verdicts.append((f"≥{TARGET_CSV_RATIO:g}× {peer} rows/s",
                                     row.peer_ratio >= TARGET_CSV_RATIO))
        else:
            if floor:
                row.floor_ratio = run.req_per_s / floor.req_per_s
            if peer_run and not target.repeated:
                row.peer_ratio = run.req_per_s / peer_run.req_per_s
                row.peer_cost_ratio = peer_run.cpu_ms / run.cpu_ms if run.cpu_ms else None
                row.verdicts.append((f"≥{TARGET_PEER_RATIO:g}× {peer}",
                                     row.peer_ratio >= TARGET_PEER_RATIO))
            if row.floor_ratio is not None:
                row.verdicts.append((f"≥{TARGET_FLOOR_RATIO:g}× bare",
                                     row.floor_ratio >= TARGET_FLOOR_RATIO))
            if not target.repeated:
                row.verdicts.append((f"p99<{TARGET_P99_MS:g}ms", run.p99_ms < TARGET_P99_MS))
        if run.errors:
            row.verdicts.append((f"{run.errors} wrk errors", False))
        rows.append(row)
    return rows


def ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}×"


def table(rows: list[Row], targets, medians, peer: str, q: str) -> list[str]:
    """The project's pages, then the peers' and the CSV exports' rows/s."""
    w = LABEL_WIDTH
    lines = [f"{'page':<{w}} {'mode':<8} {'answer':<18} {'req/s':>7} {'p50 ms':>7} "
             f"{'p99 ms':>7} {'CPU ms':>7} {'×peer':>7} {'×p.CPU':>7} {'×bare':>7}  targets"]
    for row in rows:
        verdicts = ", ".join(f"{name} {'ok' if ok else 'MISSED'}" for name, ok in row.verdicts)
        lines.append(f"{row.label:<{w}} {row.mode:<8} {row.target.answer:<18} "
                     f"{row.run.req_per_s:>7.1f} {row.run.p50_ms:>7.1f} {row.run.p99_ms:>7.1f} "
                     f"{row.run.cpu_ms:>7.1f} {ratio_text(row.peer_ratio):>7} "
                     f"{ratio_text(row.peer_cost_ratio):>7} {ratio_text(row.floor_ratio):>7}  "
                     f"{verdicts}")
    lines += [f"×peer: req/s (CSV: rows/s) over {peer}'s on the same rows; ×p.CPU: {peer}'s "
              "server CPU per request over the site's (on a busy machine, steadier than req/s); "
              "×bare: req/s over the bare Django page's. CPU ms: the server's CPU per request "
              "(CSV: per 1,000 rows).", "",
              f"{'peer':<{w}} {'server':<12} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'CPU ms':>7}"]
    for target in targets:
        if target.server != "project" and target.name in medians:
            run = medians[target.name]
            label = PAGES.get(target.page, "bare Django page").format(q=q)
            lines.append(f"{label:<{w}} {target.server:<12} {run.req_per_s:>7.1f} "
                         f"{run.p50_ms:>7.1f} {run.p99_ms:>7.1f} {run.cpu_ms:>7.1f}")
    csv_targets = [t for t in targets if t.is_csv and not t.repeated and t.name in medians]
    if csv_targets:
        lines.append("")
    for target in csv_targets:
        run = medians[target.name]
        lines.append(f"CSV of one month, {target.server}: {rows_per_s(run, target):,.0f} rows/s "
                     f"({target.csv_rows:,} rows, {run.mib_per_s:.1f} MiB/s, peak resident size "
                     f"of its processes {run.server_peak_mb:.0f} MB)")
    return lines


def markdown(rows: list[Row], targets, medians, peer: str, q: str) -> str:
    """summary.md: the same figures as the printed table, as Markdown tables."""
    out = [f"| page | mode | answer | req/s | p50 ms | p99 ms | CPU ms | ×{peer} "
            f"| ×{peer} CPU | ×bare | targets |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for row in rows:
        verdicts = ", ".join(f"{name} {'ok' if ok else '**missed**'}"
                             for name, ok in row.verdicts)
        out.append(f"| {row.label} | {row.mode} | {row.target.answer} | {row.run.req_per_s:.1f} "
                   f"| {row.run.p50_ms:.1f} | {row.run.p99_ms:.1f} | {row.run.cpu_ms:.1f} "
                   f"| {ratio_text(row.peer_ratio)} | {ratio_text(row.peer_cost_ratio)} "
                   f"| {ratio_text(row.floor_ratio)} | {verdicts} |")
    out += ["", "| peer | server | req/s | p50 ms | p99 ms | CPU ms | rows/s |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for target in targets:
        if target.name in medians and (target.server != "project" or target.is_csv):
            if target.server == "project" and target.repeated:
                continue
            run = medians[target.name]
            rate = f"{rows_per_s(run, target):,.0f}" if target.is_csv else ""
            label = PAGES.get(target.page, "bare Django page").format(q=q)
            out.append(f"| {label} | {target.server} | {run.req_per_s:.1f} | {run.p50_ms:.1f} "
                       f"| {run.p99_ms:.1f} | {run.cpu_ms:.1f} | {rate} |")
    out += ["", "Paths:", ""] + [f"- {t.name}: `{t.path}`" for t in targets]
    return "\n".join(out) + "\n"


def compare_with_sqlite(rates: dict, size: str, lines: list[str]) -> bool:
    """A PostgreSQL run against the latest whole SQLite run of the same size: each cached
    page's req/s (rows/s for the CSV). Two runs minutes apart: on a busy machine, read it with
    their load averages."""
    previous_path = latest_path("cached", "sqlite", size)
    if not previous_path.exists():
        lines.append(f"No SQLite run of {size} to compare with (run without --database-url "
                     "first).")
        return False
    previous = json.loads(previous_path.read_text())
    lines += ["", f"PostgreSQL against the latest SQLite run ({previous['run']}); target: "
              f"within {TARGET_POSTGRES_SLOWDOWN:g}×"]
    ok = True
    for name, rate in rates.items():
        before = previous["cached"]["rates"].get(name)
        if not name.startswith("project_") or not before:
            continue  # not measured in the SQLite run: nothing to compare with
        ratio = rate / before
        passed = ratio >= 1 / TARGET_POSTGRES_SLOWDOWN
        ok &= passed
        unit = "rows/s" if name == "project_csv" else "req/s"
        lines.append(f"  {name:<26} {rate:>9,.1f} vs {before:>9,.1f} {unit:<6}: "
                     f"{ratio:.2f}× {'ok' if passed else 'MISSED'}")
    return ok


def latest_path(phase: str, vendor: str, size: str) -> Path:
    """The results.json of the latest whole run of a phase ("cold", "cached")."""
    return OUT / f"latest-{phase}-{vendor}-{size}.json"


def describe(args, database_url: str, selection: Selection) -> list[str]:
    def first_line(argv):
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
            return (done.stdout + done.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"

    import django
    from django.conf import settings

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    s = selection
    counts = "; ".join(f"{name} {project:,} / {peer:,}" for name, (project, peer)
                       in s.counts.items())
    return [
        f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}; load average at the start: "
        f"{load}; {os.cpu_count()} CPUs",
        f"data: {args.size} demo (seed {args.seed}), {s.goals:,} goals; database: "
        f"{database_url}; Python {platform.python_version()}, Django {django.get_version()}, "
        f"SQLite {sqlite3.sqlite_version}; "
        + first_line([str(DATASETTE_VENV / "bin" / "datasette"), "--version"])
        + "; " + first_line(["wrk", "--version"]).split(" Copyright")[0],
        f"load: cold pages wrk -t1 -c{args.cold_connections}, cached pages wrk -t{args.threads} "
        f"-c{args.connections}; -d{args.duration}s, {args.runs} interleaved rounds (median), "
        f"{args.warmup} s warm-up; {args.workers} workers each; CONN_MAX_AGE "
        f"{settings.DATABASES['default']['CONN_MAX_AGE']}"
        + (f"; Accept-Encoding {args.accept_encoding}" if args.accept_encoding else ""),
        f"cached pages select: {s.institution!r}, level {s.level!r}, unit {s.unit!r}, progress "
        f"{s.progress}, month {s.month}, goal {s.goal_path}, q {args.q!r}",
        f"cached pages' rows (project / Datasette): {counts}; page size {s.page_size} on both",
    ]


# --- The run -----------------------------------------------------------------------------------

@dataclass
class Phase:
    """What one part of the run reports."""

    lines: list[str] = field(default_factory=list)
    markdown: list[str] = field(default_factory=list)
    json: dict | None = None
    measured: bool = True  # everything could be measured
    met: bool = True  # every target met


def draw_families(args, selection: Selection) -> list[cold.Family]:
    """The cold URLs, without the cached pages' (measured after them, from the cache)."""
    from django.db import connection

    families = cold.build(args.limit, args.seed)
    connection.close()
    if args.families:
        families = [f for f in families if re.search(args.families, f.name)]
    cached = set(selection.project_paths(args.q).values())
    for family in families:
        kept = [i for i, path in enumerate(family.project) if path not in cached]
        family.project = [family.project[i] for i in kept]
        family.peer = [family.peer[i] for i in kept]
        say(f"cold {family.name}: {len(family.project):,} distinct URLs, e.g. "
            f"{family.project[0] if family.project else '-'} vs "
            f"{family.peer[0] if family.peer else '-'}")
    return families


RUNS_HEADER = ("round\tname\treq_per_s\tp50_ms\tp99_ms\terrors\tmib_per_s\tserver_cores\t"
               "server_peak_mb\tcpu_ms\tdatabase_cores\tcost_ms\tissued\twrapped\tnot_ok\tload\n")


def cold_phase(args, families, servers, idle, peer: str, vendor: str, run_dir: Path,
               common: list[str], raw) -> Phase:
    walks = cold.walks(families, peer, run_dir)
    phase = Phase()
    try:
        rows = cold.check_rows(walks, servers, args.count_sample, common)
    except (RuntimeError, OSError) as error:
        say(f"cold pages: {error}")
        return Phase(lines=[f"COLD PAGES NOT MEASURED: {error}"], measured=False)
    for name, counted in rows.items():
        say(f"check cold {name}: rows site/peer "
            + ", ".join(f"{mine}/{theirs}" for _p, mine, theirs, _ms in counted)
            + "; alone " + ", ".join(f"{ms:.0f} ms" for *_c, ms in counted))
    if args.check_only:
        return phase
    runs = cold.measure(walks, servers, idle, args, common, raw)
    medians = {key: median_run(found) for key, found in runs.items()}
    figures = cold.results(families, medians, peer, rows)
    base, larger = None, args.institutions * args.months > cold.BASE_REPORTS
    if larger and latest_path("cold", vendor, cold.BASE_SIZE).exists():
        base = json.loads(latest_path("cold", vendor, cold.BASE_SIZE).read_text())
    checks = cold.verdicts(figures, vendor, larger, peer, base)
    phase.lines = ([f"COLD PAGES: each request a URL never asked before; wrk -t1 "
                    f"-c{args.cold_connections} -d{args.duration}s, {args.runs} rounds"]
                   + cold.table(figures, peer, checks) + cold.growth_lines(figures, base))
    phase.markdown = cold.markdown(figures, peer, checks)
    phase.json = cold.as_json(figures, checks)
    phase.measured = not any(result.problems() for result in figures)
    phase.met = all(ok for _name, _text, ok in checks)
    return phase


def cached_phase(args, selection, servers, idle, peers: list[str], vendor: str,
                 common: list[str], raw) -> Phase:
    targets = build_targets(selection, args.q, peers)
    if args.only:
        targets = [t for t in targets if re.search(args.only, t.name) or t.name == "bare"]
    live = []
    for target in targets:
        try:
            say("check " + check(target, servers[target.server], common))
            live.append(target)
        except (RuntimeError, OSError) as error:
            say(f"SKIP {target.name}: {error}")
    if args.check_only:
        return Phase(measured=len(live) == len(targets))
    for target in live:
        if args.warmup:
            idle.wait()
            try:
                wrk(servers[target.server].url + target.path, args.warmup, threads=args.threads,
                    connections=args.connections, timeout=args.timeout, headers=target.headers)
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                say(f"warm-up {target.name}: {error}")
    results: dict[str, list[Run]] = {}
    for round_number in range(1, args.runs + 1):
        for target in live:
            run = measure(target, servers, idle, args, round_number)
            if run is None:
                continue
            results.setdefault(target.name, []).append(run)
            raw.write(f"{round_number}\t{target.name}\t{run.req_per_s:.2f}\t{run.p50_ms:.2f}\t"
                      f"{run.p99_ms:.2f}\t{run.errors}\t{run.mib_per_s:.3f}\t"
                      f"{run.server_cores:.2f}\t{run.server_peak_mb:.0f}\t{run.cpu_ms:.2f}\t"
                      f"{run.database_cores:.2f}\t{run.cost_ms:.2f}\t\t\t\t{run.load:.2f}\n")
            raw.flush()
    return cached_report(args, targets, results, peers[0], vendor)


def cached_report(args, targets, results, peer: str, vendor: str) -> Phase:
    medians = {name: median_run(runs) for name, runs in results.items()}
    rows = rows_of(targets, medians, peer, args.q)
    by_name = {target.name: target for target in targets}
    rates = {name: rows_per_s(run, by_name[name]) if by_name[name].csv_rows
             and not by_name[name].repeated else run.req_per_s
             for name, run in medians.items()}
    phase = Phase(
        lines=[f"CACHED PAGES AND 304s: wrk -t{args.threads} -c{args.connections} "
               f"-d{args.duration}s, {args.runs} rounds"] + table(rows, targets, medians, peer,
                                                                 args.q),
        markdown=[markdown(rows, targets, medians, peer, args.q)],
        json={"medians": {name: asdict(run) for name, run in medians.items()}, "rates": rates},
    )
    phase.met = all(ok for row in rows for _, ok in row.verdicts)
    if vendor != "sqlite":
        phase.met &= compare_with_sqlite(rates, args.size, phase.lines)
    missing = [target.name for target in targets if target.name not in medians]
    if missing:
        phase.lines.append(f"NOT MEASURED: {', '.join(missing)}")
        phase.measured = False
    return phase


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk (make bench-peers installs it)")
    ensure_datasette()
    vendor = "postgresql" if (args.database_url or "").startswith("postgres") else "sqlite"
    data = OUT / f"data-{vendor}-{args.size}"
    database_url, env, new_data = prepare_data(args, data)
    selection = select(args, env)
    database = data / "datasette.sqlite3"
    if new_data or not database.exists() or args.datasette_source == "both":
        build_datasette_database(data, args.datasette_source)
    count_rows(selection, args.q, database)
    families = [] if args.cached_only else draw_families(args, selection)
    run_dir = OUT / f"run-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}"
    run_dir.mkdir(parents=True)
    peer = "datasette" if args.workers == 1 else f"datasette{args.workers}w"
    peers = [peer] + (["datasette"] if args.datasette_serve and args.workers > 1 else [])
    common = [f"Accept-Encoding: {args.accept_encoding}"] if args.accept_encoding else []
    to_start = [project_server(env, workers=args.workers), floor_server(args.workers)]
    to_start += [datasette_server(name, database, 1 if name == "datasette" else args.workers,
                                  selection.page_size) for name in peers]
    with running(to_start, run_dir), closing(Idle(to_start, database_url)) as idle, \
            (run_dir / "runs.tsv").open("w") as raw:
        raw.write(RUNS_HEADER)
        servers = {server.name: server for server in to_start}
        header = describe(args, database_url, selection)
        for line in header:
            say(line)
        # Cold first: nothing the cached phase asks for is then in any cache.
        phases = {}
        if families:
            phases["cold"] = cold_phase(args, families, servers, idle, peer, vendor, run_dir,
                                        common, raw)
        if not args.cold_only:
            phases["cached"] = cached_phase(args, selection, servers, idle, peers, vendor,
                                            common, raw)
    if args.check_only:
        return 0 if all(phase.measured for phase in phases.values()) else 1
    return report(args, header, phases, database_url, vendor, run_dir)


def report(args, header, phases: dict[str, Phase], database_url, vendor, run_dir) -> int:
    end_load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = header + [""]
    for phase in phases.values():
        lines += phase.lines + [""]
    met = all(phase.met for phase in phases.values())
    measured_all = all(phase.measured for phase in phases.values())
    lines += [f"load average at the end: {end_load}",
              "All targets met." if met else "Some targets NOT met."]
    if not measured_all:
        lines.append("SOME FIGURES COULD NOT BE MEASURED (see above).")
    print("\n".join(lines), flush=True)
    markdown_text = [f"- {line}" for line in header] + [f"- load average at the end: {end_load}"]
    for name, phase in phases.items():
        markdown_text += ["", f"## {name}", ""] + phase.markdown
    (run_dir / "summary.md").write_text("\n".join(markdown_text) + "\n\n```\n"
                                        + "\n".join(lines[len(header) + 1:]) + "\n```\n")
    results = {"run": header[0], "header": header, "database_url": database_url,
               "vendor": vendor, "size": args.size, "load_end": os.getloadavg(),
               **{name: phase.json for name, phase in phases.items()}}
    (run_dir / "results.json").write_text(json.dumps(results, indent=1))
    whole = {"cold": not args.families, "cached": not args.only}
    for name, phase in phases.items():
        if whole[name] and phase.measured:  # what later runs are compared with
            shutil.copy(run_dir / "results.json", latest_path(name, vendor, args.size))
    say(f"servers' logs, URL lists, every round and the summary in {run_dir}")
    if not measured_all:
        return 1
    return 1 if args.fail_on_miss and not met else 0


if __name__ == "__main__":
    sys.exit(main_interruptible(main))
