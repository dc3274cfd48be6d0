"""/unidades/ (the unit tree by process level) and /unidades/<slug>/."""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from metas.importer import InputFile, import_report
from metas.models import Goal

from .factories import make_goal, make_institution, make_level, make_report, make_unit

UNITS = reverse("metas:unit-list")


def text_of(response):
    """The page's text without tags and with single spaces, as a reader sees it."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def unit_rows(response) -> dict[str, tuple[int, str, str]]:
    """The unit tables' rows as {"6 Gestión Ambiental": (depth, goals, average)}, in order."""
    html = response.content.decode()
    rows = {}
    for depth, row in re.findall(r'<tr class="depth-(\d)">(.*?)</tr>', html, flags=re.S):
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        rows[cells[0]] = (int(depth), cells[1], cells[2])
    return rows


@pytest.fixture
def loja(db):
    """Loja in August 2019: Alcaldía in the first level; Gestión Ambiental with two sub-units in
    the second (one goal of its own, two and one in its sub-units); a unit without a level (as
    in format B); and an older July report that the default scope leaves out."""
    loja = make_institution("Municipio de Loja")
    governing = make_level(loja, "PROCESOS GOBERNANTES / NIVEL DIRECTIVO", position=1)
    operative = make_level(loja, "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO", position=2)
    august = make_report(loja, "2019-08")
    july = make_report(loja, "2019-07")
    mayor = make_unit(loja, "Alcaldía", level=governing, code="1")
    environment = make_unit(loja, "Gestión Ambiental", level=operative, code="6")
    quality = make_unit(name="Gestión de Calidad Ambiental", parent=environment, code="6.1")
    parks = make_unit(name="Gestión de Parques", parent=environment, code="6.10")
    zoo = make_unit(name="Gestión de Zoológico", parent=environment, code="6.2")
    portal = make_unit(loja, "Dirección de Comunicación")
    make_unit(loja, "Unidad sin metas", level=operative, code="9")
    make_goal(august, mayor, objective="Cumplir la ley", progress=None)
    make_goal(august, environment, objective="Reforestar", progress=40)
    make_goal(august, quality, objective="Abono orgánico", progress=100)
    make_goal(august, quality, objective="Educación ambiental", progress=None,
              status=Goal.Status.NOT_AVAILABLE)
    make_goal(august, parks, objective="Mejorar parques", progress=70)
    make_goal(august, portal, objective="Boletines", progress=10)
    make_goal(july, zoo, objective="Zoológico en julio", progress=5)
    return loja


def test_it_nests_the_units_under_their_parents_by_level_in_report_order(client, loja):
    response = client.get(UNITS)

    assert response.status_code == 200
    [governing, operative, without_level] = response.context["tree"]
    assert governing.name == "PROCESOS GOBERNANTES / NIVEL DIRECTIVO"
    assert [node.unit.name for node in governing.units] == ["Alcaldía"]
    [environment] = operative.units
    # 6.1 before 6.10: codes in natural order; 6.2 has no goal this month and is left out.
    assert [child.unit.code for child in environment.children] == ["6.1", "6.10"]
    assert without_level.name is None
    text = text_of(response)
    # Level names published in capitals are shown in sentence case.
    assert text.index("Procesos gobernantes / Nivel directivo") < text.index(
        "Procesos agregadores de valor / Nivel operativo"
    )
    assert text.index("Procesos agregadores") < text.index("Unidades sin nivel de proceso")
    assert "Unidad sin metas" not in text
    assert "Gestión de Zoológico" not in text
    # The sub-units are rows indented under their parent's.
    rows = list(unit_rows(response).items())
    names = [name for name, _ in rows]
    parent = names.index("6 Gestión Ambiental")
    assert names[parent + 1 : parent + 3] == [
        "6.1 Gestión de Calidad Ambiental",
        "6.10 Gestión de Parques",
    ]
    assert [depth for _, (depth, *_) in rows[parent : parent + 3]] == [0, 1, 1]


