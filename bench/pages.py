"""Server time of the public pages and memory of the CSV export, on demo data at scale.

    .venv/bin/python bench/pages.py                       # 100 institutions × 12 months, SQLite
    .venv/bin/python bench/pages.py --institutions 10 --requests 10
    .venv/bin/python bench/pages.py --database-url sqlite:////tmp/bench.sqlite3 --keep
    .venv/bin/python bench/pages.py --database-url sqlite:////tmp/bench.sqlite3 --reuse

Sets Django up itself with DEBUG off, against a throwaway SQLite database in a temporary folder
(or --database-url: a database you can throw away; demo institutions in it are replaced),
migrates, generates the demo data with metas.demo (printing how long that took), then requests
each page in-process with django.test.Client: a few warm-up requests, then --requests timed ones,
reporting the median and 95th percentile and the number of SQL queries. The CSV export is timed,
and its peak Python memory (tracemalloc) measured while the streamed body is consumed, for about
10,000 rows and for every row.

Targets on SQLite: every HTML page under 50 ms median; the export's peak memory flat as rows
grow (the peak for every row no more than twice the peak for 10,000 rows).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import inprocess

PROJECT = Path(__file__).resolve().parent.parent
HTML_TARGET_MS = 50
MEMORY_GROWTH_LIMIT = 2.0
EXPORT_ROWS = 10_000
WARM_UP = 3


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=100)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument(
        "--reuse", action="store_true", help="use the data already in --database-url"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (database, static files)"
    )
    return parser.parse_args()


def set_up_django(database_url: str, static_root: Path) -> None:
    """Production-like settings: DEBUG off, hashed static files, no query logging."""
    inprocess.set_up_django(database_url, static_root=static_root, collect_static=True)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def generate(institutions: int, months: int, seed: int) -> None:
    from metas import demo

    print(f"Generating {institutions} institutions × {months} months of demo data…", flush=True)
    started = time.perf_counter()
    summary = demo.generate(institutions, months, seed=seed, replace=True)
    seconds = time.perf_counter() - started
    print(
        f"Generated {summary.goals:,} goals in {summary.reports:,} reports "
        f"({summary.parish_tags:,} parish tags) in {seconds:.1f} s.\n",
        flush=True,
    )


def describe_machine(connection, database_url: str) -> str:
    import platform

    import django

    sqlite = connection.vendor == "sqlite"
    version_query = "SELECT sqlite_version()" if sqlite else "SHOW server_version"
    with connection.cursor() as cursor:
        cursor.execute(version_query)
        engine = f"{connection.display_name} {cursor.fetchone()[0]}"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"Database: {engine} ({database_url})\n"
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs, load average {load}\n"
    )


# --- What is measured --------------------------------------------------------------------------

@dataclass
class Page:
    label: str
    url: str
    required: bool = True  # one of the pages the target is set for


def pages_to_measure() -> list[Page]:
    """The pages of the issue's list, then a few more worth watching, on real rows."""
    from metas.models import Goal, GoalParish, Institution, ProcessLevel, Report, Unit

    latest = Report.objects.latest_per_institution()
    institution = Institution.objects.filter(reports__isnull=False).order_by("pk").first()
    tagged = (
        GoalParish.objects.filter(goal__report__in=latest, via_coverage=False)
        .order_by("goal_id")
        .select_related("goal", "parish")
        .first()
    )
    level = (
        ProcessLevel.objects.filter(units__goals__parish_tags__parish=tagged.parish)
        .order_by("pk")
        .first()
    )
    unit = Unit.objects.filter(institution=institution, parent__isnull=True).order_by("pk").first()
    canton = tagged.parish.canton
    series_goal = Goal.objects.filter(report__in=latest, series__isnull=False).order_by("pk").first()
    # In the goal list's one order (its filters' declared order): another redirects to it.
    three_filters = urlencode(
        {"nivel": level.slug, "avance": "0-24", "parroquia": tagged.parish.slug}
    )
    return [
        Page("/", "/"),
        Page("/metas/ (no filter)", "/metas/"),
        Page("/metas/ parroquia+avance+nivel", f"/metas/?{three_filters}"),
        Page("/metas/?q=alcantarillado", "/metas/?q=alcantarillado"),
        Page("/metas/<id>/", Goal.objects.get(pk=tagged.goal_id).get_absolute_url()),
        Page("/unidades/", "/unidades/"),
        Page("/parroquias/", "/parroquias/"),
        Page("/instituciones/", "/instituciones/"),
        Page("/territorio/<provincia>/<canton>/", canton.get_absolute_url()),
        Page("/<institution>/metas/<series>/", series_goal.get_series_url()),
        Page("/territorio/<provincia>/", canton.province.get_absolute_url(), required=False),
        Page("/metas/?periodo=todos", "/metas/?periodo=todos", required=False),
        Page("/metas/?q=… page 50", "/metas/?q=agua&periodo=todos&pagina=50", required=False),
        Page("/<institution>/", institution.get_absolute_url(), required=False),
        Page("/unidades/<slug>/", unit.get_absolute_url(), required=False),
        Page("/parroquias/<slug>/", tagged.parish.get_absolute_url(), required=False),
        Page("/reportes/", "/reportes/", required=False),
        Page("/datos/", "/datos/", required=False),
    ]


