"""Decompression and size bombs are refused in Spanish before anything is parsed: what a ZIP,
workbook or PDF inflates to is counted on the real stream, and rows, columns, cells, shared
strings, pages and goals are bounded. (That each refusal is quick and small is measured by
bench/hostile.py, not here.)"""
import pytest

from metas.importer import InputFile, ReportInvalid, import_report, read_report
from metas.importer.bounds import MAX_GOALS

from .hostile_files import (
    MB,
    deflated_zeros,
    ods_with_rows,
    pdf_with_stream,
    xlsx_with_rows,
    xlsx_with_shared_strings,
    zip_of_zeros,
    zip_with_lying_size,
)
from .importer_files import database_state, sample_file, sample_rows, tsv_bytes


def refusal(files) -> list[str]:
    with pytest.raises(ReportInvalid) as refused:
        read_report(files)
    return [str(problem) for problem in refused.value.problems]


@pytest.fixture
def before(db):
    import_report([sample_file()])
    return database_state()


def test_a_zip_bomb_is_refused_by_what_it_really_inflates_to(before):
    bomb = zip_of_zeros(members=20, size=49 * MB)
    assert len(bomb) < 2 * MB
    with pytest.raises(ReportInvalid) as refused:
        import_report([InputFile("metas.zip", bomb)])
    assert [str(problem) for problem in refused.value.problems] == [
        "metas.zip: Descomprimido, el archivo ocupa más de 64 MB, mucho más que un reporte. "
        "Suba el reporte mismo."
    ]
    assert database_state() == before


def test_a_zip_whose_headers_lie_about_the_size_is_refused_as_damaged():
    assert refusal([InputFile("metas.zip", zip_with_lying_size(size=80 * MB))]) == [
        "metas.zip/datos-0.csv: Este archivo del ZIP está dañado. Vuelva a crear el ZIP."
    ]


def test_a_zip_of_many_files_is_refused_before_reading_them():
    from .importer_files import zip_bytes

    archive = zip_bytes({f"{number}.csv": b"a;b\n" for number in range(150)})
    assert refusal([InputFile("muchos.zip", archive)]) == [
        "muchos.zip: El archivo comprimido contiene más de 100 archivos. Un reporte es un "
        "archivo, o los tres archivos del portal: suba solo esos."
    ]


def test_a_workbook_bomb_is_refused_by_its_inflated_size():
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
        for n in range(1, 2_000_001)
    )
    workbook = xlsx_with_rows(rows)
    assert len(workbook) < 10 * MB
    assert refusal([InputFile("metas.xlsx", workbook)]) == [
        "metas.xlsx: Descomprimido, el archivo ocupa más de 64 MB, mucho más que un reporte. "
        "Suba el reporte mismo."
    ]


def test_a_workbook_with_too_many_rows_is_refused_before_it_is_read():
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
        for n in range(1, 60_001)
    )
    assert refusal([InputFile("metas.xlsx", xlsx_with_rows(rows))]) == [
        "metas.xlsx: El archivo tiene más de 50\xa0000 filas con texto, mucho más que un "
        "reporte. Compruebe que sea el reporte del mes, sin otros datos."
    ]


def test_one_far_cell_that_would_make_the_sheet_huge_is_refused():
    rows = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
            b'<row r="40000"><c r="BH40000"><v>1</v></c></row>')  # 40,000 rows x 60 columns
    assert refusal([InputFile("metas.xlsx", xlsx_with_rows(rows))]) == [
        "metas.xlsx: El texto del archivo ocupa más de 2\xa0000\xa0000 celdas (filas por "
        "columnas), mucho más que un reporte. Elimine lo que no es parte del reporte."
    ]


