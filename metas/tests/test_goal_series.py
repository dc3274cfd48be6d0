"""/<institution>/metas/<series>/: a goal's permanent address, and a month's page pointing to
the newest report."""
import csv
import io
import re

import pytest

from metas.importer import InputFile, import_report
from metas.models import Goal

from .importer_files import sample_rows, tsv_bytes

pytestmark = pytest.mark.django_db
OBJECTIVE = "Mujeres y desarrollo local Taquil"


def import_month(month: int, progress: str):
    rows = [list(row) for row in sample_rows()]
    for row in rows:
        if len(row) > 4 and row[2] == OBJECTIVE:
            row[4] = progress
    return import_report([InputFile(f"loja-{month}.tsv", tsv_bytes(rows))], period=f"2019-{month:02d}")


def test_the_series_page_shows_the_latest_month_and_survives_a_re_import(client):
    import_month(7, "40%")
    import_month(8, "60%")
    july, august = Goal.objects.filter(objective=OBJECTIVE).order_by("report__period")
    url = august.get_series_url()
    assert url == f"/municipio-de-loja/metas/{august.series}/" and july.series == august.series

    page = client.get(url).content.decode()
    assert re.search(r'<span class="value">60(,00)?\u00a0%</span>', page)
    assert "Dirección permanente de esta meta" in page
    assert "Existe un reporte más reciente" not in page

    old_month = client.get(july.get_absolute_url()).content.decode()
    assert "Existe un reporte más reciente" in old_month
    assert f'href="{august.get_absolute_url()}"' in old_month

    import_month(8, "75%")  # August again: new goal rows, the same series
    assert client.get(url).status_code == 200
    assert re.search(r'<span class="value">75(,00)?\u00a0%</span>', client.get(url).content.decode())
    export = client.get("/metas.csv", {"periodo": "todos", "q": "desarrollo local taquil"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert {row["url_serie"] for row in rows} == {f"http://testserver{url}"}


def test_an_unknown_series_is_404(client):
    import_month(8, "60%")
    response = client.get("/municipio-de-loja/metas/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404
    assert client.get("/otra/metas/" + str(Goal.objects.first().series) + "/").status_code == 404


def test_a_goal_address_leads_to_the_goal_that_replaced_it_after_a_re_import(client):
    import_month(7, "40%")
    import_month(8, "60%")
    july, august = Goal.objects.filter(objective=OBJECTIVE).order_by("report__period")
    old_august_address = august.get_absolute_url()

    import_month(8, "75%")  # August again: its goals get new rows and new ids
    new_august = Goal.objects.get(objective=OBJECTIVE, report__period="2019-08-01")
    assert new_august.pk != august.pk
    moved = client.get(old_august_address)
    assert moved.status_code == 301
    assert moved["Location"] == new_august.get_absolute_url()  # the same month, not the latest
    assert "75" in client.get(moved["Location"]).content.decode()
    assert client.get(july.get_absolute_url()).status_code == 200  # July was not re-imported
    never = Goal.objects.order_by("-pk").first().pk + 1000
    assert client.get(f"/metas/{never}/").status_code == 404