def export_of_about(rows: int) -> str:
    """A /metas.csv query for about `rows` rows: a period (or every one) and a progress up to or
    from some percentage, whichever count comes nearest, read from one GROUP BY."""
    from collections import Counter

    from django.db.models import Count

    from metas.models import Goal

    counts = Counter()  # (period, progress) -> goals; progress None for goals without one
    for period, progress, n in (
        Goal.objects.values_list("report__period", "progress")
        .annotate(n=Count("pk"))
        .values_list("report__period", "progress", "n")
    ):
        counts[f"{period:%Y-%m}", progress] += n
    candidates = []
    for period in ["todos", *sorted({period for period, _ in counts})]:
        in_period = {
            (p, progress): n for (p, progress), n in counts.items() if period in ("todos", p)
        }
        candidates.append((sum(in_period.values()), {"periodo": period}))
        known = [(progress, n) for (_, progress), n in in_period.items() if progress is not None]
        for percent in range(101):
            up_to = sum(n for progress, n in known if progress <= percent)
            from_ = sum(n for progress, n in known if progress >= percent)
            candidates.append((up_to, {"periodo": period, "avance_max": percent}))
            candidates.append((from_, {"periodo": period, "avance_min": percent}))
    _count, query = min(candidates, key=lambda candidate: abs(candidate[0] - rows))
    return "/metas.csv?" + urlencode(query)


# --- Measuring -----------------------------------------------------------------------------

@dataclass
class PageResult:
    page: Page
    status: int
    median_ms: float = 0.0
    p95_ms: float = 0.0
    # CPU time of this process (SQLite runs in it): what the page costs, even on a busy machine.
    cpu_median_ms: float = 0.0
    queries: int = 0
    # The same page again, from the publication-keyed page cache (metas.http.caching).
    cached_median_ms: float = 0.0


