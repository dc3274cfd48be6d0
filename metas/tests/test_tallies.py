"""The goal list's facets added up from the tallies written at publication are the facets its
goals give when counted: the same page, byte for byte, for every list the tallies answer, after
an import, a re-import of a month before others, and a withdrawal."""
import re
from collections import Counter

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metas import demo, publication
from metas.importer import InputFile, import_report
from metas.models import (
    PROGRESS_BANDS, Goal, GoalParish, Institution, ProcessLevel, Report, Tally, Unit,
)
from metas.search import search

from .factories import make_goal, make_report
from .importer_files import sample_bytes

pytestmark = pytest.mark.django_db


def page(client, url) -> tuple[str, bool]:
    """The page's HTML, and whether it read tallies."""
    for cache in caches.all():
        cache.clear()  # the page cache's copy too
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, follow=True)  # to the query's one address
    assert response.status_code == 200, url
    return response.content.decode(), any("metas_tally" in q["sql"] for q in queries)


def assert_tallies_agree(client, urls):
    for url in urls:
        tallied, used = page(client, url)
        assert used, f"{url} did not read the tallies"
        stamps = dict(Report.objects.values_list("pk", "tallied_for"))
        Report.objects.update(tallied_for=None)  # as goals written outside the door: counted
        counted, used = page(client, url)
        assert not used
        assert tallied == counted, url
        for pk, stamp in stamps.items():
            Report.objects.filter(pk=pk).update(tallied_for=stamp)


def scoped_urls() -> list[str]:
    cuenca = Institution.objects.get(slug="municipio-de-cuenca")
    level = ProcessLevel.objects.filter(institution=cuenca).order_by("pk").first()
    parent = Unit.objects.filter(institution=cuenca, children__isnull=False).first()
    other_level = ProcessLevel.objects.exclude(institution=cuenca).first()
    return [
        "/metas/",
        "/metas/?periodo=todos",
        "/metas/?periodo=2019-07",
        f"/metas/?institucion={cuenca.slug}",
        f"/metas/?institucion={cuenca.slug}&periodo=todos",
        f"/metas/?institucion={cuenca.slug}&periodo=2019-06&nivel={level.slug}",
        f"/metas/?periodo=todos&nivel={level.slug}",
        f"/metas/?periodo=todos&unidad={parent.slug}",
        f"/metas/?institucion={cuenca.slug}&nivel={other_level.slug}",  # disagree: no goals
        f"/metas/?institucion={cuenca.slug}&periodo=todos&orden=avance",
        *(f"/metas/?periodo=todos&parroquia={slug}" for slug in named_parishes()),
        f"/metas/?institucion={cuenca.slug}&periodo=2019-06&parroquia={named_parishes()[0]}",
        f"/metas/?periodo=todos&nivel={level.slug}&parroquia={named_parishes()[0]}",
    ]


def named_parishes() -> list[str]:
    """Parishes named by goals: the one named most, one named beside another by a goal (when a
    goal names two), and the one named least."""
    tags = GoalParish.objects.filter(via_coverage=False, goal__report__withdrawn_at=None)
    counts = Counter(tags.values_list("parish__slug", flat=True)).most_common()
    goals = Counter(tags.values_list("goal_id", flat=True))
    shared = [goal for goal, count in goals.items() if count > 1][:1]
    beside = list(tags.filter(goal__in=shared).values_list("parish__slug", flat=True)[:1])
    return [counts[0][0], *beside, counts[-1][0]]


def test_tallied_facets_are_the_counted_ones(client, territory):
    demo.generate(institutions=2, months=3, seed=7)
    two_parishes = sample_bytes().replace("cacao (Malacatos)".encode(),
                                          "cacao (Malacatos y Vilcabamba)".encode())
    import_report([InputFile("loja-lotaip-a4-2019-08.tsv", two_parishes)], period="2019-07")
    assert Tally.objects.filter(parish__isnull=False).exists()
    assert len(set(named_parishes())) == 3  # a goal names two parishes
    assert_tallies_agree(client, scoped_urls())


def test_other_filters_count_their_goals(client, territory):
    demo.generate(institutions=1, months=2, seed=7)
    for url in ("/metas/?q=agua&periodo=todos", "/metas/?avance=0-24",
                "/metas/?parroquia=vilcabamba&periodo=todos&colectivas=1",
                "/metas/?avance_min=0"):
        _html, used = page(client, url)
        assert not used, url


def test_an_import_a_reimport_and_a_withdrawal_keep_them_current(client, territory):
    demo.generate(institutions=2, months=3, seed=7)
    loja = [InputFile("loja-lotaip-a4-2019-08.tsv", sample_bytes())]
    import_report(loja, period="2019-06")
    import_report(loja, period="2019-08")  # as June: stalled for three months
    moved = re.sub(rb"\t(\d{1,2})%", lambda m: b"\t%d%%" % (int(m[1]) + 1), sample_bytes())
    # July moved: August no longer stalled, though only July was imported.
    import_report([InputFile("loja-lotaip-a4-2019-08.tsv", moved)], period="2019-07")
    urls = ["/metas/?institucion=municipio-de-loja&periodo=todos",
            "/metas/?institucion=municipio-de-loja&periodo=2019-08", *scoped_urls()]
    assert_tallies_agree(client, urls)
    report = Report.objects.get(institution__slug="municipio-de-loja", period="2019-08-01")
    publication.withdraw(report, user=None, reason="Error de carga")
    assert_tallies_agree(client, urls[:1] + ["/metas/"])


def test_goals_written_outside_the_door_are_counted(client, territory):
    report = make_report()  # as the tests' factories write them: no door, no tallies
    make_goal(report, objective="Una meta escrita a mano", progress=10)
    html, used = page(client, "/metas/?periodo=todos")
    assert not used
    assert "1 meta" in html and "Una meta escrita a mano" in html


def test_a_search_counts_each_facet_value_among_its_matches(client, territory):
    demo.generate(institutions=2, months=2, seed=7)
    html, used = page(client, "/metas/?q=agua&periodo=todos")
    assert not used
    matches = search(Goal.objects.published(), "agua")
    for band in PROGRESS_BANDS:
        expected = matches.filter(band.condition).count()
        shown = re.search(rf'avance={re.escape(band.slug)}[^"]*"[^>]*><span class="facet-label">'
                          rf'[^<]*</span> <span class="facet-count">(\d+)</span>', html)
        assert (int(shown[1]) if shown else 0) == expected, band.slug
    assert matches.count() > 20  # enough goals for the counts to mean something