def test_it_counts_a_units_goals_with_its_sub_units_and_averages_their_percentages(
    client, loja
):
    rows = unit_rows(client.get(UNITS))

    # Gestión Ambiental: its own 40 %, 100 % and 70 % in sub-units, and one goal without a
    # percentage that is counted but not averaged: (40 + 100 + 70) / 3 = 70.
    assert rows["6 Gestión Ambiental"] == (0, "4", "70 %")
    assert rows["6.1 Gestión de Calidad Ambiental"] == (1, "2", "100 %")
    assert rows["1 Alcaldía"] == (0, "1", "sin porcentaje")
    assert rows["Dirección de Comunicación"] == (0, "1", "10 %")


def test_it_links_each_count_to_the_goal_list_of_the_unit(client, loja):
    html = client.get(UNITS, {"periodo": "2019-08"}).content.decode()

    environment = loja.units.get(code="6")
    assert f'href="/metas/?unidad={environment.slug}&amp;periodo=2019-08"' in html
    assert f'href="/unidades/{environment.slug}/"' in html


def test_it_counts_the_period_asked_for(client, loja):
    july = client.get(UNITS, {"periodo": "2019-07"})
    every = client.get(UNITS, {"periodo": "todos"})

    assert unit_rows(july)["6.2 Gestión de Zoológico"] == (1, "1", "5 %")
    assert "Alcaldía" not in text_of(july)
    assert "Cifras del reporte de julio de 2019" in text_of(july)
    assert unit_rows(every)["6 Gestión Ambiental"] == (0, "5", "53,8 %")
    assert "Cifras de 2 reportes, de julio de 2019 a agosto de 2019" in text_of(every)


def test_it_asks_which_institution_when_several_have_goals(client, loja):
    catamayo = make_institution("Municipio de Catamayo")
    make_goal(make_report(catamayo, "2019-08"), objective="Agua potable", progress=30)

    response = client.get(UNITS)
    text = text_of(response)

    assert response.context["tree"] == []
    assert "Elija una institución" in text
    assert "Municipio de Catamayo · 1 meta · avance promedio 30 %" in text
    assert "Municipio de Loja · 6 metas · avance promedio 55 %" in text
    assert f'href="/unidades/?institucion={catamayo.slug}"' in response.content.decode()
    assert "Gestión Ambiental" not in text
    chosen = client.get(UNITS, {"institucion": loja.slug})
    assert "Unidades de Municipio de Loja" in text_of(chosen)
    assert unit_rows(chosen)["6 Gestión Ambiental"][1] == "4"


def test_it_answers_invalid_values_with_a_spanish_message(client, loja):
    response = client.get(UNITS, {"periodo": "2019-13", "institucion": "no-existe"})

    assert response.status_code == 400
    text = text_of(response)
    assert "Algunos valores de esta dirección no son válidos" in text
    assert "no-existe" in text
    assert "Gestión Ambiental" not in text