def measure_page(client, page: Page, requests: int) -> PageResult:
    """The page rendered (the page cache emptied before each request), then served again."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pages = caches["pages"]
    for _ in range(WARM_UP):
        pages.clear()
        response = client.get(page.url)
    if response.status_code != 200:
        return PageResult(page, response.status_code)
    pages.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(page.url)
    queries = len(captured)  # now: the next request empties the connection's query log
    times, cpu_times, cached = [], [], []
    for _ in range(requests):
        pages.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(page.url)
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.process_time() - cpu_started) * 1000)
        started = time.perf_counter()
        client.get(page.url)
        cached.append((time.perf_counter() - started) * 1000)
    return PageResult(
        page,
        200,
        median_ms=statistics.median(times),
        p95_ms=percentile(times, 95),
        cpu_median_ms=statistics.median(cpu_times),
        queries=queries,
        cached_median_ms=statistics.median(cached),
    )


def percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered)) - 1))
    return ordered[index]


@dataclass
class ExportResult:
    label: str
    url: str
    status: int
    rows: int = 0
    megabytes: float = 0.0
    seconds: float = 0.0
    peak_mb: float = 0.0

    @property
    def peak_bytes_per_row(self) -> float:
        return self.peak_mb * 1024 * 1024 / self.rows if self.rows else 0.0


def consume(response) -> tuple[int, int]:
    """Bytes and lines of a streamed body, holding one piece at a time."""
    size = lines = 0
    for piece in response.streaming_content:
        size += len(piece)
        lines += piece.count(b"\n")
    return size, lines


def measure_export(client, label: str, url: str) -> ExportResult:
    started = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200 or not response.streaming:
        return ExportResult(label, url, response.status_code)
    size, lines = consume(response)
    seconds = time.perf_counter() - started

    # Measured apart from the timing: tracemalloc slows Python down several times.
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        consume(client.get(url))
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    # Lines less the header; a quoted cell may hold a line break, so this is an upper bound.
    return ExportResult(label, url, 200, lines - 1, size / 1e6, seconds, peak / 1024 / 1024)


# --- Report --------------------------------------------------------------------------------

def print_pages(results: list[PageResult], requests: int, vendor: str) -> bool:
    print(f"HTML pages: {requests} requests each after {WARM_UP} warm-up, server time in-process;"
          " rendered (page cache emptied), then 'cached': the same page again")
    if vendor != "sqlite":
        print("(The CPU median leaves out the database server's own time.)")
    print(f"{'page':<34} {'median':>9} {'p95':>9} {'CPU med.':>9} {'queries':>8} {'cached':>9}"
          "  verdict")
    ok = True
    for r in results:
        if r.status != 200:
            verdict = f"HTTP {r.status}"
            ok = ok and not r.page.required
            print(f"{r.page.label:<34} {'-':>9} {'-':>9} {'-':>9} {'-':>8} {'-':>9}  {verdict}")
            continue
        passed = r.median_ms < HTML_TARGET_MS
        verdict = ("ok" if passed else "SLOW") + ("" if r.page.required else " (extra)")
        ok = ok and (passed or not r.page.required)
        times = f"{r.median_ms:>6.1f} ms {r.p95_ms:>6.1f} ms {r.cpu_median_ms:>6.1f} ms"
        print(f"{r.page.label:<34} {times} {r.queries:>8} {r.cached_median_ms:>6.1f} ms  {verdict}")
    print(
        f"Target: every page under {HTML_TARGET_MS} ms median (extras are shown, not judged). "
        "On a busy machine the wall-clock median exceeds the CPU median by the time spent "
        "waiting for a processor.\n"
    )
    return ok


def print_exports(results: list[ExportResult]) -> bool:
    print("CSV export: time to stream the whole body; peak Python memory while consuming it")
    print(f"{'export':<14} {'rows':>9} {'size':>9} {'time':>8} {'peak mem':>9} {'peak/row':>9}")
    for r in results:
        if r.status != 200:
            print(f"{r.label:<14} HTTP {r.status} {r.url}")
            continue
        print(
            f"{r.label:<14} {r.rows:>9,} {r.megabytes:>6.1f} MB {r.seconds:>6.2f} s "
            f"{r.peak_mb:>6.2f} MB {r.peak_bytes_per_row:>7.0f} B"
        )
    measured = [r for r in results if r.status == 200]
    if len(measured) < 2:
        print("Target not checked: the export did not answer.\n")
        return False
    small, large = measured
    growth = large.peak_mb / small.peak_mb if small.peak_mb else float("inf")
    ok = growth <= MEMORY_GROWTH_LIMIT
    print(
        f"Peak memory grows ×{growth:.2f} for ×{large.rows / max(small.rows, 1):.1f} rows "
        f"({'ok' if ok else 'NOT FLAT'}: target at most ×{MEMORY_GROWTH_LIMIT:g}).\n"
    )
    for r in measured:
        print(f"  {r.label}: {r.url}")
    print()
    return ok


def main() -> int:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    database_url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    try:
        set_up_django(database_url, folder / "static")
        from django.db import connection
        from django.test import Client

        print(describe_machine(connection, database_url))
        if not args.reuse:
            generate(args.institutions, args.months, args.seed)
        client = Client()
        page_results = [measure_page(client, page, args.requests) for page in pages_to_measure()]
        pages_ok = print_pages(page_results, args.requests, connection.vendor)

        ten_thousand = export_of_about(EXPORT_ROWS)
        consume(client.get(ten_thousand))  # warm-up
        export_results = [
            measure_export(client, f"~{EXPORT_ROWS:,} rows", ten_thousand),
            measure_export(client, "all rows", "/metas.csv?periodo=todos"),
        ]
        exports_ok = print_exports(export_results)
        # The workbook of the same rows (bench/export_bench.py measures it at 100k rows too).
        workbook = measure_export(client, "xlsx", ten_thousand.replace("/metas.csv", "/metas.xlsx"))
        print(f"XLSX of the ~{EXPORT_ROWS:,} rows: HTTP {workbook.status}, "
              f"{workbook.megabytes:.1f} MB in {workbook.seconds:.2f} s, "
              f"peak Python memory {workbook.peak_mb:.2f} MB\n")
        print("All targets met." if pages_ok and exports_ok else "Some targets NOT met.")
        return 0 if pages_ok and exports_ok else 1
    finally:
        if args.keep:
            print(f"Kept {folder}")
        else:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
