"""The report in every form a planning office publishes it (fixtures/loja-lotaip-a4-2019-08.*:
PDF, XLS, ODS, formatted XLSX) gives exactly what the TSV gives, field by field; hyperlinks
keep their address; PDFs name "página P, fila R"; page images without a table, other documents
and workbooks with two reports are refused, saying what to do (scans are read by OCR:
test_importer_scanned.py)."""
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from metas.importer import InputFile, ReportInvalid, import_report, read_report, store_report
from metas.models import Canton, Goal, SourceFile

from .importer_files import sample_file, sample_rows, two_report_workbook
from .pdf_files import GPR_URL, letter_pdf, report_pdf, scanned_pdf
from .scan_files import requires_tesseract  # noqa: F401 (fixture)

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
FORMS = {"pdf": "pdf", "xls": "xls", "ods": "ods", "xlsx": "xlsx"}


def published(extension: str) -> InputFile:
    path = FIXTURES / f"loja-lotaip-a4-2019-08.{extension}"
    return InputFile(path.name, path.read_bytes())


def goals_of(parsed):
    return [(g.level, g.unit_code, g.unit_name, g.objective, g.indicator, g.target,
             g.progress, g.status, g.note, g.lacks_financing) for g in parsed.goals]


def footer_of(parsed):
    m = parsed.metadata
    return (m.updated_on, m.periodicity, m.holder_unit, m.responsible, m.email, m.phone,
            m.link_text)


@pytest.fixture(scope="module")
def tsv():
    return read_report([sample_file()])


@pytest.fixture(scope="module")
def forms():
    """Each published form, read once (a PDF takes a second or two)."""
    return {extension: read_report([published(extension)]) for extension in FORMS}


@pytest.mark.parametrize("extension", sorted(FORMS))
def test_each_published_form_gives_the_tsv_report_field_by_field(tsv, forms, extension):
    parsed = forms[extension]
    assert parsed.files[0].detected_format == FORMS[extension]
    assert parsed.levels == tsv.levels
    assert goals_of(parsed) == goals_of(tsv)
    assert [g.objective for g in parsed.goals] == [g.objective for g in tsv.goals]
    assert footer_of(parsed) == footer_of(tsv)
    assert parsed.warnings == []


@pytest.mark.parametrize("extension", sorted(FORMS))
def test_each_published_form_stores_the_same_figures_and_tags(db, forms, extension):
    # Another institution of cantón Loja (its name alone names no territory).
    expected = import_report(
        [sample_file()], institution="Municipio de Loja (TSV)",
        territory=Canton.objects.get(code="1101"),
    )
    result = store_report(forms[extension], institution="Municipio de Loja")
    assert (result.goals, result.levels, result.units) == (137, 5, 38)
    assert (result.not_applicable, result.lacking_financing) == (15, 32)
    assert result.period == date(2019, 8, 1)

    def tags(report):
        return sorted(
            (goal.objective,
             tuple(sorted(goal.parish_tags.values_list("parish__slug", flat=True))),
             tuple(sorted(goal.neighbourhood_tags.values_list("neighbourhood__slug", flat=True))))
            for goal in report.goals.all()
        )

    assert tags(result.report) == tags(expected.report)
    assert (result.parishes_tagged, result.neighbourhoods_tagged) == (
        expected.parishes_tagged, expected.neighbourhoods_tagged)
    stored = SourceFile.objects.get(report=result.report)
    assert (stored.detected_format, stored.encoding) == (FORMS[extension], "")


@pytest.mark.parametrize("extension", ["pdf", "xlsx", "ods", "xls"])
def test_the_gpr_hyperlink_keeps_its_address(forms, extension):
    metadata = forms[extension].metadata
    assert (metadata.link_text, metadata.link_url) == ("Reporte del GPR", GPR_URL)


def test_sheet_rows_are_the_tsv_lines_and_the_sheet_is_named(tsv, forms):
    parsed = forms["ods"]
    assert [g.line for g in parsed.goals] == [g.line for g in tsv.goals]
    assert (parsed.files[0].sheet, parsed.goals[0].sheet) == ("Literal a4", "Literal a4")


