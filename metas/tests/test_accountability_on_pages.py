"""The accountability features where readers meet them: the goal page (pace, reason, "Citar",
"¿Ve un error?"), goal rows, the report page, the overview, /instituciones/, unit and parish
pages and the staff preview."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Count, Q

from metas.importer import import_report
from metas.models import Goal, Report

from .factories import make_goal, make_institution, make_report
from .importer_files import sample_file

pytestmark = pytest.mark.django_db

SUMMARY = ("En agosto de 2019, 31 de 122 metas con porcentaje llegaron al 100\u00a0%; "
           "32 no avanzan por falta de financiamiento.")


@pytest.fixture
def august(publishing):
    # The publication's follow-ups (month archive, downloads) run when the import commits.
    with publishing():
        return import_report([sample_file()]).report


def main_text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main"):html.index("</main>")].replace("<wbr>", "")
    # Collapses ASCII white space only: the non-breaking space before "%" is what readers see.
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", main)).replace(" .", ".")


def a_goal(august, **lookups) -> Goal:
    return Goal.objects.filter(report=august, **lookups).order_by("position").first()


def test_a_goal_page_says_its_pace_and_why_it_does_not_progress(client, august):
    goal = a_goal(august, reason=Goal.Reason.NO_FINANCING, progress__lt=50)
    text = main_text(client.get(goal.get_absolute_url()))
    assert "Ritmo Atrasada" in text
    assert "a fines de agosto había transcurrido el 66,7\u00a0% del año" in text
    assert f"Por qué no avanza Falta de financiamiento «{goal.reason_words}»" in text
    assert "Actualizado el 31/08/2019." in text


def test_a_finished_goal_is_achieved_whatever_the_month(client, august):
    goal = a_goal(august, progress=100)
    text = main_text(client.get(goal.get_absolute_url()))
    assert "Ritmo Cumplida" in text
    assert "Por qué no avanza" not in text


def test_a_goal_page_has_a_citation_with_its_permanent_link(client, august):
    goal = a_goal(august, progress__isnull=False)
    text = main_text(client.get(goal.get_absolute_url()))
    permanent = f"http://testserver{goal.get_series_url()}"
    assert "Citar Para citar esta meta, copie este texto:" in text
    assert f"Municipio de Loja. «{goal.objective}»." in text
    assert "reporte de agosto de 2019" in text
    assert f"loja-lotaip-a4-2019-08.tsv, línea {goal.source_line}. En Transparencia Metas: {permanent}" in text
    assert f"Enlace permanente: {permanent}" in text


def test_a_goal_page_offers_to_report_an_error_to_the_person_responsible(client, august):
    goal = a_goal(august)
    html = client.get(goal.get_absolute_url()).content.decode()
    assert "¿Ve un error en estos datos?" in html
    link = re.search(r'href="(mailto:[^"]+)"[^>]*>enviar un correo', html).group(1)
    mailto = urlsplit(link.replace("&amp;", "&"))
    fields = parse_qs(mailto.query)
    assert mailto.path == "vhpucha@loja.gob.ec"
    assert fields["subject"] == ["Posible error en una meta publicada"]
    assert f"http://testserver{goal.get_series_url()}" in fields["body"][0]
    assert goal.objective in fields["body"][0]


@pytest.mark.parametrize("written", ["", "no tiene", "ver en la web"])
def test_without_a_valid_address_it_says_so_instead_of_a_broken_link(client, august, written):
    Report.objects.filter(pk=august.pk).update(email=written)
    text = main_text(client.get(a_goal(august).get_absolute_url()))
    assert "El reporte no indica un correo electrónico válido" in text
    assert "mailto:" not in client.get(a_goal(august).get_absolute_url()).content.decode()


def test_an_address_among_other_words_is_found(client, august):
    Report.objects.filter(pk=august.pk).update(email="Correo: vhpucha@loja.gob.ec / ext. 206")
    html = client.get(a_goal(august).get_absolute_url()).content.decode()
    assert 'href="mailto:vhpucha@loja.gob.ec?subject=' in html
    assert 'href="mailto:vhpucha@loja.gob.ec">vhpucha@loja.gob.ec</a>' in client.get(
        august.get_absolute_url()).content.decode()


def test_goal_rows_show_pace_and_reason(client, august):
    goal = a_goal(august, reason=Goal.Reason.NO_FINANCING, progress__isnull=False)
    text = main_text(client.get("/metas/", {"motivo": "falta-de-financiamiento"}))
    assert "32 metas" in text
    # The note is beside it, so the matched words are not repeated.
    assert f"Por qué no avanza Falta de financiamiento Observación {goal.note}" in text
    assert "Ritmo Atrasada" in text
    # The reason says it; the "lacks financing" flag is not repeated beside it.
    assert "Financiamiento Sin financiamiento" not in text


def test_the_report_page_shows_the_check_summary_and_downloads(client, august):
    response = client.get(august.get_absolute_url())
    text, html = main_text(response), response.content.decode()
    assert SUMMARY in text
    assert "Cumplimiento LOTAIP: 5 de 6" in text
    assert "Falta 1 de los siete campos del pie" in text
    assert 'href="/metas.datapackage.json?institucion=municipio-de-loja&amp;periodo=2019-08"' in html
    assert 'href="/datos/municipio-de-loja/2019-08.zip"' in html
    assert "El mes completo en un ZIP" in text
    assert 'href="/reportes/municipio-de-loja/2019-08/cumplimiento/"' in html
    assert not response.cookies


def test_the_overview_shows_the_summary_trend_and_a_search_box(client, august):
    response = client.get("/municipio-de-loja/")
    text, html = main_text(response), response.content.decode()
    assert SUMMARY in text
    assert "Cumplimiento LOTAIP: 5 de 6 ver cada criterio" in text
    assert "Cumplimiento LOTAIP mes a mes" in text and "Agosto de 2019 5 de 6" in text
    form = re.search(r'<form class="search-form"[^>]*action="/metas/".*?</form>', html, re.S).group(0)
    assert '<input type="hidden" name="institucion" value="municipio-de-loja">' in form
    assert "Buscar en las metas de Municipio de Loja" in form


def test_the_list_of_institutions_has_a_search_box(client, august):
    make_goal(make_report(make_institution("Municipio de Zamora"), "2019-07"), progress=40)
    html = client.get("/").content.decode()
    form = re.search(r'<form class="search-form"[^>]*action="/metas/".*?</form>', html, re.S).group(0)
    assert "Buscar en todas las metas" in form and 'name="institucion"' not in form


def test_the_directory_shows_each_latest_report_s_score(client, august):
    html = client.get("/instituciones/").content.decode()
    assert "<th scope=\"col\">Cumplimiento LOTAIP</th>" in html
    assert '<a href="/reportes/municipio-de-loja/2019-08/cumplimiento/">5 de 6</a>' in html


def test_unit_and_parish_pages_have_their_summary(client, august):
    unit = Goal.objects.filter(report=august, reason=Goal.Reason.NO_FINANCING).first().unit
    figures = Goal.objects.filter(report=august, unit=unit).aggregate(
        with_percent=Count("pk", filter=Q(progress__isnull=False)),
        reached=Count("pk", filter=Q(progress__gte=100)),
    )
    text = main_text(client.get(unit.get_absolute_url()))
    assert f"En agosto de 2019, {figures['reached']} de {figures['with_percent']} meta" in text
    assert "no avanza" in text and "por falta de financiamiento." in text
    text = main_text(client.get("/parroquias/vilcabamba/"))
    assert re.search(r"En agosto de 2019, \d+ de \d+ metas? con porcentaje", text)
