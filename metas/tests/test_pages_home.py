"""The home page and each institution's overview of its latest report."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metas.models import Goal, Institution

from .factories import (
    make_goal,
    make_institution,
    make_level,
    make_report,
    make_source_file,
    make_unit,
)

pytestmark = pytest.mark.django_db


def loja_report(period="2019-08", institution=None, **fields):
    """Loja's report with two levels: a directive one whose goals do not apply, and an
    operative one with progress 100, 70 and 20, one lacking financing."""
    institution = institution or make_institution("Municipio de Loja")
    report = make_report(institution, period, **fields)
    directive = make_level(institution, "PROCESOS GOBERNANTES / NIVEL DIRECTIVO")
    operative = make_level(institution, "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO")
    mayor = make_unit(institution, "Alcaldía", level=directive, code="1")
    environment = make_unit(institution, "Gestión Ambiental", level=operative, code="6")
    make_goal(report, mayor, objective="Cumplir y hacer cumplir la Constitución", progress=None)
    make_goal(report, environment, objective="Educación Ambiental en el cantón Loja", progress=100)
    make_goal(report, environment, objective="Ampliación del Zoológico", progress=70)
    make_goal(
        report, environment, objective="Pavimentación de vías", progress=20, lacks_financing=True
    )
    return report


def test_it_says_so_when_nothing_is_published_yet(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Todavía no se ha publicado ningún reporte" in response.content.decode()


def test_it_shows_the_only_institution_overview_at_home(client):
    report = loja_report()
    make_source_file(report, "loja-lotaip-a4-2019-08.tsv")
    content = client.get("/").content.decode()
    assert "<h1>Municipio de Loja</h1>" in content
    assert "(LOTAIP, artículo 19, numeral 1.3;" in content
    assert "agosto de 2019" in content
    assert '<span class="figure">4</span>' in content
    # Per level: the directive level has no percentage, the operative one averages 63,3 %.
    # Level names published in capitals, in sentence case in the overview's chart and table.
    assert "Procesos gobernantes / Nivel directivo" in content
    assert "PROCESOS GOBERNANTES" not in content
    assert "63,3\u00a0%" in content
    assert "sin porcentaje" in content
    # The legally required metadata.
    assert "DIRECCIÓN DE PLANIFICACIÓN" in content
    assert "Mgs. Econ. Víctor Pucha" in content
    assert 'href="mailto:vhpucha@loja.gob.ec"' in content
    assert "(593-7) 2570407 EXT 206" in content
    assert '<a href="https://www.loja.gob.ec/gpr">Reporte del GPR</a>' in content
    assert "Mensual" in content
    assert "28 de agosto de 2019" in content
    assert "loja-lotaip-a4-2019-08.tsv" in content
    assert 'rel="canonical"' in content


def test_it_links_each_count_to_the_filtered_list(client):
    loja_report()
    content = client.get("/municipio-de-loja/").content.decode()
    base = "/metas/?institucion=municipio-de-loja&amp;periodo=2019-08"
    assert f'<a href="{base}&amp;avance=no-aplica"><span class="figure">1</span>' in content
    assert f'<a href="{base}&amp;avance=no-disponible"><span class="figure">0</span>' in content
    assert f'<a href="{base}&amp;sin_financiamiento=1"><span class="figure">1</span>' in content


def test_it_draws_the_distribution_with_a_table_equivalent(client):
    loja_report()
    content = client.get("/municipio-de-loja/").content.decode()
    assert 'role="img"' in content
    assert "<title id=\"grafico-avance-title\">Metas por tramo de avance</title>" in content
    assert (
        "0 a 24 %: 1; 25 a 49 %: 0; 50 a 74 %: 1; 75 a 99 %: 0; 100 %: 1; No aplica: 1"
        in content
    )
    assert 'avance=0-24">0 a 24 %</a></th><td class="num">1</td>' in content


def test_it_summarises_the_latest_report_only(client):
    institution = make_institution("Municipio de Loja")
    old = make_report(institution, "2019-07")
    for _ in range(3):
        make_goal(old, progress=10)
    loja_report("2019-08", institution=institution)
    content = client.get("/municipio-de-loja/").content.decode()
    assert '<span class="figure">4</span>' in content
    assert "agosto de 2019" in content


def test_it_lists_the_institutions_when_there_are_several(client):
    loja_report()
    zamora = make_institution("Municipio de Zamora")
    make_goal(make_report(zamora, "2019-06"), progress=50)
    make_goal(make_report(zamora, "2019-07"), progress=40)
    content = client.get("/").content.decode()
    assert '<a href="/municipio-de-loja/">Municipio de Loja</a>' in content
    assert '<a href="/municipio-de-zamora/">Municipio de Zamora</a>' in content
    assert "julio de 2019" in content
    assert "junio de 2019" not in content
    assert "40\u00a0%" in content
    assert "2 instituciones con reportes publicados" in content


def test_it_answers_404_for_an_unknown_institution(client):
    assert client.get("/municipio-de-ninguna-parte/").status_code == 404


def test_it_explains_an_institution_without_reports(client):
    make_institution("Municipio de Catamayo")
    response = client.get("/municipio-de-catamayo/")
    assert response.status_code == 200
    assert "Esta institución todavía no ha publicado ningún reporte" in response.content.decode()


def test_it_shows_a_report_without_goals(client):
    make_report(make_institution("Municipio de Catamayo"), "2019-08")
    content = client.get("/municipio-de-catamayo/").content.decode()
    # A sentence, not a row of zeros and two empty charts.
    assert '<p class="empty-state">El reporte no tiene metas.' in content
    assert '<span class="figure">' not in content
    assert 'id="grafico-niveles' not in content and 'id="grafico-avance' not in content
    # The LOTAIP compliance trend is about the report, not its goals: it stays.
    assert "Cumplimiento LOTAIP mes a mes" in content
    assert "agosto de 2019" in content


def test_it_escapes_published_text_and_links_only_web_addresses(client):
    report = loja_report(
        holder_unit="<script>alert('x')</script>", link_url="javascript:alert(1)", link_text="GPR"
    )
    level = make_level(report.institution, "<b>NIVEL</b>")
    make_goal(report, make_unit(report.institution, "Unidad", level=level))
    content = client.get("/").content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert" in content
    assert "&lt;b&gt;NIVEL&lt;/b&gt;" in content
    assert "javascript:" not in content


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_goals(report, count):
    unit = report.goals.first().unit
    Goal.objects.bulk_create(
        Goal(report=report, unit=unit, position=100 + i, source_line=200 + i,
             objective=f"Meta {i}", progress=Decimal(i % 101), status=Goal.Status.PERCENT)
        for i in range(count)
    )
    Institution.objects.filter(pk=report.institution_id).mark_published()  # as an import does


@pytest.mark.parametrize("url", ["/", "/municipio-de-loja/"])
def test_it_runs_the_same_queries_whatever_the_number_of_goals(client, url):
    report = loja_report()
    few = queries_for(client, url)
    add_goals(report, 120)
    assert queries_for(client, url) == few
    # The figures, levels and bands; the summary sentence; the compliance trend; the files.
    assert few <= 9


def test_it_runs_the_same_queries_for_the_list_of_institutions_whatever_their_size(client):
    loja_report()
    zamora = make_institution("Municipio de Zamora")
    make_goal(make_report(zamora, "2019-07"))
    few = queries_for(client, "/")
    add_goals(zamora.reports.get(), 120)
    for name in ("Municipio de Catamayo", "Municipio de Saraguro"):
        make_goal(make_report(make_institution(name), "2019-08"))
    assert queries_for(client, "/") == few


def test_it_summarises_the_imported_sample_report(client):
    from pathlib import Path

    from django.conf import settings

    from metas.importer import InputFile, import_report

    sample = Path(settings.BASE_DIR) / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
    import_report([InputFile(sample.name, sample.read_bytes())])
    content = client.get("/").content.decode()
    assert '<span class="figure">137</span>' in content
    for level in (
        "Procesos gobernantes / Nivel directivo",
        "Procesos agregadores de valor / Nivel operativo",
        "Nivel de apoyo / Asesoría",
        "Nivel de gestión institucional",
        "Procesos desconcentrados",
    ):
        assert f">{level}</a></th>" in content
    assert "31 de agosto de 2019" in content
    assert "DIRECCIÓN DE PLANIFICACIÓN" in content
    assert 'href="mailto:vhpucha@loja.gob.ec"' in content
    assert "Reporte del GPR" in content
    assert ">loja-lotaip-a4-2019-08.tsv</a>" in content