def test_a_pdf_goal_knows_its_page_and_row(db, client, forms):
    result = store_report(forms["pdf"])
    first = result.report.goals.get(position=1)
    last = result.report.goals.get(position=137)
    # Page 1: two title rows, the header, the level row, then "1 Alcaldía".
    assert (first.source_page, first.source_line, first.unit.published_name) == (1, 5, "Alcaldía")
    assert (last.source_page, last.source_line) == (13, 1)
    assert Goal.objects.filter(source_page__isnull=True).count() == 0

    page = client.get(reverse("metas:goal-detail", args=[first.pk]))
    assert "página 1, fila 5 de" in page.content.decode()
    export = client.get(reverse("metas:goal-export-csv"), {"periodo": "2019-08"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    record = next(row for row in csv.DictReader(io.StringIO(text))
                  if row["url"].endswith(f"/metas/{first.pk}/"))
    assert (record["linea_fuente"], record["ubicacion_fuente"]) == ("5", "página 1, fila 5")


def test_the_summary_says_the_detected_form(forms):
    from metas.importer.result import form_label

    labels = {extension: form_label(parsed.files[0]) for extension, parsed in forms.items()}
    assert labels == {
        "pdf": "PDF, 13 páginas",
        "xls": "Libro de Excel 97-2003, hoja “Literal a4”",
        "ods": "Hoja de cálculo ODS, hoja “Literal a4”",
        "xlsx": "Libro de Excel, hoja “Literal a4”",
    }


def test_the_original_pdf_is_downloaded_as_a_pdf(db, client, forms):
    result = store_report(forms["pdf"])
    stored = SourceFile.objects.get(report=result.report)
    response = client.get(reverse("metas:source-file-download", args=[
        "municipio-de-loja", "2019-08", stored.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == published("pdf").data


# --- PDFs written in the published layout ---------------------------------------------------

def test_rows_cut_by_a_page_break_are_joined_again(tsv):
    data = report_pdf(sample_rows(), split_rows=True)
    parsed = read_report([InputFile("cortado.pdf", data)])
    assert goals_of(parsed) == goals_of(tsv)
    assert parsed.metadata.link_url == GPR_URL


def test_a_problem_in_a_pdf_names_its_page_and_row():
    rows = [list(row) for row in sample_rows()]
    rows[12][4] = "150%"  # the first goal of the second level
    with pytest.raises(ReportInvalid) as refusal:
        read_report([InputFile("malo.pdf", report_pdf(rows))])
    assert [str(problem) for problem in refusal.value.problems] == [
        "malo.pdf, página 1, fila 9, columna “Meta cuantificable”: El porcentaje “150%” no está "
        "entre 0% y 100%. Corrija el valor o escriba la meta como texto."
    ]


def test_a_pdf_of_page_images_without_a_table_is_refused_saying_so(db, requires_tesseract):
    # A scan is read by OCR (test_importer_scanned.py); this one has lines but no table.
    with pytest.raises(ReportInvalid) as refusal:
        import_report([InputFile("escaneado.pdf", scanned_pdf())])
    assert [str(problem) for problem in refusal.value.problems] == [
        "escaneado.pdf: No se reconoce ninguna tabla en este PDF escaneado: no es un reporte de "
        "metas y objetivos, o el escaneo es demasiado tenue. Escanee de nuevo el reporte "
        "impreso (su tabla con sus líneas), o suba la hoja de cálculo del reporte."
    ]


def test_a_pdf_of_another_document_is_refused():
    with pytest.raises(ReportInvalid) as refusal:
        read_report([InputFile("oficio.pdf", letter_pdf())])
    assert [str(problem) for problem in refusal.value.problems] == [
        "oficio.pdf: Este PDF no tiene ninguna tabla: no es un reporte de metas y objetivos. "
        "Suba el reporte del mes (su tabla tiene las columnas “Descripción de la unidad”, "
        "“Objetivo de la unidad”, “Indicador” y “Meta cuantificable”)."
    ]


def test_a_pdf_page_whose_table_is_not_recognised_is_named():
    data = report_pdf(sample_rows(), borderless_page=3)
    with pytest.raises(ReportInvalid) as refusal:
        read_report([InputFile("sin-bordes.pdf", data)])
    assert [str(problem) for problem in refusal.value.problems] == [
        "sin-bordes.pdf, página 3: No se reconoce ninguna tabla en esta página: la tabla del "
        "reporte debe tener sus bordes dibujados. Exporte de nuevo la hoja de cálculo a PDF con "
        "los bordes, o suba la hoja de cálculo."
    ]


# --- Workbooks with several sheets -----------------------------------------------------------

def test_a_workbook_with_two_report_sheets_is_refused_until_one_is_chosen(db):
    with pytest.raises(ReportInvalid) as refusal:
        import_report([InputFile("metas.xlsx", two_report_workbook())])
    assert [str(problem) for problem in refusal.value.problems] == [
        "metas.xlsx: El libro tiene 2 hojas que parecen un reporte: “Agosto”, “Septiembre”. "
        "Elija la que se importa (el campo “Hoja” de la carga, o --sheet)."
    ]
    result = import_report([InputFile("metas.xlsx", two_report_workbook())], sheet="septiembre")
    assert (result.period, result.goals) == (date(2019, 9, 1), 137)
    assert result.parsed.files[0].sheet == "Septiembre"


def test_a_sheet_that_does_not_exist_lists_the_sheets():
    with pytest.raises(ReportInvalid) as refusal:
        read_report([InputFile("metas.xlsx", two_report_workbook())], sheet="Octubre")
    assert [str(problem) for problem in refusal.value.problems] == [
        "metas.xlsx: El libro no tiene ninguna hoja visible “Octubre”. Sus hojas son: "
        "“Agosto”, “Septiembre”, “Notas”."
    ]


def test_the_command_takes_the_sheet(db, tmp_path, capsys):
    path = tmp_path / "metas.xlsx"
    path.write_bytes(two_report_workbook())
    call_command("import_report", str(path), "--sheet", "Agosto")
    output = capsys.readouterr().out
    assert "Período: 2019-08" in output
    assert "Archivo: metas.xlsx (matriz del reporte, Libro de Excel, hoja “Agosto”, 220 filas)" in (
        output)
