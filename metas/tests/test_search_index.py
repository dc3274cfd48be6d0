"""The full-text index stays whole whatever the migrations do (metas/search/index.py)."""
import pytest
from django.db import connection

from metas.models import Goal
from metas.search import index, search

from .factories import make_goal

pytestmark = pytest.mark.django_db


def found(text):
    return sorted(search(Goal.objects.all(), text).values_list("objective", flat=True))


def test_a_new_goal_is_found_at_once(db):
    make_goal(objective="Alcantarillado del barrio Motupe")
    assert found("motupe") == ["Alcantarillado del barrio Motupe"]


def test_an_index_a_migration_lost_is_made_whole_again(db):
    """A SQLite migration that copies the goals' table into a new one drops the triggers that
    keep the index; `migrate` then makes it whole again (index.ensure, on post_migrate)."""
    report = make_goal(objective="Agua potable para Taquil").report
    if connection.vendor == "postgresql":  # the test's transaction holds deferred checks
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    index.drop(connection)
    make_goal(report, objective="Vía a Chantaco")
    index.ensure(connection)
    assert found("taquil") == ["Agua potable para Taquil"]
    assert found("chantaco") == ["Vía a Chantaco"]
    make_goal(report, objective="Puente en Chantaco")  # kept again
    assert found("chantaco") == ["Puente en Chantaco", "Vía a Chantaco"]
    index.ensure(connection)  # and again: nothing changes
    assert found("chantaco") == ["Puente en Chantaco", "Vía a Chantaco"]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_with_the_index_suspended_is_found_afterwards():
    """generate_demo writes with the index suspended (SQLite's triggers, PostgreSQL's GIN
    indexes dropped) and makes it at the end: every goal written meanwhile is found, and the
    index keeps new goals again."""
    report = make_goal(objective="Agua potable para Taquil").report
    with index.suspended(connection):
        make_goal(report, objective="Vía a Chantaco")
    assert found("taquil") == ["Agua potable para Taquil"]
    assert found("chantaco") == ["Vía a Chantaco"]
    make_goal(report, objective="Puente en Chantaco")
    assert found("chantaco") == ["Puente en Chantaco", "Vía a Chantaco"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'metas_goal'")
            assert set(index.POSTGRESQL_GIN_INDEXES) <= {name for (name,) in cursor.fetchall()}
