"""What changed between months: the change list and its exports, the goal's history, and the
`estancada` and `cambio` filters of the goal list."""
import csv
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metas.history import link_history
from metas.importer import InputFile, import_report
from metas.models import Goal

from .factories import make_goal, make_institution, make_report, make_unit
from .staff_helpers import (
    ADDED,
    LOJA,
    LOWERED,
    NOW_NOT_APPLICABLE,
    RAISED,
    REMOVED,
    RETYPED_AS,
    import_august,
    make_user,
    september_bytes,
)
from .test_staff_upload import text_of

pytestmark = pytest.mark.django_db

SLUG = "municipio-de-loja"


@pytest.fixture
def september(db):
    """Loja's August sample and the September built from it, both imported."""
    import_august()
    return import_report([InputFile("septiembre.tsv", september_bytes())], institution=LOJA).report


def changes_url(name="report-changes", period="2019-09"):
    return reverse(f"metas:{name}", args=[SLUG, period])


# --- The change list -------------------------------------------------------------------------

def test_it_lists_what_changed_since_the_previous_report(client, september):
    page = client.get(changes_url())
    assert page.status_code == 200
    text = text_of(page)
    assert "Qué cambió en septiembre de 2019" in text
    assert "comparado con su reporte anterior, agosto de 2019" in text
    assert "El avance cambió en 2 metas" in text
    assert re.search(r"Zoológico .* 70 % 85 % subió", text)
    assert re.search(r"fachada del mercado centro comercial Loja 90 % 80 % bajó", text)
    human_resources = "23 Dirección de Recursos Humanos"
    assert f"1 meta nueva Unidad Objetivo Avance {human_resources} {ADDED} 10 %" in text
    assert f"{REMOVED} 70 %" in text
    assert (
        f"1 meta que ahora no aplica Unidad Objetivo Antes {human_resources} "
        f"{NOW_NOT_APPLICABLE} 90 %"
    ) in text
    assert RETYPED_AS not in text  # the same goal as August's, retyped
    added = Goal.objects.get(objective=ADDED)
    assert f'href="{added.get_absolute_url()}"' in page.content.decode()


def test_the_first_report_has_nothing_to_compare(client, db):
    import_august()
    text = text_of(client.get(changes_url(period="2019-08")))
    assert "Es el primer reporte de la institución" in text
    assert "Descargar los cambios" not in text


@pytest.mark.parametrize("period", ["2019-07", "2019-13"])
def test_an_unknown_report_is_not_found(client, september, period):
    assert client.get(changes_url(period=period)).status_code == 404


def test_the_report_page_links_to_its_changes(client, september):
    page = client.get(september.get_absolute_url())
    assert changes_url() in page.content.decode()


