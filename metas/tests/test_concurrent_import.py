"""Pages stay whole while an import replaces the goals they show (hardening, item 2).

A replacing import deletes a report's goals and writes new ones. A page that read its goals in
two queries (the page's ids, then their rows) lost the rows deleted in between and answered
500. Each page now reads its rows in one query. Tested with real threads and connections on
SQLite (WAL) and PostgreSQL: once with the import made to land between the page's queries, once
with an import running in a loop while requests run.
"""
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from metas.importer import import_report
from metas.models import Goal

from .importer_files import sample_file

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "/metas/",
    "/metas/?q=vial",
    "/metas/?periodo=todos&orden=avance",
    "/metas/?pagina=2",
    "/parroquias/malacatos/",
    "/parroquias/",
    "/unidades/",
    "/",
]


@pytest.fixture
def august(territory):
    return import_report([sample_file()]).report


def reimport_in_a_thread():
    """Replace August from another thread (its own connection), and wait for it."""
    errors = []

    def run():
        try:
            import_report([sample_file()])
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not errors, errors


def reads_goals(sql: str) -> bool:
    """A query that reads goal rows or ids (a paginator's COUNT(*) alone does not)."""
    sql = sql.lstrip().upper()
    return sql.startswith("SELECT") and not sql.startswith("SELECT COUNT(") and '"METAS_GOAL"' in sql


@pytest.mark.parametrize("path", PAGES)
def test_a_page_read_while_an_import_replaces_its_goals_is_whole(client, august, path):
    replaced = []

    def import_after_the_first_goal_query(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if reads_goals(sql) and not replaced:
            replaced.append(sql)
            reimport_in_a_thread()
        return result

    with connection.execute_wrapper(import_after_the_first_goal_query):
        response = client.get(path)
    assert replaced, "the page read no goal"
    assert response.status_code == 200
    assert Goal.objects.count() == 137  # the import did replace them


def test_pages_answer_while_imports_run_in_a_loop(august):
    stop, failures, imports = threading.Event(), [], []

    def keep_importing():
        try:
            while not stop.is_set():
                import_report([sample_file()])
                imports.append(1)
        except Exception as error:
            failures.append(f"import: {error!r}")
        finally:
            connections.close_all()

    importer = threading.Thread(target=keep_importing)
    importer.start()
    client, requests = Client(), 0
    try:
        while len(imports) < 6 and not failures:
            for path in PAGES:
                response = client.get(path)
                requests += 1
                if response.status_code != 200:
                    failures.append(f"{path}: {response.status_code}")
    finally:
        stop.set()
        importer.join(timeout=120)
    assert failures == []
    assert requests >= len(PAGES)
