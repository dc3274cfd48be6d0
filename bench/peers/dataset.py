"""Datasette's database, built from the project's own CSV export, so both serve the same rows.

    python bench/peers/dataset.py EXPORT.csv OUT.sqlite3

EXPORT.csv is `/metas.csv?periodo=todos`. The database has one `goals` table (the export's
`id`, then ten of its columns under the English names the shared harness used), indexes on
every column the Datasette pages filter on, and an FTS5 index on the objective, shaped as
`sqlite-utils enable-fts` makes it, so that Datasette offers `?_search=`: what a publisher using
Datasette would serve. Text values are copied byte for byte; `avance` becomes a number. The
file is written under a temporary name and renamed at the end.
"""
from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import sys
from decimal import Decimal
from pathlib import Path

# The export's column -> Datasette's column.
COLUMNS = {
    "id": "id",
    "institucion": "institution",
    "periodo": "report_month",
    "nivel": "level",
    "codigo_unidad": "unit_code",
    "unidad": "unit",
    "objetivo": "objective",
    "indicador": "indicator",
    "meta_publicada": "target_text",
    "avance": "progress_pct",
    "nota": "note",
}
PROGRESS = "avance"

SCHEMA = """
CREATE TABLE goals (
    id INTEGER PRIMARY KEY,
    institution TEXT NOT NULL,
    report_month TEXT NOT NULL,
    level TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit TEXT NOT NULL,
    objective TEXT NOT NULL,
    indicator TEXT NOT NULL,
    target_text TEXT NOT NULL,
    progress_pct INTEGER,
    note TEXT NOT NULL
);
CREATE VIRTUAL TABLE goals_fts USING fts5 (objective, content="goals", content_rowid="id");
"""
INDEXES = """
CREATE INDEX idx_goals_institution ON goals (institution);
CREATE INDEX idx_goals_level ON goals (level);
CREATE INDEX idx_goals_unit ON goals (unit);
CREATE INDEX idx_goals_progress_pct ON goals (progress_pct);
CREATE INDEX idx_goals_report_month ON goals (report_month);
INSERT INTO goals_fts (goals_fts) VALUES ('rebuild');
ANALYZE;
"""
BATCH = 10_000


def number(text: str) -> int | float | None:
    """'45' -> 45, '33.5' -> 33.5, '' -> None: the export writes plain decimals."""
    if not text:
        return None
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def rows(csv_path: Path):
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{csv_path}:1: missing column(s) {', '.join(missing)}")
        for record in reader:
            record[PROGRESS] = number(record[PROGRESS])
            yield tuple(record[name] for name in COLUMNS)


def build(csv_path: Path, db_path: Path) -> int:
    """Write the database; returns the number of goals."""
    temporary = db_path.with_name(db_path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    insert = (f"INSERT INTO goals ({', '.join(COLUMNS.values())}) "
              f"VALUES ({', '.join('?' * len(COLUMNS))})")
    count = 0
    connection = sqlite3.connect(temporary)
    try:
        connection.executescript(SCHEMA)
        batch = []
        with connection:
            for row in rows(csv_path):
                batch.append(row)
                if len(batch) == BATCH:
                    connection.executemany(insert, batch)
                    count += len(batch)
                    batch.clear()
            connection.executemany(insert, batch)
            count += len(batch)
        connection.executescript(INDEXES)
    except BaseException:
        connection.close()
        temporary.unlink(missing_ok=True)
        raise
    connection.close()
    os.replace(temporary, db_path)
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", type=Path, help="the project's /metas.csv?periodo=todos")
    parser.add_argument("database", type=Path, help="the SQLite file to write")
    args = parser.parse_args()
    print(f"{build(args.export, args.database):,} goals -> {args.database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
