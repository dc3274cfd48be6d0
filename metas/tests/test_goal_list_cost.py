"""What a cold /metas/ costs the database: a fixed number of queries, and a search that sorts
its matches as ids alone, then reads the rows of one page by id, without the full-text index
(joined again, SQLite would read every match a second time)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metas import demo
from metas.filters import GoalFilter, public_goals
from metas.models import Goal, Institution, Report
from metas.views.goals import _searched_rows, _sorted_whole

from .factories import make_goal, make_institution, make_level, make_report, make_unit

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
    (ranked,) = [q["sql"] for q in queries if re.search(r"LIMIT 50\b", q["sql"].upper())]
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


def test_rows_of_every_kind_cost_no_query_of_their_own(client):
    """The list reads its rows' columns once (filters.list_rows): a row showing financing, a
    reason with its words, a note, a sub-unit, a status instead of a percentage, the search's
    marks, a parish and its report costs no query beyond a plain row's."""
    institution = make_institution("Municipio de Loja")
    report = make_report(institution, "2019-08")
    level = make_level(institution)
    plain = make_goal(report, make_unit(institution, "Obras", level=level),
                      objective="Agua para Vilcabamba", parishes=["vilcabamba"], progress=40)
    Institution.objects.filter(pk=institution.pk).mark_published()
    urls = ["/metas/?q=agua&periodo=todos", "/metas/?periodo=todos&parroquia=vilcabamba",
            "/metas/?institucion=municipio-de-loja"]
    alone = {url: len(queries_of(client, url)) for url in urls}

    parent = make_unit(institution, "Gestión Ambiental", level=level)
    make_goal(report, make_unit(institution, "Viveros", parent=parent),
              objective="Agua de riego en Vilcabamba", parishes=["vilcabamba"], progress=20,
              lacks_financing=True, note="Sólo posee estudios", reason="solo-estudios",
              reason_words="Sólo posee estudios", months_unchanged=4)
    make_goal(report, plain.unit, objective="Agua segura en Vilcabamba",
              parishes=["vilcabamba"], progress=None, status="not_available",
              reason="falta-de-financiamiento", reason_words="falta de financiamiento")
    Institution.objects.filter(pk=institution.pk).mark_published()  # as an import does
    for url in urls:
        page, count = rendered_with_queries(client, url)
        assert count == alone[url], url
        assert "de riego en Vilcabamba" in page and "segura en Vilcabamba" in page
    page = rendered_with_queries(client, "/metas/?q=agua&periodo=todos")[0]
    assert "Sólo posee estudios" in page and "Gestión Ambiental - Viveros" in page
    assert "Municipio de Loja, agosto de 2019" in page and "<mark>Agua</mark> segura" in page


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return queries


def rendered_with_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def listed(content: str) -> list[str]:
    return [re.sub(r"</?mark>", "", found) for found in
            re.findall(r'<h3><a href="/metas/\d+/">(.*?)</a></h3>', content)]


def test_a_broad_search_is_listed_newest_first_without_ranking_or_counting_every_match(
    client, settings, many_matches
):
    """More matches than METAS_BROAD_SEARCH (metas.search.broad): the most recently published
    first, "más de N", no facets; no statement ranks the matches or counts them by facet."""
    settings.METAS_BROAD_SEARCH = 55
    make_goal(make_report(make_institution("Municipio de Alamor"), "2018-01"),
              objective="Agua potable para Alamor")  # the last published, of another month
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/metas/?q=agua&periodo=todos")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Más de 55 metas" in content and "no por relevancia" in content
    assert "<title>Metas: más de 55 resultados" in content
    assert "En estos resultados" not in content, "no facets"
    assert listed(content)[:3] == ["Agua potable para Alamor", "Agua potable para el barrio 59",
                                   "Agua potable para el barrio 58"]
    assert len(listed(content)) == 50 and "Página 1 de 2" in content
    statements = " ".join(query["sql"] for query in queries)
    assert "rank" not in statements.lower() and "FILTER (WHERE" not in statements

    second = client.get("/metas/?q=agua&periodo=todos&pagina=2").content.decode()
    assert listed(second) == [f"Agua potable para el barrio {n}" for n in (10, 9, 8, 7, 6)]
    one_month = client.get("/metas/?q=agua&periodo=2018-01").content.decode()
    assert "1 meta" in one_month and "En estos resultados" in one_month, (
        "the index finds more than the limit, the list holds fewer: ranked and counted")
    by_progress = client.get("/metas/?q=agua&periodo=todos&orden=avance").content.decode()
    assert listed(by_progress)[:2] == ["Agua potable para el barrio 0",
                                       "Agua potable para el barrio 1"], "the reader's order"


def test_a_search_at_the_limit_is_ranked_and_counted(client, settings, many_matches):
    settings.METAS_BROAD_SEARCH = 60
    content = client.get("/metas/?q=agua&periodo=todos").content.decode()
    assert "60 metas" in content and "Más de" not in content
    assert "En estos resultados" in content


PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name, value, message", [
    # 0 would list no goal of any search that finds one.
    ("BROAD_SEARCH", "0", "BROAD_SEARCH must be 1 or more, not 0"),
    ("PG_PARALLEL_WORKERS", "-1", "PG_PARALLEL_WORKERS must be 0 or more, not -1"),
])
def test_a_setting_out_of_its_range_is_refused_at_start(name, value, message):
    environment = {**os.environ, name: value, "DEBUG": "true"}
    checked = subprocess.run([sys.executable, "manage.py", "check"], cwd=PROJECT,
                             env=environment, capture_output=True, text=True, timeout=60)
    assert checked.returncode != 0
    assert message in checked.stderr


def test_the_site_starts_no_parallel_workers_for_its_queries(db):
    """A page's queries read a few hundred rows: on PostgreSQL the site's connections plan them
    without parallel workers (PG_PARALLEL_WORKERS, 0), which cost a parish's page at 1,000
    institutions half its SQL time; SQLite has none to start."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] == "0"
    else:
        assert "options" not in connection.settings_dict["OPTIONS"]


def test_a_short_list_sorted_whole_is_in_the_order_of_a_long_one(territory):
    """On PostgreSQL a list of at most SORTED_WHOLE goals is sorted by an expression of the
    institution's name (views.goals._sorted_whole, so that the database does not walk every
    institution for a page): the same goals in the same order as the list's own ordering, across
    institutions, for every order a list can have."""
    demo.generate(institutions=3, months=2, seed=3, build_downloads=False)
    for query in ("periodo=todos", "periodo=todos&orden=avance", "periodo=todos&orden=-avance",
                  "periodo=todos&orden=unidad", "avance=0-24&periodo=todos"):
        goal_filter = GoalFilter(QueryDict(query))
        assert goal_filter.is_valid(), query
        walked = list(goal_filter.qs.values_list("pk", "report__institution_id"))
        assert len({institution for _pk, institution in walked}) > 1, query
        sorted_whole = list(_sorted_whole(goal_filter.qs).values_list("pk", flat=True))
        assert sorted_whole == [pk for pk, _institution in walked], query
