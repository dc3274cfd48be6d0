""""Vigente al" apart from "actualizada el": a month whose goals read exactly as the previous
month's says since when nothing changed and when the institution confirmed it."""
import calendar
import csv
from datetime import date

import pytest

from metas.accountability import freshness
from metas.importer import InputFile, import_report
from metas.models import Goal, Report

from .importer_files import sample_rows, tsv_bytes

pytestmark = pytest.mark.django_db


def publish(period: str, progress: str):
    """The sample for `period` (updated on its last day), its line 13 at `progress`."""
    year, month = map(int, period.split("-"))
    rows = [list(row) for row in sample_rows()]
    rows[12][4] = progress
    footer = next(row for row in rows if row and row[0].startswith("FECHA ACTUALIZACIÓN"))
    footer[3] = f"{calendar.monthrange(year, month)[1]:02d}/{month:02d}/{year}"
    return import_report([InputFile(f"loja-{period}.tsv", tsv_bytes(rows))]).report


def report(period: str) -> Report:
    return Report.objects.get(period=date(*map(int, period.split("-")), 1))


@pytest.fixture
def march_to_june():
    """February differs; March to June publish the same goals again, with new dates."""
    publish("2025-02", "40%")
    for period in ("2025-03", "2025-04", "2025-05", "2025-06"):
        publish(period, "50%")


def test_an_unchanged_month_says_since_when_and_when_it_was_confirmed(march_to_june):
    june = report("2025-06")
    assert june.unchanged_since == date(2025, 3, 1)
    assert freshness.notice(june).text == (
        "Sin cambios desde marzo de 2025; confirmado vigente el 30/06/2025"
    )
    march = report("2025-03")
    assert march.unchanged_since is None
    assert freshness.notice(march).text == "Actualizado el 31/03/2025"


def test_replacing_a_middle_month_restarts_the_run_after_it(march_to_june):
    publish("2025-04", "45%")
    assert [report(p).unchanged_since for p in ("2025-03", "2025-04", "2025-05", "2025-06")] == [
        None, None, None, date(2025, 5, 1)
    ]


def test_a_filter_value_and_export_columns_say_it(client, march_to_june):
    unchanged = Goal.objects.filter(freshness.condition("sin-cambios"))
    assert set(unchanged.values_list("report__period", flat=True)) == {
        date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)
    }
    changed = Goal.objects.filter(freshness.condition("actualizada"))
    assert set(changed.values_list("report__period", flat=True)) == {
        date(2025, 2, 1), date(2025, 3, 1)
    }
    text = b"".join(client.get("/metas.csv?periodo=2025-06").streaming_content).decode()
    header, first = text.lstrip("\ufeff").splitlines()[:2]
    columns = header.split(",")
    values = dict(zip(columns, next(csv.reader([first]))))
    assert (values["vigente_al"], values["sin_cambios_desde"]) == ("2025-06-30", "2025-03")


def test_the_notice_partial_shows_it(march_to_june):
    from django.template.loader import render_to_string

    html = render_to_string("metas/_vigente.html", {"report": report("2025-06")})
    assert "Sin cambios desde marzo de 2025; confirmado vigente el 30/06/2025." in html
    assert 'class="notice"' in html
