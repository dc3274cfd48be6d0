"""Full-text search over Goal.search_text (metas.search), kept by the database itself
(metas/search/index.py holds the SQL, and every later `migrate` checks it is still whole):

- SQLite: an FTS5 table whose content is metas_goal (external content), kept by triggers in the
  same transaction as every insert, update and delete of a goal;
- PostgreSQL: a Spanish text search configuration that ignores accents (unaccent), a generated
  tsvector column with a GIN index, and a trigram index (pg_trgm) on the text.
"""
from django.db import migrations

from metas.search import index


def create(apps, schema_editor):
    index.ensure(schema_editor.connection)


def remove(apps, schema_editor):
    index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("metas", "0013_institution_territory")]
    operations = [migrations.RunPython(create, remove)]
