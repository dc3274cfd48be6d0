"""The "Cumplimiento LOTAIP" check: each criterion scored 1 / 0.5 / 0 with its reason in
Spanish, computed before publishing (the staff preview's function) and at import (stored with
the report), and its trend across months.

Each criterion has a fixture that flips exactly that one: the sample report made complete (its
verification link given an address) and published on time, then changed in one place.
"""
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from metas.accountability.compliance import Check, check_parsed, deadline_of, trend
from metas.importer import InputFile, import_report, read_report
from metas.models import Report

from .factories import make_institution, make_report
from .importer_files import sample_file, sample_rows, tsv_bytes

AUGUST = date(2019, 8, 1)
ON_TIME = date(2019, 9, 5)  # the deadline is Tuesday 10 September 2019
CRITERIA = ["deadline", "footer", "quantifiable", "not_applicable", "duplicates", "progress"]


def complete_rows():
    """The sample, with the one footer field it lacks (the verification link's address)."""
    rows = [list(row) for row in sample_rows()]
    link = next(row for row in rows if row and row[0].startswith("LINK PARA DESCARGAR"))
    link[4] = "Reporte del GPR https://www.loja.gob.ec/gpr"
    return rows


def row_starting(rows, label):
    return next(row for row in rows if row and row[0].startswith(label))


def checked(rows, period=AUGUST, published_on=ON_TIME) -> Check:
    parsed = read_report([InputFile("loja-2019-08.tsv", tsv_bytes(rows))])
    return check_parsed(parsed, period, published_on=published_on)


def scores(check: Check) -> dict:
    return {result.code: result.score for result in check.results}


def result(check: Check, code: str):
    return next(r for r in check.results if r.code == code)


def only_flipped(check: Check, code: str, score: str):
    expected = {name: Decimal(1) for name in CRITERIA}
    expected[code] = Decimal(score)
    assert scores(check) == expected


def test_the_complete_sample_published_on_time_meets_every_criterion():
    check = checked(complete_rows())
    assert scores(check) == {name: Decimal(1) for name in CRITERIA}
    assert (check.total, check.maximum, check.total_text) == (6, 6, "6")
    assert [r.reason for r in check.results] == [
        "Actualizado el 31/08/2019 y publicado en este sitio el 05/09/2019, dentro del plazo "
        "(10/09/2019).",
        "Los siete campos del pie están llenos.",
        "Las 122 metas tienen indicador y meta cuantificable.",
        "Las 15 metas que no aplican dicen por qué.",
        "Ninguna de las 137 metas se repite.",
        "Ninguna de las 137 metas reporta más de 100\u00a0%.",
    ]
    assert [r.label for r in check.results] == [
        "Publicado dentro del plazo legal",
        "Todos los campos del pie presentes",
        "Cada meta con indicador y meta cuantificable",
        "«No aplica» explicado",
        "Sin metas duplicadas",
        "Ningún avance sobre 100 %",
    ]


# --- One fixture per criterion, each flipping that one only ------------------------------------

def test_published_after_the_deadline_flips_the_deadline_only():
    check = checked(complete_rows(), published_on=date(2019, 9, 11))
    only_flipped(check, "deadline", "0.5")
    assert result(check, "deadline").reason == (
        "Actualizado el 31/08/2019, dentro del plazo (10/09/2019), pero publicado en este sitio "
        "el 11/09/2019, después del plazo."
    )
    assert result(check, "deadline").verdict == "cumple en parte"


def test_an_update_date_outside_the_month_and_a_late_publication_score_zero():
    rows = complete_rows()
    row_starting(rows, "FECHA ACTUALIZACIÓN")[3] = "15/07/2019"
    check = checked(rows, published_on=date(2019, 10, 1))
    only_flipped(check, "deadline", "0")
    assert result(check, "deadline").reason == (
        "Su fecha de actualización (15/07/2019) está fuera del mes reportado y de su plazo "
        "(10/09/2019), y se publicó en este sitio el 01/10/2019, después del plazo."
    )
    assert result(check, "deadline").verdict == "no cumple"


def test_a_deadline_on_a_weekend_moves_to_monday():
    assert deadline_of(date(2019, 7, 1)) == date(2019, 8, 12)  # Saturday 10 August
    assert deadline_of(date(2019, 8, 1)) == date(2019, 9, 10)  # a Tuesday


def test_a_missing_footer_field_flips_the_footer_only():
    rows = complete_rows()
    row_starting(rows, "NÚMERO TELEFÓNICO")[3] = ""
    check = checked(rows)
    only_flipped(check, "footer", "0.5")
    assert result(check, "footer").reason == "Falta 1 de los siete campos del pie: teléfono."


