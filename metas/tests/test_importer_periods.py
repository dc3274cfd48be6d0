"""A report is about a plausible month: from 2004-01 (LOTAIP) to three months after today.
Impossible update dates, serial dates and periods are refused, saying where or what."""
from datetime import date

import pytest
from django.utils import timezone

from metas import periods
from metas.importer import InputFile, ReportInvalid, import_report

from .importer_files import database_state, sample_file, sample_rows, tsv_bytes, xlsx_bytes
from .staff_helpers import alicia, loja, upload  # noqa: F401 (fixtures)


def with_update_date(text: str) -> list[list[str]]:
    rows = [list(row) for row in sample_rows()]
    rows[214][3] = text  # line 215: "FECHA ACTUALIZACIÓN DE LA INFORMACIÓN:"
    return rows


def window() -> str:
    last = periods.label(periods.last_plausible())
    return f"de enero de 2004 a {last}"


def test_the_window_runs_from_lotaip_to_three_months_ahead():
    today = date(2026, 12, 1)
    assert periods.plausible(date(2004, 1, 1), today)
    assert not periods.plausible(date(2003, 12, 31), today)
    assert periods.plausible(date(2027, 3, 31), today)
    assert not periods.plausible(date(2027, 4, 1), today)
    assert periods.last_plausible(date(2026, 11, 30)) == date(2027, 2, 1)


@pytest.mark.parametrize("text", ["01/01/0001", "31/08/9999", "31/12/2003"])
def test_an_impossible_update_date_is_refused_with_its_line(db, text):
    import_report([sample_file()])
    before = database_state()
    with pytest.raises(ReportInvalid) as refusal:
        import_report([InputFile("fecha.tsv", tsv_bytes(with_update_date(text)))])
    assert [str(problem) for problem in refusal.value.problems] == [
        f"fecha.tsv, línea 215, columna “FECHA ACTUALIZACIÓN DE LA INFORMACIÓN”: La fecha de "
        f"actualización “{text}” está fuera de los meses posibles ({window()}). Corrija la "
        "fecha."
    ]
    assert database_state() == before


def test_a_serial_date_far_in_the_future_is_refused_with_its_sheet_row(db):
    rows = with_update_date("99999")  # 2173-10-14 as a spreadsheet counts days
    with pytest.raises(ReportInvalid) as refusal:
        import_report([InputFile("fecha.xlsx", xlsx_bytes(rows, date_cell=False))])
    assert [str(problem) for problem in refusal.value.problems] == [
        "fecha.xlsx, hoja “Hoja1”, fila 215, columna “FECHA ACTUALIZACIÓN DE LA INFORMACIÓN”: "
        f"La fecha de actualización “99999” está fuera de los meses posibles ({window()}). "
        "Corrija la fecha."
    ]


def test_next_month_is_accepted():
    next_month = periods.shift(timezone.localdate().replace(day=1), 1)
    rows = with_update_date(next_month.strftime("%d/%m/%Y"))
    from metas.importer import read_report

    assert read_report([InputFile("r.tsv", tsv_bytes(rows))]).metadata.updated_on == next_month


@pytest.mark.parametrize("period", ["1999-01", "2199-12"])
def test_a_period_argument_outside_the_window_is_refused(db, period):
    with pytest.raises(ReportInvalid) as refusal:
        import_report([sample_file()], period=period)
    assert [str(problem) for problem in refusal.value.problems] == [
        f"loja-lotaip-a4-2019-08.tsv: El período {period} está fuera de los meses posibles: un "
        f"reporte trata de un mes entre enero de 2004 y {periods.label(periods.last_plausible())}."
    ]


def test_the_upload_form_refuses_a_period_outside_the_window(client, alicia, loja):  # noqa: F811
    client.force_login(alicia)
    response = upload(client, {"reporte.tsv": sample_file().data}, loja, period="2003-12")
    assert response.status_code == 200
    assert "Un reporte trata de un mes entre enero de 2004 y" in response.content.decode()
