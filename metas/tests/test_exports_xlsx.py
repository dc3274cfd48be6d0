"""/metas.xlsx: the goals of any goal-list filters as an Excel workbook, read back with openpyxl
and compared with /metas.csv cell by cell."""
import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from metas.importer import InputFile, import_report
from metas.models import Goal
from metas.opendata.exports import neutralise

from .factories import make_goal, make_institution, make_report, make_unit
from .test_exports import august  # noqa: F401 (a fixture)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert response.streaming, "the workbook is sent from its file, not held in memory"
    return b"".join(response.streaming_content)


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes(response)))


def csv_table(client, params) -> list[list[str]]:
    response = client.get(reverse("metas:goal-export-csv"), params)
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


MONTHS, DAYS = ("periodo", "sin_cambios_desde"), ("vigente_al",)


def as_csv_text(name, value) -> str:
    """A workbook cell as the CSV writes the same value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        assert name in MONTHS + DAYS
        return f"{value:%Y-%m}" if name in MONTHS else f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return str(int(value)) if value == int(value) else str(value)
    if isinstance(value, int):
        return str(value)
    # The CSV's apostrophe is the workbook's quote prefix (test_a_hostile_cell_...).
    return neutralise(value)


def assert_matches_the_csv(client, params):
    sheet = workbook(client.get(reverse("metas:goal-export-xlsx"), params))["Metas"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    table = csv_table(client, params)
    assert rows[0] == table[0]
    assert len(rows) == len(table)
    for row, line in zip(rows[1:], table[1:]):
        assert [as_csv_text(name, value) for name, value in zip(rows[0], row)] == line
    return rows


@pytest.fixture
def sample(db):
    path = Path(settings.BASE_DIR) / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
    return import_report([InputFile(path.name, path.read_bytes())]).report


def test_the_workbook_of_the_sample_matches_the_csv_row_for_row(client, sample):
    rows = assert_matches_the_csv(client, {})

    assert len(rows) == 1 + 137
    header = rows[0]
    first = dict(zip(header, rows[1]))
    # Numbers are numbers, the month and the dates are dates, for sorting and sums in Excel.
    assert isinstance(first["id"], int)
    assert isinstance(first["linea_fuente"], int)
    assert all(isinstance(dict(zip(header, row))["avance"], (int, float, type(None)))
               for row in rows[1:])
    assert first["periodo"] == datetime(2019, 8, 1)
    assert isinstance(first["vigente_al"], datetime)
    assert first["sin_financiamiento"] in ("sí", "no")


def test_a_filtered_workbook_matches_the_filtered_csv(client, august):
    make_goal(make_report(august.institution, "2019-07"), objective="Educación en julio")
    params = {"parroquia": "malacatos", "colectivas": "1", "periodo": "todos"}

    rows = assert_matches_the_csv(client, params)

    assert [row[rows[0].index("objetivo")] for row in rows[1:]] == [
        "Mantenimiento vial en las parroquias rurales"
    ]
    by_progress = assert_matches_the_csv(client, {"avance_min": "20", "orden": "-avance"})
    assert [row[rows[0].index("avance")] for row in by_progress[1:]] == [20.5]


def test_the_header_is_frozen_bold_and_filtered(client, august):
    sheet = workbook(client.get(reverse("metas:goal-export-xlsx")))["Metas"]

    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:AG3"
    assert sheet["A1"].font.b
    # Widths follow the content: the objective gets more room than the id.
    assert sheet.column_dimensions["H"].width > 3 * sheet.column_dimensions["A"].width


def test_the_filters_sheet_says_what_chose_the_rows(client, august):
    params = {"parroquia": "vilcabamba", "avance": "0-24", "periodo": "2019-08",
              "q": "abono", "orden": "avance"}

    book = workbook(client.get(reverse("metas:goal-export-xlsx"), params))

    assert book.sheetnames == ["Metas", "Filtros"]
    about = {row[0]: row[1] for row in book["Filtros"].iter_rows(values_only=True) if row[0]}
    assert about["Periodo"] == "Agosto de 2019"
    assert about["Parroquia"] == "Vilcabamba"
    assert about["Avance"] == "0 a 24 %"
    assert about["Buscar"] == "«abono»"
    assert about["Orden"] == "menor avance primero"
    assert about["Metas en este archivo"] == 1
    assert about["La lista en el sitio"].startswith("http://testserver/metas/?q=abono&")
    assert "parroquia=vilcabamba" in about["La lista en el sitio"]
    assert isinstance(about["Generado el"], datetime)
    assert about["Licencia"].startswith("Información pública (LOTAIP)")
    assert about["Fuente"].startswith("Transparencia Metas")


def test_without_filters_the_sheet_names_the_default_scope(client, august):
    book = workbook(client.get(reverse("metas:goal-export-xlsx")))

    about = {row[0]: row[1] for row in book["Filtros"].iter_rows(values_only=True) if row[0]}
    assert about["Periodo"] == "Último reporte de cada institución"
    assert about["Metas en este archivo"] == 2


HOSTILE = ['=HYPERLINK("http://x","clic")', "+1", "@SUM(A1:A9)", "-2+3", " =1+1"]


def test_a_hostile_cell_is_a_plain_string_never_a_formula(client, db):
    loja = make_institution()
    report = make_report(loja)
    for text in HOSTILE:
        make_goal(report, make_unit(loja, "@Unidad", code="-1"), objective=text,
                  progress=None, status=Goal.Status.TEXT)
    params = {"q": '=HYPERLINK("http://evil")'}  # a hostile filter value, on the filters sheet

    response = client.get(reverse("metas:goal-export-xlsx"))
    data = xlsx_bytes(response)
    book = openpyxl.load_workbook(io.BytesIO(data))

    sheet = book["Metas"]
    column = [cell.value for cell in sheet[1]].index("objetivo") + 1
    cells = [sheet.cell(row=row, column=column) for row in range(2, 2 + len(HOSTILE))]
    assert [cell.value for cell in cells] == HOSTILE
    assert {cell.data_type for cell in cells} == {"s"}
    # Excel's quote prefix: the cell stays text even when someone edits it.
    assert all(cell.quotePrefix for cell in cells)
    code = sheet.cell(row=2, column=[c.value for c in sheet[1]].index("codigo_unidad") + 1)
    assert (code.value, code.data_type, code.quotePrefix) == ("-1", "s", True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), f"a formula in {name}"

    filters = workbook(client.get(reverse("metas:goal-export-xlsx"), params))["Filtros"]
    [search] = [row for row in filters.iter_rows() if row[0].value == "Buscar"]
    assert (search[1].value, search[1].data_type) == ('«=HYPERLINK("http://evil")»', "s")


def test_it_is_named_after_its_filters_and_sets_no_cookie(client, august):
    response = client.get(reverse("metas:goal-export-xlsx"),
                          {"institucion": "municipio-de-loja", "periodo": "2019-08"})

    assert response["Content-Disposition"] == (
        'attachment; filename="metas-municipio-de-loja-2019-08.xlsx"'
    )
    assert int(response["Content-Length"]) == len(xlsx_bytes(response))
    assert response.cookies == {}


def test_it_is_cached_by_publication_like_the_other_exports(client, august):
    url = reverse("metas:goal-export-xlsx") + "?periodo=2019-08"
    first = client.get(url)
    xlsx_bytes(first)

    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["ETag"].startswith('W/"')
    assert "public" in first["Cache-Control"]
    assert again.status_code == 304


def test_invalid_filters_get_a_spanish_400_not_a_500(client, august):
    response = client.get(reverse("metas:goal-export-xlsx"),
                          {"avance_min": "mucho", "institucion": "no-existe"})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("Los filtros de esta dirección no son válidos:")
    assert "- avance_min: " in text
    assert "No existe la institución «no-existe»." in text


def test_a_selection_too_large_for_a_workbook_is_sent_to_the_csv(client, august, monkeypatch):
    from metas.views import exports

    goals = august.goals.count()
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", goals - 1)
    response = client.get(reverse("metas:goal-export-xlsx"), {"institucion": "municipio-de-loja"})

    assert response.status_code == 400
    assert response.content.decode() == (
        f"Esta selección tiene {goals} metas; el archivo Excel se hace para hasta {goals - 1}. Elija una "
        "institución o un período, o descargue el CSV, que las tiene todas: "
        "http://testserver/metas.csv?institucion=municipio-de-loja"
    )
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", goals)
    assert client.get(reverse("metas:goal-export-xlsx"),
                      {"institucion": "municipio-de-loja"}).status_code == 200


def test_it_reads_the_same_number_of_queries_for_few_or_many_goals(
    client, august, django_assert_max_num_queries
):
    params = {"institucion": "municipio-de-loja", "parroquia": "vilcabamba", "periodo": "todos"}
    with django_assert_max_num_queries(8) as few:
        xlsx_bytes(client.get(reverse("metas:goal-export-xlsx"), params))
    unit = august.goals.first().unit
    for _ in range(40):
        make_goal(august, unit, objective="Obra en Vilcabamba", parishes=["vilcabamba"],
                  neighbourhoods=["jdb-carigan"])

    with django_assert_max_num_queries(len(few)):
        sheet = workbook(client.get(reverse("metas:goal-export-xlsx"), params))["Metas"]

    assert sheet.max_row == 1 + 41