def test_cells_only_formatted_far_away_cost_nothing():
    rows = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
            b'<row r="1048576"><c r="XFD1048576" s="0"/></row>')
    assert refusal([InputFile("metas.xlsx", xlsx_with_rows(rows))]) == [
        "metas.xlsx, hoja “Hoja1”: No se reconoce este archivo. Un reporte necesita una fila de "
        "encabezado con las columnas “Descripción de la unidad” (o “Unidad”), “Objetivo de la "
        "unidad”, “Indicador” y “Meta cuantificable”; el archivo de metadatos del portal "
        "empieza con “FECHA ACTUALIZACIÓN DE LA INFORMACIÓN” y su diccionario con "
        "“Institución”."
    ]


def test_a_workbook_with_millions_of_shared_strings_is_refused():
    assert refusal([InputFile("metas.xlsx", xlsx_with_shared_strings(300_000))]) == [
        "metas.xlsx: El libro contiene más de 200\xa0000 textos distintos, mucho más que un "
        "reporte. Compruebe que sea el reporte del mes, sin otros datos."
    ]


def test_an_ods_row_repeated_a_million_times_is_refused():
    row = (b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
           b'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')
    assert refusal([InputFile("metas.ods", ods_with_rows(row))]) == [
        "metas.ods: El archivo tiene más de 50\xa0000 filas con texto, mucho más que un reporte. "
        "Compruebe que sea el reporte del mes, sin otros datos."
    ]


def test_a_csv_of_two_million_rows_is_refused_at_once(before):
    with pytest.raises(ReportInvalid) as refused:
        import_report([InputFile("filas.csv", b"Unidad;Objetivo\n" + b"a;b\n" * 2_000_000)])
    assert [str(problem) for problem in refused.value.problems] == [
        "filas.csv: El archivo tiene más de 50\xa0000 líneas, mucho más que un reporte. "
        "Compruebe que sea el reporte del mes, sin otros datos."
    ]
    assert database_state() == before


def test_a_report_of_622990_goals_is_refused_before_the_preview():
    rows = sample_rows()
    body = "\n".join(f"1\tAlcaldía\tMeta {n}\tPorcentaje\t{n % 100}%" for n in range(622_990))
    text = "\n".join("\t".join(row) for row in rows[:8]) + "\n" + body
    assert len(text.encode()) < 40 * MB
    assert refusal([InputFile("enorme.tsv", text.encode())]) == [
        "enorme.tsv: El archivo tiene más de 50\xa0000 líneas, mucho más que un reporte. "
        "Compruebe que sea el reporte del mes, sin otros datos."
    ]


def test_more_goals_than_a_report_may_have_are_refused():
    rows = [list(row) for row in sample_rows()[:8]]
    rows += [["1", "Alcaldía", f"Meta {n}", "Porcentaje", "50%"] for n in range(MAX_GOALS + 1)]
    assert refusal([InputFile("muchas.tsv", tsv_bytes(rows))]) == [
        "muchas.tsv: El reporte tiene 20\xa0001 metas; se aceptan como máximo 20\xa0000 en un "
        "reporte. Compruebe que el archivo contenga un mes de una sola institución."
    ]


def test_a_file_with_text_in_too_many_columns_is_refused():
    wide = "\n".join(";".join(f"c{n}" for n in range(150)) for _ in range(3))
    assert refusal([InputFile("ancho.csv", wide.encode())]) == [
        "ancho.csv: El archivo tiene texto en más de 100 columnas; un reporte tiene cinco. "
        "Elimine las columnas que no son parte del reporte."
    ]


def test_a_pdf_whose_stream_inflates_past_the_bound_is_refused():
    bomb = pdf_with_stream(deflated_zeros(100 * MB))
    assert len(bomb) < MB
    assert refusal([InputFile("metas.pdf", bomb)]) == [
        "metas.pdf: Descomprimido, el PDF ocupa más de 64 MB, mucho más que un reporte. Suba el "
        "reporte mismo, o su hoja de cálculo."
    ]


def test_a_pdf_of_too_many_pages_is_refused():
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(251):
        pdf.add_page()
    assert refusal([InputFile("metas.pdf", bytes(pdf.output()))]) == [
        "metas.pdf: El PDF tiene más de 250 páginas, mucho más que un reporte. Suba solo el "
        "reporte del mes, o su hoja de cálculo."
    ]
