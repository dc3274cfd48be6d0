"""The "Citar" box: a ready sentence (institution, LOTAIP literal, period, unit, source file and
line) and the goal's permanent link, given or by default its page. Line 30 of the sample is
unit 8.1 "Gestión de Obras Públicas - Vialidad Urbana y Rural", "Pavimentación de vías"."""
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from metas.accountability.citation import citation
from metas.filters import public_goals
from metas.importer import import_report
from metas.models import Report

from .factories import make_goal, make_report
from .importer_files import sample_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def paving():
    report = import_report([sample_file()]).report
    return public_goals().select_related("source_file").get(
        report=report, objective="Pavimentación de vías"
    )


def test_the_sentence_names_institution_literal_period_unit_file_and_line(paving):
    url = f"https://metas.example.ec/metas/{paving.pk}/"
    assert citation(paving, url) == (
        "Municipio de Loja. «Pavimentación de vías». Metas y objetivos de las unidades "
        "administrativas (LOTAIP, art. 7, literal a4), reporte de agosto de 2019; unidad 8.1 "
        "Gestión de Obras Públicas - Vialidad Urbana y Rural; loja-lotaip-a4-2019-08.tsv, "
        f"línea 30. En Transparencia Metas: {url}"
    )


def test_a_portal_report_cites_the_new_literal_and_a_spreadsheet_its_row():
    report = make_report(format=Report.Format.PORTAL)
    goal = make_goal(report, objective="Educación vial", source_line=7)
    goal = public_goals().get(pk=goal.pk)
    text = citation(goal, "/metas/1/")
    assert "(LOTAIP, art. 19, numeral 1.3)" in text
    assert "; línea 7. " in text


def test_the_box_gives_the_goal_page_as_permanent_link_unless_told_another(paving):
    request = RequestFactory().get("/metas/")
    html = render_to_string("metas/_cite.html", {"goal": paving}, request=request)
    page = f"http://testserver/metas/{paving.pk}/"
    assert '<h2 id="citar">Citar</h2>' in html
    # Addresses may wrap between their parts on a phone, never inside a word.
    assert f'<a href="{page}">http://testserver/<wbr>metas/<wbr>{paving.pk}/</a>' in html
    html = html.replace("<wbr>", "")
    assert f'Enlace permanente: <a href="{page}">{page}</a>' in html
    assert f"En Transparencia Metas: {page}" in html

    series = "http://testserver/municipio-de-loja/metas/abc/"
    html = render_to_string(
        "metas/_cite.html", {"goal": paving, "cite_url": series}, request=request
    ).replace("<wbr>", "")
    assert f'<a href="{series}">{series}</a>' in html
    assert f"En Transparencia Metas: {series}" in html
