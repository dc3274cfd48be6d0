"""/metas/<id>/: one goal with its unit, territory, report metadata and source line."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metas.models import GoalNeighbourhood, GoalParish, Neighbourhood, Parish

from .factories import make_goal, make_level, make_report, make_source_file, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(db):
    """Parks in Vilcabamba, 45 % done, line 42 of the August matrix."""
    report = make_report(period="2019-08")
    source = make_source_file(report, "loja-lotaip-a4-2019-08.tsv")
    level = make_level(report.institution, "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO")
    parent = make_unit(report.institution, "Gestión Ambiental", level=level, code="6")
    unit = make_unit(name="Gestión de Parques, Jardines y Viveros", parent=parent, code="6.1")
    return make_goal(
        report,
        unit,
        objective="Intervención y mejoramiento de parques en la parroquia Vilcabamba",
        indicator="Porcentaje de avance",
        target="45%",
        progress=45,
        note="Obra en ejecución",
        source_file=source,
        source_line=42,
        parishes=["vilcabamba"],
    )


def page(client, goal):
    response = client.get(f"/metas/{goal.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_goal(client, goal):
    content = page(client, goal)
    assert "<h1>Intervención y mejoramiento de parques en la parroquia Vilcabamba</h1>" in content
    assert "45\u00a0%" in content
    assert "Porcentaje de avance" in content
    assert "Meta, tal como se publicó" in content
    assert "Obra en ejecución" in content


def test_it_shows_the_unit_with_its_parent_and_level(client, goal):
    content = page(client, goal)
    unit = "6.1 Gestión de Parques, Jardines y Viveros"
    assert f'<a href="/unidades/{goal.unit.slug}/">{unit}</a>' in content
    assert f'<a href="/unidades/{goal.unit.parent.slug}/">6 Gestión Ambiental</a>' in content
    assert "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO" in content


def test_it_shows_the_parishes_with_the_words_that_matched(client, goal):
    GoalParish.objects.filter(goal=goal).update(matched_text="parroquia Vilcabamba")
    GoalNeighbourhood.objects.create(
        goal=goal,
        neighbourhood=Neighbourhood.objects.get(slug="jdb-belen"),
        matched_text="JDB Belén",
    )
    content = page(client, goal)
    assert '<a href="/parroquias/vilcabamba/">Vilcabamba</a>' in content
    assert "«parroquia Vilcabamba»" in content
    assert '<a href="/parroquias/jdb-belen/">Belén</a>' in content
    assert "«JDB Belén»" in content


def test_it_says_which_parishes_are_covered_as_all_urban_ones(client, goal):
    GoalParish.objects.create(
        goal=goal, parish=Parish.objects.get(slug="sucre"),
        matched_text="parroquias urbanas", via_coverage=True,
    )
    content = page(client, goal)
    assert '<a href="/parroquias/sucre/">Sucre</a>' in content
    assert "(todas las parroquias urbanas)" in content


def test_it_says_when_no_place_is_named(client):
    content = page(client, make_goal(objective="Regularización ambiental de proyectos"))
    assert (
        "El texto de esta meta no nombra ninguna parroquia ni junta de desarrollo barrial."
        in content
    )


def test_it_shows_the_report_metadata_and_the_source_line(client, goal):
    content = page(client, goal)
    assert '<a href="/municipio-de-loja/">Municipio de Loja</a>' in content
    assert "Agosto de 2019" in content
    assert "28 de agosto de 2019" in content
    assert "DIRECCIÓN DE PLANIFICACIÓN" in content
    assert "Mgs. Econ. Víctor Pucha" in content
    download = f"/reportes/municipio-de-loja/2019-08/archivos/{goal.source_file.pk}/"
    assert f'línea 42 de <a href="{download}">loja-lotaip-a4-2019-08.tsv</a>' in content


def test_it_shows_the_status_of_a_goal_without_percentage(client):
    content = page(client, make_goal(progress=None))
    assert "No aplica" in content


def test_it_answers_404_for_an_unknown_goal(client, db):
    response = client.get("/metas/424242/")
    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()


def test_it_escapes_imported_text_and_links_only_web_addresses(client):
    goal = make_goal(
        objective="<script>alert('x')</script>",
        note="<b>nota</b>",
        verification_link="javascript:alert(1)",
    )
    content = page(client, goal)
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in content
    assert "&lt;b&gt;nota&lt;/b&gt;" in content
    assert 'href="javascript:' not in content


def test_it_links_a_web_verification_link(client):
    content = page(client, make_goal(verification_link="https://www.loja.gob.ec/gpr/6.1"))
    link = "https://www.loja.gob.ec/gpr/6.1"
    assert f'<a href="{link}">{link}</a>' in content


def test_it_runs_the_same_queries_however_many_tags_a_goal_has(client, goal):
    with CaptureQueriesContext(connection) as few:
        page(client, goal)
    for parish in Parish.objects.exclude(slug="vilcabamba")[:10]:
        GoalParish.objects.create(goal=goal, parish=parish, matched_text=parish.name)
    for council in Neighbourhood.objects.all()[:10]:
        GoalNeighbourhood.objects.create(
            goal=goal, neighbourhood=council, matched_text=council.name
        )
    for i in range(120):
        make_goal(goal.report, goal.unit, objective=f"Otra meta {i}")
    with CaptureQueriesContext(connection) as many:
        page(client, goal)
    assert len(many) == len(few) <= 5  # the version (metas.http.caching), the goal, 3 kinds of tag
