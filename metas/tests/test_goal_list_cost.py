"""What a cold /metas/ costs the database: a fixed number of queries, and a search that sorts
its matches as ids alone (the rows of one page are read with their relations afterwards, in
the same statement)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def test_a_search_sorts_ids_alone_and_reads_one_page_of_rows(client, many_matches):
    statement = goal_rows_statement(client, "/metas/?q=agua&periodo=todos")
    outer, _, inner = statement.partition(' IN (SELECT ')
    assert inner, "the page's ids are chosen in a subquery"
    assert "LIMIT" not in outer.upper()
    assert "LIMIT 50" in inner.upper()
    assert " OVER (" not in statement.upper()  # the total is a count, not a window over every row


def test_a_search_page_shows_its_total_and_the_best_matches_first(client, many_matches):
    make_goal(many_matches, objective="Agua, agua y agua", progress=1)
    content = client.get("/metas/?q=agua&periodo=todos").content.decode()
    assert "61 metas" in content
    assert content.index("Agua</mark>, <mark>agua") < content.index("barrio 0<")
    last = client.get("/metas/?q=agua&periodo=todos&pagina=9").content.decode()
    assert "página 2" in last and "barrio 59" in last