def test_a_goal_without_indicator_flips_the_quantifiable_criterion_only():
    rows = complete_rows()
    rows[12][3] = ""  # line 13: "Manejo de sistemas agroforestales…"
    check = checked(rows)
    only_flipped(check, "quantifiable", "0.5")
    assert result(check, "quantifiable").reason == (
        "A 1 de 122 metas le falta el indicador o una meta cuantificable. "
        "Vea loja-2019-08.tsv, línea 13."
    )


def test_a_target_in_words_without_a_figure_is_not_quantifiable():
    rows = complete_rows()
    for row in rows:
        if len(row) > 4 and row[4] == "100%":  # the 31 goals at 100 %
            row[4] = "Obra concluida"
    check = checked(rows)
    only_flipped(check, "quantifiable", "0")
    assert result(check, "quantifiable").reason.startswith(
        "A 31 de 122 metas les falta el indicador o una meta cuantificable. Las primeras: "
    )
    assert result(check, "quantifiable").reason.endswith(
        "Las primeras: loja-2019-08.tsv, línea 13; loja-2019-08.tsv, línea 14; "
        "loja-2019-08.tsv, línea 15; loja-2019-08.tsv, línea 16; loja-2019-08.tsv, línea 17."
    )


def test_a_no_aplica_without_its_reason_flips_that_criterion_only():
    rows = complete_rows()
    rows[8][3] = rows[8][4] = "NO APLICA"  # line 9, Alcaldía: no explanation anywhere
    check = checked(rows)
    only_flipped(check, "not_applicable", "0.5")
    assert result(check, "not_applicable").reason == (
        "1 de 15 metas que no aplican no dice por qué. Vea loja-2019-08.tsv, línea 9."
    )


def test_a_repeated_goal_flips_the_duplicates_criterion_only():
    rows = complete_rows()
    rows[13][2] = rows[12][2].upper() + "  "  # line 14 repeats line 13 (case, spacing aside)
    check = checked(rows)
    only_flipped(check, "duplicates", "0.5")
    assert result(check, "duplicates").reason == (
        "1 de 137 metas repite otra de su unidad. Vea loja-2019-08.tsv, línea 14."
    )


def test_a_percentage_over_100_in_the_words_of_a_target_flips_the_progress_criterion_only():
    rows = complete_rows()
    rows[14][4] = "Avance del 120 % de lo programado"  # line 15: a target in words
    check = checked(rows)
    only_flipped(check, "progress", "0.5")
    assert result(check, "progress").reason == (
        "1 de 137 metas reporta más de 100\u00a0%. Vea loja-2019-08.tsv, línea 15."
    )


# --- Stored at import, shown from the report ---------------------------------------------------

@pytest.mark.django_db
def test_the_import_stores_the_check_of_the_day_it_published_the_report():
    report = import_report([sample_file()]).report
    report.refresh_from_db()
    check = Check.of_report(report)
    assert check.published_on == timezone.localdate(report.imported_at)
    # The sample's link has no address, and it reaches this site years after its deadline.
    assert scores(check) == {
        "deadline": Decimal("0.5"), "footer": Decimal("0.5"), "quantifiable": 1,
        "not_applicable": 1, "duplicates": 1, "progress": 1,
    }
    assert result(check, "footer").reason == (
        "Falta 1 de los siete campos del pie: enlace de verificación (su dirección)."
    )
    assert check.total_text == "5"
    assert report.compliance["version"] == 1


@pytest.mark.django_db
def test_the_staff_preview_and_the_import_give_the_same_check():
    parsed = read_report([sample_file()])
    report = import_report([sample_file()]).report
    report.refresh_from_db()
    stored = Check.of_report(report)
    preview = check_parsed(parsed, AUGUST, published_on=stored.published_on)
    assert preview.as_stored() == report.compliance


@pytest.mark.django_db
def test_a_report_stored_before_the_check_has_none_until_the_refresh_command(capsys):
    report = make_report(make_institution(), "2019-08")
    assert Check.of_report(report) is None
    call_command("refresh_accountability")
    report.refresh_from_db()
    check = Check.of_report(report)
    assert check is not None and check.maximum == 6
    assert "1 reportes actualizados" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_trend_has_each_published_month_oldest_first():
    import_report([sample_file()], period="2019-08")
    import_report([sample_file()], period="2019-09")
    september = Report.objects.get(period=date(2019, 9, 1))
    september.compliance = {}
    september.save()
    loja = september.institution
    found = trend(loja)
    assert [period for period, _check in found.months] == [date(2019, 8, 1), date(2019, 9, 1)]
    assert [row["text"] for row in found.chart["rows"]] == ["5 de 6", "sin revisar"]
    assert found.chart["title"] == "Cumplimiento LOTAIP en cada reporte"
