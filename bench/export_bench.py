"""Time and peak memory of the goal exports, CSV and XLSX, for about 10,000 and 100,000 rows.

    .venv/bin/python bench/export_bench.py                      # generates ~100k goals, SQLite
    .venv/bin/python bench/export_bench.py --rows 1000 5000     # smaller, quicker
    .venv/bin/python bench/export_bench.py --database-url sqlite:////tmp/exports.sqlite3 --keep
    .venv/bin/python bench/export_bench.py --database-url sqlite:////tmp/exports.sqlite3 --reuse

Sets Django up itself (DEBUG off) against a throwaway SQLite database in a temporary folder (or
--database-url: a database you can throw away), migrates, and writes demo data with
metas.demo (as bench/pages.py does) large enough for the largest --rows, without the prebuilt
whole files, so that every export is generated from the database. Then each export runs alone
in a fresh child process (this script with --measure), through django.test.Client as a request
would: the child reports the wall time to the last byte, the body's size, and its peak resident
size (VmHWM) above what it held once Django was set up. The queries are bench/pages.py's: a
period and a progress bound whose count comes nearest to each --rows.

Targets: the peak resident size of each format, above the baseline, grows at most ×2 from the
smallest to the largest --rows (flat: constant memory), and stays under 200 MB.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import inprocess

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
FORMATS = ("csv", "xlsx")
GROWTH_LIMIT = 2.0
PEAK_LIMIT_MB = 200
# Goals in one demo institution-month (the sample report's).
GOALS_PER_REPORT = 137
MONTHS = 12


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--reuse", action="store_true", help="use the data in --database-url")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child: one URL
    return parser.parse_args()


def set_up_django(database_url: str, media_root: Path) -> None:
    inprocess.set_up_django(database_url, media_root=media_root)


def resident_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # Linux: VmHWM back to VmRSS


def measure(url: str) -> dict:
    """In the child: one request, its body read piece by piece and dropped."""
    from django.test import Client

    client = Client()
    client.get("/metas.csv?periodo=2001-01")  # imports, URL resolving, first queries
    reset_peak()
    baseline = resident_mb("VmRSS")
    started = time.perf_counter()
    response = client.get(url)
    size = sum(len(piece) for piece in response.streaming_content)
    seconds = time.perf_counter() - started
    return {"status": response.status_code, "bytes": size, "seconds": seconds,
            "peak_mb": resident_mb("VmHWM") - baseline, "baseline_mb": baseline}


def generate(rows: int, seed: int) -> None:
    from metas import demo

    institutions = -(-rows // (GOALS_PER_REPORT * MONTHS)) + 1
    print(f"Generating {institutions} institutions × {MONTHS} months of demo data…", flush=True)
    started = time.perf_counter()
    summary = demo.generate(institutions, MONTHS, seed=seed, replace=True, build_downloads=False)
    print(f"{summary.goals:,} goals in {time.perf_counter() - started:.0f} s\n", flush=True)


def query_for(rows: int) -> str:
    sys.path.insert(0, str(BENCH))
    from pages import export_of_about  # the CSV query bench/pages.py measures

    return export_of_about(rows).split("?", 1)[1]


def row_count(query: str) -> int:
    from django.http import QueryDict

    from metas.filters import GoalFilter
    from metas.models import Goal

    goals = GoalFilter(QueryDict(query), queryset=Goal.objects.all())
    assert goals.is_valid(), goals.form.errors
    return goals.qs.count()


def run_child(url: str, database_url: str, folder: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", url, "--database-url", database_url],
        capture_output=True, text=True, check=False, env={**os.environ, "BENCH_FOLDER": str(folder)},
    )
    if output.returncode != 0:
        raise SystemExit(f"{url} failed:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def report(results: list[tuple[str, int, dict]]) -> bool:
    print(f"{'format':<6} {'rows':>9} {'size':>10} {'time':>9} {'peak RSS':>10} {'baseline':>9}")
    for extension, rows, result in results:
        print(f"{extension:<6} {rows:>9,} {result['bytes'] / 1e6:>7.1f} MB "
              f"{result['seconds']:>7.2f} s {result['peak_mb']:>7.1f} MB "
              f"{result['baseline_mb']:>6.0f} MB")
    ok = True
    for extension in FORMATS:
        measured = [(rows, r) for e, rows, r in results if e == extension]
        (_, small), (_, large) = measured[0], measured[-1]
        growth = large["peak_mb"] / max(small["peak_mb"], 1.0)
        fine = growth <= GROWTH_LIMIT and large["peak_mb"] <= PEAK_LIMIT_MB
        ok = ok and fine
        print(f"{extension}: peak grows ×{growth:.2f} for ×{measured[-1][0] / measured[0][0]:.1f} "
              f"rows, {large['peak_mb']:.0f} MB at most ({'ok' if fine else 'NOT MET'}: at most "
              f"×{GROWTH_LIMIT:g} and {PEAK_LIMIT_MB} MB)")
    return ok


def main() -> int:
    args = parse_args()
    if args.measure:
        folder = Path(os.environ["BENCH_FOLDER"])
        set_up_django(args.database_url, folder / "media")
        print(json.dumps(measure(args.measure)))
        return 0
    folder = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    database_url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    try:
        set_up_django(database_url, folder / "media")
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        if not args.reuse:
            generate(max(args.rows), args.seed)
        results = []
        for rows in sorted(args.rows):
            query = query_for(rows)
            count = row_count(query)
            for extension in FORMATS:
                print(f"/metas.{extension}?{query} ({count:,} rows)…", flush=True)
                result = run_child(f"/metas.{extension}?{query}", database_url, folder)
                if result["status"] != 200:
                    raise SystemExit(f"HTTP {result['status']}")
                results.append((extension, count, result))
        print()
        ok = report(results)
        print("All targets met." if ok else "Some targets NOT met.")
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"Kept {folder}")
        else:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
