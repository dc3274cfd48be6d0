"""/metas/: every filter, its chip, invalid values, ordering and pagination."""
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metas.filters import GoalFilter
from metas.models import Goal, GoalParish, Institution, Parish

from .factories import make_goal, make_institution, make_level, make_report, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def loja(db):
    """Loja's August report (seven goals across two levels and three units, Gestión Ambiental
    with two sub-units) and its July report (one goal); Zamora's June report (one goal)."""
    institution = make_institution("Municipio de Loja")
    directive = make_level(institution, "PROCESOS GOBERNANTES / NIVEL DIRECTIVO")
    operative = make_level(institution, "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO")
    mayor = make_unit(institution, "Alcaldía", level=directive, code="1")
    environment = make_unit(institution, "Gestión Ambiental", level=operative, code="6")
    quality = make_unit(name="Gestión de Calidad Ambiental", parent=environment, code="6.1")
    parks = make_unit(name="Gestión de Parques", parent=environment, code="6.2")
    works = make_unit(institution, "Gestión de Obras Públicas", level=operative, code="8")

    july = make_report(institution, "2019-07")
    make_goal(july, quality, objective="Reforestación de microcuencas", progress=50)

    august = make_report(institution, "2019-08")
    make_goal(august, mayor, objective="Cumplir y hacer cumplir la Constitución", progress=None)
    make_goal(august, quality, objective="Educación Ambiental en el cantón Loja", progress=100)
    make_goal(
        august, parks, objective="Mejoramiento de parques en Vilcabamba", progress=45,
        parishes=["vilcabamba"], neighbourhoods=["jdb-belen"],
    )
    make_goal(
        august, works, objective="Pavimentación de vías", progress=10, lacks_financing=True,
        parishes=["malacatos"],
    )
    make_goal(august, works, objective="Construcción de aceras", progress=80)
    make_goal(august, works, objective="Adecuación del mercado", progress=60)
    make_goal(
        august, works, objective="Plan de movilidad", progress=None,
        status=Goal.Status.NOT_AVAILABLE, target="Sin información",
    )

    zamora = make_institution("Municipio de Zamora")
    make_goal(make_report(zamora, "2019-06"), objective="Educación vial en Zamora", progress=30)
    return institution


def follow(client, url, **extra):
    """The list at `url`, after the redirect to its one URL when it is written another way."""
    return client.get(url, follow=True, **extra)


def objectives(response):
    """The objectives listed, in order, as read (a search's <mark>s aside)."""
    found = re.findall(r'<h3><a href="/metas/\d+/">(.*?)</a></h3>', response.content.decode())
    return [re.sub(r"</?mark>", "", objective) for objective in found]


def chips(response):
    """{chip text: removal link}."""
    found = re.findall(
        r'<a class="chip" href="([^"]*)"><span>(.*?)</span>', response.content.decode()
    )
    return {text: href.replace("&amp;", "&") for href, text in found}


def test_it_lists_each_institutions_latest_report_by_default(client, loja):
    response = follow(client, "/metas/")
    assert response.status_code == 200
    listed = objectives(response)
    assert len(listed) == 8
    assert "Reforestación de microcuencas" not in listed
    assert "Educación vial en Zamora" in listed
    assert "8 metas" in response.content.decode()
    assert chips(response) == {}


def test_it_lists_every_period_with_todos(client, loja):
    response = follow(client, "/metas/?periodo=todos")
    assert len(objectives(response)) == 9
    assert chips(response) == {"Periodo: Todos los periodos": "/metas/"}


def test_it_filters_by_period(client, loja):
    response = follow(client, "/metas/?periodo=2019-07")
    assert objectives(response) == ["Reforestación de microcuencas"]
    assert "Periodo: Julio de 2019" in chips(response)


def test_it_filters_by_institution(client, loja):
    response = follow(client, "/metas/?institucion=municipio-de-zamora")
    assert objectives(response) == ["Educación vial en Zamora"]
    assert chips(response) == {"Institución: Municipio de Zamora": "/metas/"}


