"""The accountability pages (/metodologia/, each report's /cumplimiento/) and the partials the
shared pages include: what a reader sees, in Spanish, with a fixed number of queries."""
from datetime import date

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from metas.accountability.compliance import check_parsed
from metas.filters import public_goals
from metas.importer import import_report, read_report
from metas.models import Goal

from .importer_files import sample_file

pytestmark = pytest.mark.django_db
PAGE = "/reportes/municipio-de-loja/2019-08/cumplimiento/"


@pytest.fixture
def august():
    return import_report([sample_file()]).report


def test_the_methodology_states_the_rules_and_the_rule_file_version(client):
    response = client.get("/metodologia/")
    html = response.content.decode()
    assert response.status_code == 200 and html.count("<h1") == 1
    assert "<title>Metodología: cumplimiento LOTAIP, ritmo y motivos · Transparencia Metas" in html
    assert "hasta el día 10 del mes siguiente" in html
    assert "Resolución 007-DPE-CGAJ" in html
    assert "versión 1 (el archivo reasons-v1.csv)" in html
    assert "«sólo posee estudios»" in html and "«falta de financiamento»" in html
    assert "El mismo porcentaje en al menos 3 reportes seguidos" in html
    assert "<td class=\"num\">58,34\u00a0%</td>" in html  # August: on track from
    assert not response.cookies


def test_the_report_page_shows_its_check_summary_pace_and_reasons(
    client, august, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200 and html.count("<h1") == 1
    assert "Municipio de Loja: rendición de cuentas del reporte de agosto de 2019" in html
    assert ("En agosto de 2019, 31 de 122 metas con porcentaje llegaron al 100\u00a0%; "
            "32 no avanzan por falta de financiamiento.") in html
    assert "Cumplimiento LOTAIP: 5 de 6" in html
    assert "Falta 1 de los siete campos del pie: enlace de verificación (su dirección)." in html
    assert "<th scope=\"row\">Falta de financiamiento</th><td class=\"num\">32</td>" in html
    assert "Actualizado el 31/08/2019." in html
    # Behind schedule: 91 of the 122 goals with a percentage are below 58,34 % in August.
    behind = Goal.objects.filter(report=august, progress__lt=58.34).count()
    assert f"<th scope=\"row\">Atrasada</th><td class=\"num\">{behind}</td>" in html
    assert f"Las primeras 20 de {behind}, en el orden del reporte." in html
    assert "«falta de financiamiento»" in html
    assert "Cumplimiento LOTAIP mes a mes" in html


def test_an_unknown_or_withdrawn_report_has_no_page(client, august):
    assert client.get("/reportes/municipio-de-loja/2019-09/cumplimiento/").status_code == 404
    august.withdrawn_at = timezone.now()
    august.save()
    assert client.get(PAGE).status_code == 404


def test_the_staff_preview_partial_shows_the_check_before_publishing():
    parsed = read_report([sample_file()])
    check = check_parsed(parsed, date(2019, 8, 1), published_on=date(2019, 9, 2))
    html = render_to_string("metas/_lotaip_check.html", {"check": check, "preview": True})
    assert "Cumplimiento LOTAIP: 5,5 de 6" in html  # on time; its link has no address
    assert "(si se publica hoy)" in html
    assert "Actualizado el 31/08/2019 y publicado en este sitio el 02/09/2019" in html
    assert '0,5<span class="visually-hidden">: cumple en parte</span>' in html


def test_a_report_not_yet_checked_says_so():
    html = render_to_string("metas/_lotaip_check.html", {"check": None})
    assert "Este reporte aún no ha sido revisado." in html
    html = render_to_string("metas/_lotaip_score.html", {"check": None})
    assert "Cumplimiento LOTAIP: sin revisar" in html


def test_the_goal_badges_read_pace_and_reason_without_a_query(august, django_assert_num_queries):
    goal = public_goals().get(report=august, source_line=49)
    with django_assert_num_queries(0):
        pace_html = render_to_string("metas/_pace_badge.html", {"goal": goal})
        reason_html = render_to_string("metas/_reason.html", {"goal": goal})
    assert '<span class="status status-warn">Atrasada</span>' in pace_html
    assert "a fines de agosto había transcurrido el 66,7\u00a0% del año" in pace_html
    assert "Falta de financiamiento</span> <span class=\"matched\">«falta de financiamiento»" in (
        reason_html
    )


def test_the_open_data_partial_links_datapackage_archives_and_methodology():
    html = render_to_string("metas/_open_data_accountability.html")
    assert '<a href="/metas.datapackage.json">/metas.datapackage.json</a>' in html
    assert '<a href="/datos/archivos/">archivos por mes</a>' in html
    assert '<a href="/metodologia/">metodología</a>' in html
