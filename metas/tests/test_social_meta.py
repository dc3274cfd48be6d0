"""Open Graph and Twitter card tags of the pages worth sharing: the page's own title and
description, escaped, and its absolute address."""
import re
from html import unescape

import pytest

from metas.models import GoalParish, Parish

from .factories import make_goal, make_institution, make_report, make_unit

pytestmark = pytest.mark.django_db

HOSTILE = 'Agua "potable" & <script>alert(1)</script> para Vilcabamba'


def social_tags(response) -> dict[str, str]:
    """{"og:title": raw content attribute, ...} of the page's head."""
    head = response.content.decode().split("</head>")[0]
    return dict(re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z_]+)" content="([^"]*)">', head))


@pytest.fixture
def goal():
    loja = make_institution("Municipio de Loja & Asociados")
    report = make_report(loja, "2019-08")
    unit = make_unit(loja, 'Unidad "Agua"')
    return make_goal(report, unit, objective=HOSTILE, progress=40)


def test_the_goal_page_shares_its_escaped_title_description_and_address(client, goal):
    response = client.get(goal.get_absolute_url())
    tags = social_tags(response)

    assert tags["og:type"] == "article"
    assert tags["og:site_name"] == "Transparencia Metas"
    assert tags["twitter:card"] == "summary"
    # Escaped once: the browser reads back exactly the published words, no markup.
    assert tags["og:title"] == (
        "Agua &quot;potable&quot; &amp; &lt;script&gt;alert(1)&lt;/script&gt; para Vilcabamba"
    )
    assert unescape(tags["og:title"]) == HOSTILE
    assert tags["twitter:title"] == tags["og:title"]
    assert unescape(tags["og:description"]) == (
        'Una meta de Unidad "Agua" (Municipio de Loja & Asociados, reporte de agosto de 2019):'
        " su avance, indicador, meta y territorio."
    )
    assert "<script>" not in response.content.decode().split("</head>")[0]
    assert tags["og:url"] == f"http://testserver{goal.get_absolute_url()}"


def test_the_home_page_shares_the_only_institution_at_its_own_address(client, goal):
    tags = social_tags(client.get("/"))

    assert tags["og:type"] == "website"
    assert unescape(tags["og:title"]) == "Municipio de Loja & Asociados: metas y objetivos"
    assert tags["og:url"] == f"http://testserver{goal.report.institution.get_absolute_url()}"
    assert "reporte de agosto de 2019" in tags["og:description"]


def test_the_institution_overview_and_the_list_of_institutions_are_shareable(client, goal):
    overview = social_tags(client.get(goal.report.institution.get_absolute_url()))
    assert overview["og:url"] == f"http://testserver{goal.report.institution.get_absolute_url()}"

    make_report(make_institution("Municipio de Catamayo"), "2019-08")
    home = social_tags(client.get("/"))
    assert home["og:url"] == "http://testserver/"
    assert home["og:title"] == "Metas y objetivos de las unidades municipales"
    assert home["og:description"].startswith("Las metas y objetivos")


def test_the_parish_page_shares_its_name_and_address_with_its_scope(client, goal):
    parish = Parish.objects.get(slug="vilcabamba")
    GoalParish.objects.create(goal=goal, parish=parish, matched_text="Vilcabamba")

    tags = social_tags(client.get(parish.get_absolute_url(), {"periodo": "todos"}))

    assert tags["og:title"] == "Vilcabamba"
    assert "parroquia Vilcabamba" in tags["og:description"]
    assert tags["og:url"] == f"http://testserver{parish.get_absolute_url()}?periodo=todos"


def test_pages_not_meant_for_sharing_carry_no_social_tags(client, goal):
    assert social_tags(client.get("/reportes/")) == {}