def test_it_combines_an_institution_with_each_kind_of_period(client, loja):
    quality = loja.units.get(code="6.1")
    assert objectives(follow(client, f"/metas/?unidad={quality.slug}")) == [
        "Educación Ambiental en el cantón Loja"
    ]
    assert objectives(follow(client, f"/metas/?unidad={quality.slug}&periodo=2019-07")) == [
        "Reforestación de microcuencas"
    ]
    assert objectives(follow(client, f"/metas/?unidad={quality.slug}&periodo=todos&orden=periodo")) == [
        "Reforestación de microcuencas",
        "Educación Ambiental en el cantón Loja",
    ]
    empty = follow(client, "/metas/?institucion=municipio-de-zamora&periodo=2019-08")
    assert objectives(empty) == []
    assert "0 metas" in empty.content.decode()
    assert "Ninguna meta cumple estos filtros. Quite alguno para ver más." in empty.content.decode()


def test_it_filters_by_level(client, loja):
    level = loja.levels.get(name="PROCESOS GOBERNANTES / NIVEL DIRECTIVO")
    response = follow(client, f"/metas/?nivel={level.slug}")
    assert objectives(response) == ["Cumplir y hacer cumplir la Constitución"]
    assert "Nivel de proceso: PROCESOS GOBERNANTES / NIVEL DIRECTIVO" in chips(response)


def test_it_selects_the_sub_units_of_a_parent_unit(client, loja):
    parent = loja.units.get(code="6")
    response = follow(client, f"/metas/?unidad={parent.slug}")
    assert objectives(response) == [
        "Educación Ambiental en el cantón Loja",
        "Mejoramiento de parques en Vilcabamba",
    ]
    assert "Unidad: 6 Gestión Ambiental" in chips(response)


def test_it_selects_only_a_sub_unit_itself(client, loja):
    sub_unit = loja.units.get(code="6.2")
    response = follow(client, f"/metas/?unidad={sub_unit.slug}")
    assert objectives(response) == ["Mejoramiento de parques en Vilcabamba"]


@pytest.mark.parametrize(
    "band, expected, chip",
    [
        ("0-24", ["Pavimentación de vías"], "Avance: 0 a 24 %"),
        ("25-49", ["Mejoramiento de parques en Vilcabamba", "Educación vial en Zamora"],
         "Avance: 25 a 49 %"),
        ("50-74", ["Adecuación del mercado"], "Avance: 50 a 74 %"),
        ("75-99", ["Construcción de aceras"], "Avance: 75 a 99 %"),
        ("100", ["Educación Ambiental en el cantón Loja"], "Avance: 100 %"),
        ("no-aplica", ["Cumplir y hacer cumplir la Constitución"], "Avance: No aplica"),
        ("no-disponible", ["Plan de movilidad"], "Avance: Información no disponible"),
    ],
)
def test_it_filters_by_progress_band(client, loja, band, expected, chip):
    response = follow(client, f"/metas/?avance={band}")
    assert sorted(objectives(response)) == sorted(expected)
    assert chip in chips(response)


def test_it_filters_by_a_progress_range(client, loja):
    response = follow(client, "/metas/?avance_min=50&avance_max=90")
    assert objectives(response) == ["Construcción de aceras", "Adecuación del mercado"]
    assert set(chips(response)) == {"Avance desde (%): 50\u00a0%", "Avance hasta (%): 90\u00a0%"}


def test_it_counts_a_zero_minimum_as_a_filter(client, loja):
    response = follow(client, "/metas/?institucion=municipio-de-loja&avance_min=0")
    assert "Cumplir y hacer cumplir la Constitución" not in objectives(response)
    assert "Avance desde (%): 0\u00a0%" in chips(response)


