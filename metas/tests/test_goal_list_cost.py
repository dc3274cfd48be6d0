"""What a cold /metas/ costs the database: a fixed number of queries, and a search that sorts
its matches as ids alone, then reads the rows of one page by id, without the full-text index
(joined again, SQLite would read every match a second time)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metas.filters import public_goals
from metas.models import Goal, Report
from metas.views.goals import _searched_rows

from .factories import make_goal, make_institution, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_matches(db):
    report = make_report(make_institution("Municipio de Loja"), "2019-08")
    for number in range(60):
        make_goal(report, objective=f"Agua potable para el barrio {number}", progress=number)
    return report


def goal_rows_statement(client, url) -> str:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    (statement,) = [q["sql"] for q in queries if '"metas_goal"."objective"' in q["sql"]]
    return statement


def test_a_search_ranks_ids_alone_then_reads_one_page_of_rows_by_id(client, many_matches):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/metas/?q=agua&periodo=todos").status_code == 200
    (rows,) = [q["sql"] for q in queries if '"metas_goal"."objective"' in q["sql"]]
    (ranked,) = [q["sql"] for q in queries if "LIMIT 50" in q["sql"].upper()]
    assert '"metas_goal"."objective"' not in ranked, "the matches are sorted as ids alone"
    assert "LIMIT" not in rows.upper()
    assert "metas_goal_fts" not in rows and "search_vector" not in rows
    assert " OVER (" not in ranked.upper()  # the total is a count, not a window over every row


def test_a_page_whose_goal_went_away_between_its_two_queries_is_read_in_one(many_matches):
    """_searched_rows: the ids of a page, one of them no longer public (as when an import
    replaced it between the queries), give the rows of the one-query form, never a page
    with a hole."""
    goals = list(Goal.objects.filter(report=many_matches).order_by("pk")[:3])
    withdrawn = make_goal(make_report(make_institution("Municipio de Catamayo"), "2019-08"))
    Report.objects.filter(pk=withdrawn.report_id).update(withdrawn_at=timezone.now())
    ids = Goal.objects.filter(pk__in=[*[g.pk for g in goals], withdrawn.pk]).order_by("pk")
    rows = public_goals().filter(pk__in=ids.values("pk")).order_by("pk")
    assert [goal.pk for goal in _searched_rows(ids.values_list("pk", flat=True), rows)] == [
        goal.pk for goal in goals
    ]
    whole = Goal.objects.filter(pk__in=[g.pk for g in goals]).order_by("-pk")
    assert [goal.pk for goal in _searched_rows(whole.values_list("pk", flat=True), rows)] == [
        goal.pk for goal in reversed(goals)
    ], "read by id, in the order of the ids"


def test_a_search_page_shows_its_total_and_the_best_matches_first(client, many_matches):
    make_goal(many_matches, objective="Agua, agua y agua", progress=1)
    content = client.get("/metas/?q=agua&periodo=todos").content.decode()
    assert "61 metas" in content
    assert content.index("Agua</mark>, <mark>agua") < content.index("barrio 0<")
    last = client.get("/metas/?q=agua&periodo=todos&pagina=9").content.decode()
    assert "página 2" in last and "barrio 59" in last