def test_the_change_list_reads_the_same_number_of_times_whatever_its_size(
    client, september, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client.get(changes_url())


# --- Exports -------------------------------------------------------------------------------

def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_the_changes_export_as_csv(client, september):
    response = client.get(changes_url("report-changes-csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="cambios-municipio-de-loja-2019-09.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row["cambio"], []).append(row)
    assert sorted(by_kind) == ["baja", "eliminada", "no-aplica", "nueva", "sube"]
    (raised,) = by_kind["sube"]
    assert (raised["objetivo"], raised["avance_anterior"], raised["avance"]) == (RAISED, "70", "85")
    goal = Goal.objects.get(objective=RAISED, report=september)
    assert raised["url"] == f"http://testserver{goal.get_absolute_url()}"
    (gone,) = by_kind["eliminada"]
    assert (gone["objetivo"], gone["avance_anterior"], gone["avance"]) == (REMOVED, "70", "")
    (stopped,) = by_kind["no-aplica"]
    assert (stopped["estado_anterior"], stopped["estado"]) == ("avance reportado", "no aplica")
    assert by_kind["baja"][0]["objetivo"] == LOWERED
    assert by_kind["nueva"][0]["codigo_unidad"] == "23"


def test_the_changes_export_as_json(client, september):
    response = client.get(changes_url("report-changes-json"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(b"".join(response.streaming_content))
    head = (data["institucion"], data["periodo"], data["periodo_anterior"])
    assert head == (LOJA, "2019-09", "2019-08")
    assert data["count"] == len(data["results"]) == 5
    raised = next(row for row in data["results"] if row["cambio"] == "sube")
    assert (raised["avance_anterior"], raised["avance"], raised["objetivo"]) == (70, 85, RAISED)


def test_the_csv_export_neutralises_formulas(client):
    loja = make_institution(LOJA, slug=SLUG)
    unit = make_unit(loja, "Gestión Ambiental", code="6")
    august = make_report(loja, "2019-08")
    make_goal(august, unit, objective="Vivero municipal", progress=10)
    link_history(august)
    september = make_report(loja, "2019-09")
    make_goal(september, unit, objective="Vivero municipal", progress=20)
    make_goal(september, unit, objective='=HYPERLINK("http://evil.example","x")', progress=5)
    link_history(september)

    rows = read_csv(client.get(changes_url("report-changes-csv")))
    objectives = sorted(row["objetivo"] for row in rows)
    assert objectives == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "Vivero municipal"]


# --- A goal's history on its page ------------------------------------------------------------

def test_a_goal_page_shows_its_progress_over_time(client, september):
    goal = Goal.objects.get(objective=RAISED, report=september)
    page = client.get(goal.get_absolute_url())
    text = text_of(page)
    assert "Avance en el tiempo" in text
    assert "Subió desde 70 % en el reporte anterior" in text
    assert "Agosto de 2019 70 % — Septiembre de 2019 (esta página) 85 % subió" in text
    html = page.content.decode()
    assert "<svg" in html and "Avance de esta meta en cada reporte" in html
    assert f'href="{goal.previous.get_absolute_url()}"' in html


def test_a_goal_that_did_not_move_says_since_when(client):
    loja = make_institution(LOJA, slug=SLUG)
    unit = make_unit(loja, "Gestión Ambiental", code="6")
    goals = []
    for period, progress in [("2019-05", 30), ("2019-06", 50), ("2019-07", 50), ("2019-09", 50)]:
        report = make_report(loja, period)
        goals.append(make_goal(report, unit, objective="Vivero municipal", progress=progress))
        link_history(report)
    latest = Goal.objects.get(pk=goals[-1].pk)
    assert latest.months_unchanged == 3
    text = text_of(client.get(latest.get_absolute_url()))
    assert "Sin cambios desde junio de 2019" in text
    assert "Mayo de 2019 30 %" in text
    assert "Septiembre de 2019 (esta página) 50 % sin cambio" in text


def test_a_goal_page_takes_the_same_queries_whatever_its_months(client):
    loja = make_institution(LOJA, slug=SLUG)
    unit = make_unit(loja, "Gestión Ambiental", code="6")
    goals = []
    for month in range(1, 13):
        report = make_report(loja, f"2019-{month:02d}")
        goals.append(make_goal(report, unit, objective="Vivero municipal", progress=month * 5))
        link_history(report)

    with CaptureQueriesContext(connection) as second_month:
        client.get(goals[1].get_absolute_url())
    with CaptureQueriesContext(connection) as twelfth_month:
        twelfth_page = client.get(goals[11].get_absolute_url())
    assert "Diciembre de 2019 (esta página) 60 %" in text_of(twelfth_page)
    assert len(second_month) == len(twelfth_month)


# --- Filters of the goal list ------------------------------------------------------------------

def test_the_goal_list_filters_by_change(client, september):
    page = client.get(reverse("metas:goal-list"), {"cambio": "sube"})
    text = text_of(page)
    assert "1 meta" in text
    assert RAISED in text and LOWERED not in text
    assert "Cambio desde el reporte anterior: subió" in text  # the chip

    page = client.get(reverse("metas:goal-list"), {"cambio": "nueva"})
    assert ADDED in text_of(page)


def test_the_goal_list_filters_goals_without_progress_for_n_months(client):
    loja = make_institution(LOJA, slug=SLUG)
    unit = make_unit(loja, "Gestión Ambiental", code="6")
    series = {"Vivero municipal": [10, 10, 10, 10], "Parque lineal": [10, 20, 20, 20],
              "Zoológico": [10, 20, 30, 30]}
    for month in range(4):
        report = make_report(loja, f"2019-{month + 5:02d}")
        for objective, values in series.items():
            make_goal(report, unit, objective=objective, progress=values[month])
        link_history(report)

    def listed(months):
        page = client.get(reverse("metas:goal-list"), {"estancada": months})
        return [name for name in series if name in text_of(page)], text_of(page)

    # N counts the reports in a row with the same percentage, as "estancada N meses" does.
    assert listed(4)[0] == ["Vivero municipal"]
    assert listed(3)[0] == ["Vivero municipal", "Parque lineal"]
    names, text = listed(2)
    assert names == ["Vivero municipal", "Parque lineal", "Zoológico"]
    assert "Sin avance durante: 2 meses o más" in text


@pytest.mark.parametrize("params", [{"estancada": "1"}, {"estancada": "13"}, {"cambio": "igual"}])
def test_invalid_history_filters_get_a_friendly_message(client, db, params):
    page = client.get(reverse("metas:goal-list"), params)
    assert page.status_code == 400
    text = text_of(page)
    assert "Algunos filtros no son válidos" in text
    value = next(iter(params.values()))
    assert f"«{value}» no es un" in text


# --- Public pages stay cookie-free; staff see their link ------------------------------------

def test_public_pages_set_no_cookie_and_show_no_staff_link(client, september):
    goal = Goal.objects.get(objective=RAISED, report=september)
    urls = [changes_url(), changes_url("report-changes-csv"), changes_url("report-changes-json"),
            goal.get_absolute_url(), reverse("metas:goal-list")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url
        if not response.streaming:
            assert reverse("metas:staff-upload") not in response.content.decode()


def test_signed_in_staff_see_the_staff_link_on_public_pages(client, september):
    client.force_login(make_user("alicia"))
    page = client.get(changes_url())
    assert f'<a href="{reverse("metas:staff-upload")}">Gestión</a>' in page.content.decode()


def test_the_data_page_explains_the_change_exports_and_feeds(client, db):
    text = text_of(client.get(reverse("metas:data-dictionary")))
    assert "Qué cambió de un mes al siguiente" in text
    assert "/metas.atom?parroquia=malacatos" in text
    for name in ("cambio", "avance_anterior", "estado_anterior", "url"):
        assert f"{name} " in text
    assert "Avance en el reporte anterior (%)." in text