def test_it_filters_by_parish_and_neighbourhood_council(client, loja):
    by_parish = follow(client, "/metas/?parroquia=vilcabamba")
    assert objectives(by_parish) == ["Mejoramiento de parques en Vilcabamba"]
    assert "Parroquia: Vilcabamba" in chips(by_parish)
    by_council = follow(client, "/metas/?jdb=jdb-belen")
    assert objectives(by_council) == ["Mejoramiento de parques en Vilcabamba"]
    assert "Junta de Desarrollo Barrial (JDB): Belén" in chips(by_council)


def test_it_filters_goals_lacking_financing(client, loja):
    response = follow(client, "/metas/?sin_financiamiento=1")
    assert objectives(response) == ["Pavimentación de vías"]
    assert "Solo metas sin financiamiento: sí" in chips(response)


def test_it_searches_ignoring_accents_and_case(client, loja):
    response = follow(client, "/metas/?q=educacion")
    assert sorted(objectives(response)) == [
        "Educación Ambiental en el cantón Loja",
        "Educación vial en Zamora",
    ]
    assert "Buscar: «educacion»" in chips(response)
    assert objectives(follow(client, "/metas/?q=EDUCACIÓN++zamora")) == ["Educación vial en Zamora"]
    assert objectives(follow(client, "/metas/?q=canton loja ambiental")) == [
        "Educación Ambiental en el cantón Loja"
    ]


def test_a_search_finds_the_start_of_words_and_lists_the_best_match_first(client, loja):
    august = loja.reports.get(period__month=8)
    unit = august.goals.first().unit
    best = "Alcantarillado pluvial: alcantarillas y alcantarillado"
    other = (
        "Estudios de factibilidad, diseños definitivos, contratación, fiscalización y "
        "construcción de obras varias del alcantarillado del barrio"
    )
    make_goal(august, unit, objective=best, progress=90)
    make_goal(august, unit, objective=other, progress=10)
    assert objectives(follow(client, "/metas/?q=alcantarill")) == [best, other]
    # An order chosen in the form wins over relevance.
    assert objectives(follow(client, "/metas/?q=alcantarill&orden=avance")) == [other, best]


def test_it_combines_filters_and_each_chip_removes_only_its_own(client, loja):
    response = follow(client, "/metas/?parroquia=vilcabamba&avance=25-49&q=parques&page=1")
    assert objectives(response) == ["Mejoramiento de parques en Vilcabamba"]
    assert chips(response) == {
        # In one order whatever the order they were written in (the filters' declared order).
        "Buscar: «parques»": "/metas/?avance=25-49&parroquia=vilcabamba",
        "Avance: 25 a 49 %": "/metas/?q=parques&parroquia=vilcabamba",
        "Parroquia: Vilcabamba": "/metas/?q=parques&avance=25-49",
    }


def test_it_links_both_exports_with_the_same_filters(client, loja):
    content = follow(client, "/metas/?parroquia=vilcabamba&page=1").content.decode()
    assert 'href="/metas.csv?parroquia=vilcabamba"' in content
    assert 'href="/metas.json?parroquia=vilcabamba"' in content


@pytest.mark.parametrize(
    "query, message",
    [
        ("periodo=2019-13", "Escriba el periodo como AAAA-MM, por ejemplo 2019-08"),
        ("periodo=agosto", "Escriba el periodo como AAAA-MM, por ejemplo 2019-08"),
        ("avance=abc", "«abc» no es un tramo de avance; elija uno de la lista."),
        ("avance_min=150", "Asegúrese de que este valor es menor o igual a 100."),
        ("avance_max=-5", "Asegúrese de que este valor es mayor o igual a 0."),
        ("avance_min=mucho", "Introduzca un número."),
        ("unidad=no-existe", "No existe la unidad «no-existe»."),
        ("parroquia=atlantida", "No existe la parroquia «atlantida»."),
        ("jdb=jdb-ninguna", "No existe la junta de desarrollo barrial «jdb-ninguna»."),
        ("institucion=%3Cscript%3E", "No existe la institución «&lt;script&gt;»."),
        ("orden=objective", "«objective» no es un orden posible; elija uno de la lista."),
    ],
)
def test_it_explains_an_invalid_value_in_spanish(client, loja, query, message):
    response = follow(client, f"/metas/?{query}")
    assert response.status_code == 400
    content = response.content.decode()
    assert "Algunos filtros no son válidos" in content
    assert message in content
    assert objectives(response) == []
    assert "<script>" not in content


