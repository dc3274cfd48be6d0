"""Full-text search over Goal.search_text (metas.search), kept by the database itself:

- SQLite: an FTS5 table whose content is metas_goal (external content), kept by triggers in the
  same transaction as every insert, update and delete of a goal;
- PostgreSQL: a Spanish text search configuration that ignores accents (unaccent), a generated
  tsvector column with a GIN index, and a trigram index (pg_trgm) on the text.
"""
from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE metas_goal_fts USING fts5(search_text, content='metas_goal', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER metas_goal_fts_insert AFTER INSERT ON metas_goal BEGIN "
    "INSERT INTO metas_goal_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER metas_goal_fts_delete AFTER DELETE ON metas_goal BEGIN "
    "INSERT INTO metas_goal_fts(metas_goal_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER metas_goal_fts_update AFTER UPDATE OF search_text ON metas_goal BEGIN "
    "INSERT INTO metas_goal_fts(metas_goal_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO metas_goal_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO metas_goal_fts(metas_goal_fts) VALUES ('rebuild')",
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS metas_goal_fts_insert",
    "DROP TRIGGER IF EXISTS metas_goal_fts_delete",
    "DROP TRIGGER IF EXISTS metas_goal_fts_update",
    "DROP TABLE IF EXISTS metas_goal_fts",
]
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'metas_es') THEN "
    "CREATE TEXT SEARCH CONFIGURATION metas_es (COPY = spanish); "
    "ALTER TEXT SEARCH CONFIGURATION metas_es ALTER MAPPING FOR hword, hword_part, word "
    "WITH unaccent, spanish_stem; END IF; END $$",
    "ALTER TABLE metas_goal ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('metas_es'::regconfig, search_text)) STORED",
    "CREATE INDEX metas_goal_search_vector ON metas_goal USING gin (search_vector)",
    "CREATE INDEX metas_goal_search_trigram ON metas_goal USING gin (search_text gin_trgm_ops)",
]
POSTGRESQL_UNDO = [
    "DROP INDEX IF EXISTS metas_goal_search_trigram",
    "DROP INDEX IF EXISTS metas_goal_search_vector",
    "ALTER TABLE metas_goal DROP COLUMN IF EXISTS search_vector",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("metas", "0013_institution_territory")]
    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRESQL_UNDO}),
        ),
    ]
