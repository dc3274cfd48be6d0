"""Every hand-written SQL write, for the importer, history, the facet tallies and the demo data.

Reports hold thousands of goals; the ORM's bulk methods were most of an import's time (see each
function for why). These write many rows in a few statements, on SQLite and PostgreSQL:

    insert_many(Goal, [{"report": 1, "unit": 2, ...}, ...])     # COPY, or batched INSERTs
    update_many(goals, ["series", "change"])                    # one UPDATE, executemany
    delete_goals([report.pk])                                   # goals and what points at them
    refresh_planner_statistics()                                # ANALYZE after a bulk load
"""
from __future__ import annotations

from functools import partial
from itertools import islice

from django.db import connections, models, router

from .models import Goal, GoalCanton, GoalNeighbourhood, GoalParish

# Rows per INSERT: the whole report in a handful of statements, memory kept flat.
INSERT_BATCH = 2000

# Fields whose Python values every database driver takes as they are.
_PLAIN_FIELDS = (
    models.CharField, models.TextField, models.IntegerField, models.BooleanField,
    models.ForeignKey,
)


def connection_for(model):
    """The connection that writes `model`'s table (the default one, unless a router says)."""
    return connections[router.db_for_write(model)]


def insert_many(model, rows: list[dict]) -> None:
    """Writes rows given as {field name: value}, every row with the same fields.

    On PostgreSQL with COPY, one stream per call (psycopg's cursor.copy): an INSERT through
    executemany is one statement per row there, and COPY writes the demo's goals and tags about
    three times faster (bench/README.md). Elsewhere with INSERTs, batches of
    INSERT_BATCH rows. bulk_create would build a model instance per row and, on SQLite, send at
    most 999 values per statement. Decimals and UUIDs go through their field's conversion for
    the database; text, numbers and booleans need none. Triggers, generated columns (the
    search index), constraints and the fields left out behave as with an INSERT.
    """
    if not rows:
        return
    connection = connection_for(model)
    fields = [model._meta.get_field(name) for name in rows[0]]
    converted = [
        (index, field) for index, field in enumerate(fields)
        if not isinstance(field, _PLAIN_FIELDS)
    ]

    def database_values(row: dict) -> list:
        values = list(row.values())
        for index, field in converted:
            if values[index] is not None:
                values[index] = field.get_db_prep_save(values[index], connection)
        return values

    write = _copy if connection.vendor == "postgresql" else _insert
    write(connection, model, fields, map(database_values, rows))


def _columns(connection, model, fields) -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), ", ".join(quote(field.column) for field in fields)


def _insert(connection, model, fields, values) -> None:
    table, columns = _columns(connection, model, fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for batch in iter(lambda: list(islice(values, INSERT_BATCH)), []):
            cursor.executemany(sql, batch)


def _copy(connection, model, fields, values) -> None:
    """COPY ... FROM STDIN in text format, each value adapted by psycopg as for a query, run
    through the connection's execute wrappers (Django's database instrumentation: a wrapper
    sees the COPY statement, the rows as its params and many=True) with Django's errors, like
    any query. Django's cursor has no copy(), so the COPY is not in DEBUG's query log."""
    table, columns = _columns(connection, model, fields)
    with connection.cursor() as cursor:

        def copy_rows(sql, rows, many, context):
            connection.validate_no_broken_transaction()
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)

        execute = copy_rows
        for wrapper in reversed(connection.execute_wrappers):
            execute = partial(wrapper, execute)
        execute(f"COPY {table} ({columns}) FROM STDIN", values, True,
                {"connection": connection, "cursor": cursor})


def update_many(objects: list[models.Model], field_names: list[str]) -> None:
    """UPDATE each object's `field_names` to its values, as one statement run for many rows.

    Django's bulk_update() builds a CASE expression per row and field, which is slow for a
    report of thousands of goals; executemany() of one parametrised UPDATE is not, on SQLite and
    on PostgreSQL (psycopg sends the rows in a pipeline).
    """
    if not objects:
        return
    meta = objects[0]._meta
    connection = connection_for(meta.model)
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in field_names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]
        + [meta.pk.get_db_prep_value(obj.pk, connection)]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# What refers to a goal, handled by delete_goals before its goals go in one statement.
_GOAL_REFERENCES = {
    (GoalParish, "goal"),
    (GoalCanton, "goal"),
    (GoalNeighbourhood, "goal"),
    (Goal, "previous"),
}


def delete_goals(report_ids: list[int]) -> None:
    """The goals of these reports, with their tags, in a few statements: Django's cascade
    would load every goal first to look for rows pointing at them."""
    if not report_ids:
        return
    goals = Goal.objects.filter(report_id__in=report_ids)
    references = {(r.related_model, r.field.name) for r in Goal._meta.related_objects}
    if references != _GOAL_REFERENCES:
        goals.delete()  # a new relation: let Django apply its on_delete
        return
    GoalParish.objects.filter(goal__report_id__in=report_ids).delete()
    GoalCanton.objects.filter(goal__report_id__in=report_ids).delete()
    GoalNeighbourhood.objects.filter(goal__report_id__in=report_ids).delete()
    Goal.objects.filter(previous__report_id__in=report_ids).update(previous=None)  # SET_NULL
    connection = connection_for(Goal)
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(report_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(Goal._meta.db_table)} "
            f"WHERE {quote('report_id')} IN ({placeholders})",
            list(report_ids),
        )


def refresh_planner_statistics() -> None:
    """ANALYZE, so the database plans queries for the data now there (after a bulk load).

    Without statistics SQLite guesses, and after a bulk load it guesses badly: /metas/ with a
    parish, a band and a level started from every month's tags of the parish instead of the
    level's few units. PostgreSQL's autovacuum would get there, later.
    """
    with connection_for(Goal).cursor() as cursor:
        cursor.execute("ANALYZE")