WITHOUT_PERCENTAGE = {"Cumplir y hacer cumplir la Constitución", "Plan de movilidad"}


def test_it_orders_by_an_allowed_key(client, loja):
    lowest_first = objectives(follow(client, "/metas/?institucion=municipio-de-loja&orden=avance"))
    assert lowest_first[:3] == [
        "Pavimentación de vías", "Mejoramiento de parques en Vilcabamba", "Adecuación del mercado"
    ]
    # Goals without a percentage come last both ways.
    assert set(lowest_first[-2:]) == WITHOUT_PERCENTAGE
    highest_first = objectives(follow(client, "/metas/?institucion=municipio-de-loja&orden=-avance"))
    assert highest_first[:2] == ["Educación Ambiental en el cantón Loja", "Construcción de aceras"]
    assert set(highest_first[-2:]) == WITHOUT_PERCENTAGE


def test_it_orders_as_published_by_default(client, loja):
    assert objectives(follow(client, "/metas/?institucion=municipio-de-loja")) == [
        "Cumplir y hacer cumplir la Constitución",
        "Educación Ambiental en el cantón Loja",
        "Mejoramiento de parques en Vilcabamba",
        "Pavimentación de vías",
        "Construcción de aceras",
        "Adecuación del mercado",
        "Plan de movilidad",
    ]


def add_goals(report, count, objective="Meta numerada"):
    unit = report.goals.first().unit
    start = report.goals.count() + 1
    Goal.objects.bulk_create(
        Goal(report=report, unit=unit, position=start + i, source_line=start + i,
             objective=f"{objective} {i}", search_text=f"{objective.lower()} {i}",
             progress=Decimal(i % 101), status=Goal.Status.PERCENT)
        for i in range(count)
    )
    Institution.objects.filter(pk=report.institution_id).mark_published()  # as an import does


def test_it_paginates_and_keeps_the_query_in_the_links(client, loja):
    add_goals(loja.reports.get(period__month=8), 120)
    first = follow(client, "/metas/?q=numerada")
    content = first.content.decode()
    assert "120 metas" in content
    assert len(objectives(first)) == 50
    assert 'rel="next" href="/metas/?q=numerada&amp;pagina=2"' in content
    assert 'rel="prev"' not in content
    second = follow(client, "/metas/?q=numerada&page=2").content.decode()
    assert 'rel="prev" href="/metas/?q=numerada"' in second
    assert 'rel="next" href="/metas/?q=numerada&amp;pagina=3"' in second
    assert "Página 2 de 3" in second
    last = follow(client, "/metas/?q=numerada&page=3")
    assert len(objectives(last)) == 20
    assert 'rel="next"' not in last.content.decode()


def test_it_shows_the_last_page_for_a_page_number_too_high(client, loja):
    response = follow(client, "/metas/?page=999")
    assert response.status_code == 200
    assert len(objectives(response)) == 8


@pytest.mark.parametrize(
    "page", ["9223372036854775807", "9223372036854775808", "1" + "0" * 400, "-5", "2.5", "x"]
)
@pytest.mark.parametrize("query", ["", "q=numerada&"])
def test_it_shows_a_real_page_for_any_page_number(client, loja, query, page):
    """Huge numbers reached the database's OFFSET and answered 500 (hardening, item 3)."""
    add_goals(loja.reports.get(period__month=8), 120)
    response = follow(client, f"/metas/?{query}page={page}")
    assert response.status_code == 200
    shown = len(objectives(response))
    huge = page.isdigit() and int(page) > 3
    last_page = 20 if query else 8 + 120 - 100  # the last of 3 pages
    assert shown == (last_page if huge else 50)


