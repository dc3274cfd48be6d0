"""The database's full-text index of Goal.search_text (see metas.search), made and kept here.

`ensure(connection)` creates what is missing and leaves the rest: migration 0014 made the index
with it, and every `migrate` runs it again (post_migrate), because SQLite migrations that
rebuild the goals' table (Django copies it into a new one) drop the triggers that keep the
index, which would then silently miss every new goal.
"""
from __future__ import annotations

from contextlib import contextmanager

from django.db import connections

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS metas_goal_fts USING fts5(search_text, "
    "content='metas_goal', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
)
SQLITE_TRIGGERS = {
    "metas_goal_fts_insert": (
        "AFTER INSERT ON metas_goal BEGIN "
        "INSERT INTO metas_goal_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
    "metas_goal_fts_delete": (
        "AFTER DELETE ON metas_goal BEGIN "
        "INSERT INTO metas_goal_fts(metas_goal_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    ),
    "metas_goal_fts_update": (
        "AFTER UPDATE OF search_text ON metas_goal BEGIN "
        "INSERT INTO metas_goal_fts(metas_goal_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO metas_goal_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
}
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'metas_es') THEN "
    "CREATE TEXT SEARCH CONFIGURATION metas_es (COPY = spanish); "
    "ALTER TEXT SEARCH CONFIGURATION metas_es ALTER MAPPING FOR hword, hword_part, word "
    "WITH unaccent, spanish_stem; END IF; END $$",
    "ALTER TABLE metas_goal ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('metas_es'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS metas_goal_search_vector ON metas_goal USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS metas_goal_search_trigram "
    "ON metas_goal USING gin (search_text gin_trgm_ops)",
]


def ensure(connection) -> None:
    """Create the index (and, on SQLite, its triggers) where missing; a SQLite index that lost
    its triggers is rebuilt from the goals."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in POSTGRESQL:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            cursor.execute(SQLITE_TABLE)
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {name for (name,) in cursor.fetchall()}
            missing = [name for name in SQLITE_TRIGGERS if name not in present]
            for name in missing:
                cursor.execute(f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]}")
            if missing:
                cursor.execute("INSERT INTO metas_goal_fts(metas_goal_fts) VALUES ('rebuild')")


def drop(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in ("DROP INDEX IF EXISTS metas_goal_search_trigram",
                              "DROP INDEX IF EXISTS metas_goal_search_vector",
                              "ALTER TABLE metas_goal DROP COLUMN IF EXISTS search_vector"):
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS metas_goal_fts")


def ensure_after_migrate(sender, using, **kwargs) -> None:
    """post_migrate: see the module's docstring."""
    ensure(connections[using])


# PostgreSQL's GIN indexes of the search text, which suspended() drops and ensure() makes again.
POSTGRESQL_GIN_INDEXES = ("metas_goal_search_vector", "metas_goal_search_trigram")


@contextmanager
def suspended(connection):
    """For a bulk load (the demo data), the index is made once at the end instead of row by
    row: on SQLite the triggers index each row, which costs more than the rows' own INSERTs;
    on PostgreSQL each row goes into two GIN indexes, which took about two thirds of writing
    100 × 12 demo goals with COPY and grows with the table, while building them at the end
    takes 9 s at 100 × 12 (90 s of CPU at 1,000 × 12). Searches meanwhile find the same goals,
    by a slower plan. Inside a
    transaction (a test's) PostgreSQL's indexes are kept row by row: it refuses to drop or make
    an index of a table with deferred checks pending."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            for name in POSTGRESQL_GIN_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
    try:
        yield
    finally:
        ensure(connection)  # what was dropped, made again from every goal