def test_it_escapes_imported_unit_names(client, db):
    loja = make_institution()
    unit = make_unit(loja, "<script>alert(1)</script>", level=make_level(loja), code="1")
    make_goal(make_report(loja), unit)

    html = client.get(UNITS).content.decode()
    detail = client.get(unit.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in html + detail
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail


def test_it_keeps_a_constant_number_of_queries(client, loja, django_assert_max_num_queries):
    with django_assert_max_num_queries(9) as few:  # the publication version (metas.http.caching) + 8
        client.get(UNITS)
    august = loja.reports.get(period__month=8)
    level = loja.levels.get(position=2)
    for number in range(30):
        unit = make_unit(loja, f"Unidad {number}", level=level, code=str(20 + number))
        sub_unit = make_unit(name="Sección", parent=unit, code=f"{20 + number}.1")
        make_goal(august, unit, objective=f"Meta {number}", progress=number)
        make_goal(august, sub_unit, objective=f"Meta {number}.1", progress=None)

    with django_assert_max_num_queries(len(few)):
        response = client.get(UNITS)
    assert "49.1 Sección" in text_of(response)


# --- /unidades/<slug>/ ---------------------------------------------------------------------


def test_it_shows_a_unit_with_its_parent_level_institution_and_latest_goals(client, loja):
    quality = loja.units.get(code="6.1")

    response = client.get(quality.get_absolute_url())

    assert response.status_code == 200
    text = text_of(response)
    assert "6.1 Gestión Ambiental - Gestión de Calidad Ambiental" in text
    assert "Pertenece a 6 Gestión Ambiental" in text
    assert "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO" in text
    assert "Institución Municipio de Loja" in text
    assert "Metas de agosto de 2019" in text
    assert "Abono orgánico" in text and "Educación ambiental" in text
    assert "Reforestar" not in text
    html = response.content.decode()
    assert f'href="/metas/?unidad={quality.slug}&amp;periodo=2019-08"' in html
    assert html.count("<h1") == 1


def test_it_includes_the_sub_units_goals_in_a_parent_unit(client, loja):
    environment = loja.units.get(code="6")

    response = client.get(environment.get_absolute_url())

    text = text_of(response)
    assert (
        "Subunidades 6.1 Gestión de Calidad Ambiental 6.2 Gestión de Zoológico"
        " 6.10 Gestión de Parques"
    ) in text
    for objective in ("Reforestar", "Abono orgánico", "Educación ambiental", "Mejorar parques"):
        assert objective in text
    assert "Zoológico en julio" not in text
    assert "4 metas (con sus subunidades)" in text
    assert "70 % avance promedio" in text


def test_it_shows_the_latest_report_that_has_goals_of_the_unit(client, loja):
    zoo = loja.units.get(code="6.2")

    text = text_of(client.get(zoo.get_absolute_url()))

    assert "Metas de julio de 2019" in text
    assert "Zoológico en julio" in text


def test_it_says_when_no_report_has_goals_of_the_unit(client, loja):
    response = client.get(loja.units.get(code="9").get_absolute_url())

    assert "Ningún reporte tiene metas de esta unidad." in text_of(response)


def test_it_answers_an_unknown_unit_with_404(client, loja):
    assert client.get(reverse("metas:unit-detail", args=["no-existe"])).status_code == 404


def test_it_reads_a_unit_with_a_constant_number_of_queries(
    client, loja, django_assert_max_num_queries
):
    environment = loja.units.get(code="6")
    august = loja.reports.get(period__month=8)
    with django_assert_max_num_queries(8) as few:
        client.get(environment.get_absolute_url())
    for number in range(30):
        sub_unit = make_unit(name=f"Sección {number}", parent=environment, code=f"6.{30 + number}")
        make_goal(august, sub_unit, objective=f"Meta {number}", progress=50, parishes=["sucre"])

    with django_assert_max_num_queries(len(few)):
        response = client.get(environment.get_absolute_url())
    assert "Meta 29" in text_of(response)


def test_it_sets_no_cookie(client, loja):
    for url in (UNITS, loja.units.get(code="6").get_absolute_url()):
        response = client.get(url)
        assert not response.cookies, url


def test_it_draws_the_tree_of_the_imported_sample_report(client, db):
    sample = Path(settings.BASE_DIR) / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
    import_report([InputFile(sample.name, sample.read_bytes())])

    response = client.get(UNITS)

    tree = response.context["tree"]
    assert [group.name for group in tree] == [
        "PROCESOS GOBERNANTES / NIVEL DIRECTIVO",
        "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO",
        "NIVEL DE APOYO / ASESORÍA",
        "NIVEL DE GESTIÓN INSTITUCIONAL",
        "PROCESOS DESCONCENTRADOS",
    ]
    assert sum(node.total.goals for group in tree for node in group.units) == 137
    planning = next(node for node in tree[2].units if node.unit.code == "16")
    codes = [child.unit.code for child in planning.children]
    assert codes == ["16.1", "16.2", "16.3", "16.5", "16.6"]
    assert unit_rows(response)["16.6 Promoción Popular"][1] == "28"


def names_in(response, depth=0):
    return [name for name, (row_depth, *_) in unit_rows(response).items() if row_depth == depth]


@pytest.mark.parametrize(
    "orden, top_units, sub_units",
    [
        # The report's order (codes) without `orden`, and for a value it does not know.
        ("", ["6 Gestión Ambiental", "Dirección de Comunicación"], ["6.1", "6.10"]),
        ("cualquiera", ["6 Gestión Ambiental", "Dirección de Comunicación"], ["6.1", "6.10"]),
        ("-", ["6 Gestión Ambiental", "Dirección de Comunicación"], ["6.1", "6.10"]),
        # By name, accents ignored; sub-units sorted among themselves, under their parent.
        ("unidad", ["6 Gestión Ambiental", "Dirección de Comunicación"], ["6.1", "6.10"]),
        ("-unidad", ["6 Gestión Ambiental", "Dirección de Comunicación"], ["6.10", "6.1"]),
        # Goals: 4 and 1; in the sub-units 2 (6.1) and 1 (6.10).
        ("metas", ["6 Gestión Ambiental", "Dirección de Comunicación"], ["6.10", "6.1"]),
        ("-metas", ["6 Gestión Ambiental", "Dirección de Comunicación"], ["6.1", "6.10"]),
        # Average: 70 % and 10 %; in the sub-units 100 % (6.1) and 70 % (6.10).
        ("avance", ["6 Gestión Ambiental", "Dirección de Comunicación"], ["6.10", "6.1"]),
        ("-avance", ["6 Gestión Ambiental", "Dirección de Comunicación"], ["6.1", "6.10"]),
    ],
)
def test_it_sorts_the_units_by_the_column_asked_for(client, loja, orden, top_units, sub_units):
    response = client.get(UNITS, {"orden": orden} if orden else {})

    assert response.status_code == 200
    tops = names_in(response)
    assert [name for name in tops if name in top_units] == top_units
    subs = [name.split()[0] for name in names_in(response, depth=1)]
    assert subs == sub_units


def test_it_sorts_the_units_within_each_level(client, loja):
    operative = make_level(loja, "NIVEL DE APOYO", position=3)
    august = loja.reports.get(period__month=8)
    for name, progress in (("Zeta", 90), ("Alfa", 20), ("Beta", None)):
        make_goal(august, make_unit(loja, name, level=operative), progress=progress)

    by_progress = client.get(UNITS, {"orden": "-avance"})
    by_progress_up = client.get(UNITS, {"orden": "avance"})
    by_name = client.get(UNITS, {"orden": "unidad"})

    support = ["Zeta", "Alfa", "Beta"]
    assert [n for n in names_in(by_progress) if n in support] == ["Zeta", "Alfa", "Beta"]
    # Units without an average come last whichever the direction.
    assert [n for n in names_in(by_progress_up) if n in support] == ["Alfa", "Zeta", "Beta"]
    assert [n for n in names_in(by_name) if n in support] == ["Alfa", "Beta", "Zeta"]


def test_each_column_header_links_its_order_and_says_the_current_one(client, loja):
    html = client.get(UNITS, {"orden": "-avance", "periodo": "2019-08"}).content.decode()

    headers = re.findall(r'<th scope="col"([^>]*)>\s*<a class="sort" href="([^"]+)">', html)
    # One header row per level table, the same three columns in each.
    assert headers[:3] == [
        ("", "/unidades/?periodo=2019-08&amp;orden=unidad"),
        (' class="num"', "/unidades/?periodo=2019-08&amp;orden=-metas"),
        # The current column links the other direction and carries aria-sort.
        (' class="num" aria-sort="descending"', "/unidades/?periodo=2019-08&amp;orden=avance"),
    ]
    assert html.count('aria-sort="') == 3
    ascending = client.get(UNITS, {"orden": "unidad"}).content.decode()
    assert 'aria-sort="ascending"' in ascending
    assert "/unidades/?orden=-unidad" in ascending


def test_it_ignores_an_order_it_does_not_know(client, loja):
    for value in ("avance;drop", "-", "--avance", "x" * 500, "AVANCE"):
        response = client.get(UNITS, {"orden": value})
        assert response.status_code == 200, value
        assert 'aria-sort="' not in response.content.decode(), value
        assert names_in(response)[0] == "1 Alcaldía", value


def test_it_draws_each_units_average_as_a_bar(client, loja):
    html = client.get(UNITS).content.decode()
    row = re.search(
        r'<tr class="depth-0">\s*<th scope="row"><a [^>]*><span class="unit-code">6</span>.*?</tr>',
        html,
        flags=re.S,
    ).group(0)
    assert '<rect class="fill" width="70.0" height="10"/>' in row
    assert '<span class="value">70\xa0%</span>' in row