def test_it_escapes_imported_text(client, loja):
    make_goal(
        loja.reports.get(period__month=8),
        objective="<script>alert('meta')</script>",
        note="<img src=x onerror=alert(1)>",
    )
    content = follow(client, "/metas/").content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;meta&#x27;)&lt;/script&gt;" in content
    assert "<img src=x" not in content


def test_it_offers_units_only_once_an_institution_is_chosen(client, loja):
    unchosen = follow(client, "/metas/").content.decode()
    assert "Elija antes una institución" in unchosen
    assert "Gestión de Parques" not in unchosen.split('name="unidad"')[1].split("</select>")[0]
    chosen = follow(client, "/metas/?institucion=municipio-de-loja").content.decode()
    units = chosen.split('name="unidad"')[1].split("</select>")[0]
    assert "6.2 Gestión Ambiental - Gestión de Parques" in units
    assert "Todas las unidades" in units


def test_it_gives_the_exports_the_filters_applied(loja):
    unit = loja.units.get(code="6")
    goals = GoalFilter(
        {"unidad": unit.slug, "avance_min": "25", "periodo": "todos", "orden": "avance"}
    )
    assert goals.is_valid()
    assert goals.applied() == {"periodo": "todos", "unidad": unit.slug, "avance_min": "25"}
    assert sorted(goals.qs.values_list("objective", flat=True)) == [
        "Educación Ambiental en el cantón Loja",
        "Mejoramiento de parques en Vilcabamba",
        "Reforestación de microcuencas",
    ]


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "query", ["", "?q=meta", "?institucion=municipio-de-loja&avance=0-24&parroquia=vilcabamba"]
)
def test_it_runs_the_same_queries_whatever_the_number_of_goals(client, loja, query):
    august = loja.reports.get(period__month=8)
    add_goals(august, 5)
    few = queries_for(client, f"/metas/{query}")
    add_goals(august, 115)
    assert queries_for(client, f"/metas/{query}") == few
    assert few <= 18  # with the version (metas.http.caching) and the facets (4 or, for one
    # institution, 6 queries)


def test_it_paginates_a_search_like_any_list(client, loja):
    add_goals(loja.reports.get(period__month=8), 60)
    first = follow(client, "/metas/?q=numerada").content.decode()
    assert "60 metas" in first
    assert 'rel="next" href="/metas/?q=numerada&amp;pagina=2"' in first
    second = follow(client, "/metas/?q=numerada&page=2")
    assert len(objectives(second)) == 10
    assert "Página 2 de 2" in second.content.decode()
    past_the_end = follow(client, "/metas/?q=numerada&page=9")
    assert objectives(past_the_end) == objectives(second)
    assert len(objectives(follow(client, "/metas/?q=numerada&page=abc"))) == 50
    nothing = follow(client, "/metas/?q=inexistente")
    assert "0 metas" in nothing.content.decode()
    assert "Ninguna meta cumple estos filtros" in nothing.content.decode()


def test_a_search_marks_the_words_it_found_and_says_where_it_looks(client, loja):
    page = follow(client, "/metas/?q=EDUCACION+zamo").content.decode()
    assert "<mark>Educación</mark> vial en <mark>Zamora</mark>" in page
    assert "Busca en el objetivo, el indicador, la meta, la unidad y el nivel" in page


def test_a_highlighted_word_is_still_escaped(client, loja):
    august = loja.reports.get(period__month=8)
    make_goal(august, august.goals.first().unit, objective="<b>Agua</b> & potable")
    page = follow(client, "/metas/?q=agua").content.decode()
    assert "&lt;b&gt;<mark>Agua</mark>&lt;/b&gt; &amp; potable" in page


