"""How fast, and in how little memory, hostile uploads are refused.

    .venv/bin/python bench/hostile.py

Builds each hostile file of metas/tests/test_importer_bounds.py (the same factories,
metas/tests/hostile_files.py), then times read_report refusing it, with the growth of the
process's resident size while it does, and in a second run the peak of Python allocations
(tracemalloc).
Target: each refused in under 1 s and 300 MB. Exits non-zero when one is missed or accepted.
"""
from __future__ import annotations

import gc
import sys
import time
import tracemalloc

import inprocess

TIME_TARGET, MEMORY_TARGET_MB = 1.0, 300


def set_up_django() -> None:
    inprocess.set_up_django()


def cases():
    from metas.tests import hostile_files as hostile

    mb = hostile.MB
    many_rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
        for n in range(1, 2_000_001)
    )
    repeated = (b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
                b'office:value-type="string"><text:p>x</text:p></table:table-cell>'
                b"</table:table-row>")
    goals = "\n".join(f"1\tAlcaldía\tMeta {n}\tPorcentaje\t{n % 100}%" for n in range(622_990))
    header = "No.\tDescripción de la unidad\tObjetivo de la unidad\tIndicador\tMeta cuantificable"
    return [
        ("ZIP, 20 x 49 MB of zeros", "bomba.zip", hostile.zip_of_zeros(20, 49 * mb)),
        ("ZIP, headers lying (80 MB)", "miente.zip", hostile.zip_with_lying_size(80 * mb)),
        ("XLSX, 2,000,000 rows", "filas.xlsx", hostile.xlsx_with_rows(many_rows)),
        ("XLSX, 300,000 shared strings", "textos.xlsx",
         hostile.xlsx_with_shared_strings(300_000)),
        ("ODS, a row repeated 10^6 times", "repetida.ods", hostile.ods_with_rows(repeated)),
        ("CSV, 2,000,000 rows", "filas.csv", b"Unidad;Objetivo\n" + b"a;b\n" * 2_000_000),
        ("TSV, 622,990 goals", "metas.tsv", (header + "\n" + goals).encode()),
        ("PDF, 100 MB stream", "bomba.pdf",
         hostile.pdf_with_stream(hostile.deflated_zeros(100 * mb))),
    ]


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    set_up_django()
    from metas.importer import InputFile, ReportInvalid, read_report

    print(f"{'case':<34}{'size':>9}{'time':>9}{'python MB':>11}{'RSS +MB':>9}  refusal")
    failed = False
    for label, name, data in cases():
        def refuse():
            try:
                read_report([InputFile(name, data)])
            except ReportInvalid as invalid:
                return str(invalid.problems[0])
            return "ACCEPTED"

        gc.collect()
        rss_before = resident_mb()
        start = time.perf_counter()
        message = refuse()
        elapsed = time.perf_counter() - start
        rss = resident_mb() - rss_before
        gc.collect()
        tracemalloc.start()  # a second run: tracing slows the first one down
        refuse()
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
        ok = message != "ACCEPTED" and elapsed < TIME_TARGET and max(peak, rss) < MEMORY_TARGET_MB
        failed |= not ok
        print(f"{label:<34}{len(data) / 1024 / 1024:>7.1f}MB{elapsed:>8.2f}s{peak:>11.1f}"
              f"{rss:>9.0f}  {'ok' if ok else 'MISSED'}: {message[:70]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
