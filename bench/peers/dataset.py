"""Datasette's database, built from the project's own CSV export, so both serve the same rows.

    python bench/peers/dataset.py EXPORT.csv OUT.sqlite3

EXPORT.csv is `/metas.csv?periodo=todos`. The database has a `goals` table (the export's
`id`, then ten of its columns under the English names the shared harness used), indexes on
every column the Datasette pages filter on, and an FTS5 index shaped as `sqlite-utils
enable-fts` makes it, so that Datasette offers `?_search=`: what a publisher using Datasette
would serve. The index covers the five fields the project's search text folds together
(objective, indicator, target, unit, level), with accents and case ignored as the project's
SQLite index ignores them, so that a word selects the same goals on both sides. A
`goal_parishes` table (goal_id, parish) holds the export's `parroquias` (the names of the
parishes each objective names), indexed by parish, for the parish pages. Text values are copied
byte for byte; `avance` becomes a number. The file is written under a temporary name and
renamed at the end.
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
PARISHES = "parroquias"
PARISH_SEPARATOR = "; "  # metas.opendata.exports.LIST_SEPARATOR

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
CREATE VIRTUAL TABLE goals_fts USING fts5 (
    objective, indicator, target_text, unit, level,
    content="goals", content_rowid="id", tokenize="unicode61 remove_diacritics 2"
);
CREATE TABLE goal_parishes (
    goal_id INTEGER NOT NULL REFERENCES goals (id),
    parish TEXT NOT NULL
);
"""
INDEXES = """
CREATE INDEX idx_goals_institution ON goals (institution);
CREATE INDEX idx_goals_level ON goals (level);
CREATE INDEX idx_goals_unit ON goals (unit);
CREATE INDEX idx_goals_progress_pct ON goals (progress_pct);
CREATE INDEX idx_goals_report_month ON goals (report_month);
CREATE INDEX idx_goal_parishes_parish ON goal_parishes (parish, goal_id);
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
    """(goal row, its parishes' names) for each line of the export."""
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        wanted = [*COLUMNS, PARISHES]
        missing = [name for name in wanted if name not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{csv_path}:1: missing column(s) {', '.join(missing)}")
        for record in reader:
            record[PROGRESS] = number(record[PROGRESS])
            parishes = record[PARISHES].split(PARISH_SEPARATOR) if record[PARISHES] else []
            yield tuple(record[name] for name in COLUMNS), parishes


def build(source, db_path: Path) -> int:
    """Write the database from (goal row, parishes) pairs, e.g. rows(csv_path); returns the
    number of goals."""
    temporary = db_path.with_name(db_path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    insert = (f"INSERT INTO goals ({', '.join(COLUMNS.values())}) "
              f"VALUES ({', '.join('?' * len(COLUMNS))})")
    insert_parish = "INSERT INTO goal_parishes (goal_id, parish) VALUES (?, ?)"
    count = 0
    connection = sqlite3.connect(temporary)
    try:
        connection.executescript(SCHEMA)
        with connection:
            for batch in batches(source):
                connection.executemany(insert, [goal for goal, _ in batch])
                connection.executemany(insert_parish, [
                    (goal[0], parish) for goal, parishes in batch for parish in parishes
                ])
                count += len(batch)
        connection.executescript(INDEXES)
    except BaseException:
        connection.close()
        temporary.unlink(missing_ok=True)
        raise
    connection.close()
    os.replace(temporary, db_path)
    return count


def same(first: Path, second: Path) -> list[str]:
    """What differs between two databases build() wrote: [] when they hold the same rows."""
    queries = {"goals": "SELECT * FROM goals ORDER BY id",
               "goal_parishes": "SELECT goal_id, parish FROM goal_parishes ORDER BY 1, 2"}
    differences = []
    with sqlite3.connect(first) as one, sqlite3.connect(second) as other:
        for table, sql in queries.items():
            mine, theirs = one.execute(sql), other.execute(sql)
            for line, (a, b) in enumerate(zip(iter(mine.fetchone, None),
                                              iter(theirs.fetchone, None)), start=1):
                if a != b:
                    differences.append(f"{table} row {line}: {a!r} != {b!r}")
                    break
            counts = [db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                      for db in (one, other)]
            if counts[0] != counts[1]:
                differences.append(f"{table}: {counts[0]:,} rows != {counts[1]:,}")
    return differences


def batches(items, size: int = BATCH):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", type=Path, help="the project's /metas.csv?periodo=todos")
    parser.add_argument("database", type=Path, help="the SQLite file to write")
    args = parser.parse_args()
    print(f"{build(rows(args.export), args.database):,} goals -> {args.database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