def test_a_query_written_another_way_is_sent_to_its_one_url(client, loja):
    """Empty fields, another order or the English `page` all lead to one URL (one link to
    share, one cached page)."""
    for query in ["q=&nivel=&avance=0-24&page=2&parroquia=", "page=2&avance=0-24&orden=posicion",
                  "avance=0-24&pagina=2&unidad="]:
        response = client.get(f"/metas/?{query}")
        assert (response.status_code, response["Location"]) == (302, "/metas/?avance=0-24&pagina=2")
    assert client.get("/metas/?avance=0-24&pagina=2").status_code == 200
    assert client.get("/metas/?q=&nivel=")["Location"] == "/metas/"


def test_the_parish_filter_takes_the_goals_that_name_it_or_also_those_that_cover_it(client, loja):
    august = loja.reports.get(period__month=8)
    rural = make_goal(august, august.goals.first().unit, objective="Vías de las parroquias rurales")
    GoalParish.objects.create(goal=rural, parish=Parish.objects.get(slug="vilcabamba"),
                              matched_text="parroquias rurales", via_coverage=True)
    named = follow(client, "/metas/?parroquia=vilcabamba")
    assert objectives(named) == ["Mejoramiento de parques en Vilcabamba"]
    assert "Nombra Vilcabamba" in named.content.decode()
    both = follow(client, "/metas/?parroquia=vilcabamba&colectivas=1")
    assert objectives(both) == ["Mejoramiento de parques en Vilcabamba",
                                "Vías de las parroquias rurales"]
    assert "Para todas las parroquias urbanas o rurales, Vilcabamba entre ellas" in (
        both.content.decode())


def test_the_facets_count_the_listed_goals_by_value_and_link_to_them(client, loja):
    page = follow(client, "/metas/?institucion=municipio-de-loja").content.decode()
    found = re.findall(r'<a href="([^"]+)"(?: aria-current="true")?><span class="facet-label">'
                       r'([^<]+)</span> <span class="facet-count">(\d+)</span>', page)
    facets = {label: (url, int(count)) for url, label, count in found}
    assert facets["100 %"] == ("/metas/?institucion=municipio-de-loja&amp;avance=100", 1)
    assert facets["Sin financiamiento"] == (
        "/metas/?institucion=municipio-de-loja&amp;sin_financiamiento=1", 1)
    assert facets["Vilcabamba"][1] == 1 and facets["Malacatos"][1] == 1
    assert facets["Gestión de Obras Públicas"][1] == 4


def test_a_list_of_the_latest_reports_says_which_month_and_offers_it_pinned(client, loja):
    page = follow(client, "/metas/?institucion=municipio-de-loja").content.decode()
    assert "Del último reporte de cada institución: agosto de 2019." in page
    assert 'href="/metas/?institucion=municipio-de-loja&amp;periodo=2019-08"' in page
    pinned = follow(client, "/metas/?institucion=municipio-de-loja&periodo=2019-08")
    assert "Del último reporte" not in pinned.content.decode()


def test_it_filters_by_pace_reason_and_freshness_and_counts_them_as_facets(client, db):
    from metas.importer import import_report

    from .importer_files import sample_file

    import_report([sample_file()])
    page = follow(client, "/metas/?motivo=falta-de-financiamiento")
    assert "32 metas" in page.content.decode()
    assert chips(page) == {"Por qué no avanza: falta de financiamiento": "/metas/"}
    listed = follow(client, "/metas/").content.decode()
    assert re.search(r'href="/metas/\?motivo=falta-de-financiamiento"><span class="facet-label">'
                     r'falta de financiamiento</span> <span class="facet-count">32</span>', listed)
    assert follow(client, "/metas/?ritmo=cumplida").status_code == 200
    assert follow(client, "/metas/?vigencia=sin-cambios").status_code == 200
    assert follow(client, "/metas/?ritmo=rapido").status_code == 400
