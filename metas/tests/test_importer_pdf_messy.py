"""PDFs as they come out of real offices (issue 20): the report's table recognised among other
tables (a logo and title box, a summary, a signature box: left out and named in the preview),
a header cell written upwards, a row taller than a page, an empty last page; a sheet printed
"down, then over" and a PDF of another literal's table refused saying so, with the pages."""
import pytest

from metas.importer import InputFile, ReportInvalid, read_report

from .importer_files import sample_file, sample_rows, tsv_bytes
from .pdf_files import down_then_over_pdf, other_table_pdf, report_pdf

TALL = 12  # rows[12] is line 13, the first goal of the second level


def goals_of(parsed):
    return [(g.level, g.unit_code, g.unit_name, g.objective, g.indicator, g.target,
             g.progress, g.status) for g in parsed.goals]


@pytest.fixture(scope="module")
def tsv():
    return read_report([sample_file()])


def test_the_report_table_is_found_among_title_summary_and_signature_boxes(tsv):
    parsed = read_report([InputFile("con-recuadros.pdf", report_pdf(sample_rows(), boxes=True))])
    assert goals_of(parsed) == goals_of(tsv)
    assert parsed.metadata.responsible == tsv.metadata.responsible
    assert [str(warning) for warning in parsed.warnings] == [
        "con-recuadros.pdf, página 1: Se dejó fuera una tabla de 2 columnas que no es parte "
        "del reporte (un recuadro de título, de resumen o de firmas): “GAD MUNICIPAL DE LOJA”.",
        "con-recuadros.pdf, página 8: Se dejó fuera una tabla de 4 columnas que no es parte "
        "del reporte (un recuadro de título, de resumen o de firmas): “Total de metas”.",
        "con-recuadros.pdf, página 8: Se dejó fuera una tabla de 3 columnas que no es parte "
        "del reporte (un recuadro de título, de resumen o de firmas): “Elaborado por: Ing. Ana "
        "Torres”.",
    ]


def test_a_header_cell_written_upwards_is_read(tsv):
    parsed = read_report([InputFile("girado.pdf", report_pdf(sample_rows(), rotated_header=True))])
    assert parsed.files[0].columns["unit_code"] == "No."
    assert goals_of(parsed) == goals_of(tsv)


def test_a_row_taller_than_a_page_is_one_goal():
    data = report_pdf(sample_rows(), tall_row=TALL)
    parsed = read_report([InputFile("fila-alta.pdf", data)])
    rows = [list(row) for row in sample_rows()]
    rows[TALL][2] = " ".join([rows[TALL][2]] * 40)
    expected = read_report([InputFile("fila-alta.tsv", tsv_bytes(rows))])
    assert goals_of(parsed) == goals_of(expected)
    goal = next(goal for goal in parsed.goals if goal.objective == rows[TALL][2])
    assert (goal.page, goal.line) == (1, 9)


def test_an_empty_last_page_changes_nothing(tsv):
    parsed = read_report([InputFile("vacia.pdf", report_pdf(sample_rows(), blank_last_page=True))])
    assert goals_of(parsed) == goals_of(tsv)
    assert parsed.files[0].pages == 9
    assert parsed.warnings == []


def test_a_problem_names_its_page_row_and_column_among_boxes():
    rows = [list(row) for row in sample_rows()]
    rows[12][4] = "150%"
    with pytest.raises(ReportInvalid) as refusal:
        read_report([InputFile("malo.pdf", report_pdf(rows, boxes=True))])
    assert [str(problem) for problem in refusal.value.problems] == [
        "malo.pdf, página 1, fila 9, columna “Meta cuantificable”: El porcentaje “150%” no "
        "está entre 0% y 100%. Corrija el valor o escriba la meta como texto."
    ]


def test_a_sheet_printed_down_then_over_is_refused_with_its_pages():
    with pytest.raises(ReportInvalid) as refusal:
        read_report([InputFile("partida.pdf", down_then_over_pdf(sample_rows()))])
    assert [str(problem) for problem in refusal.value.problems] == [
        "partida.pdf: La hoja se imprimió “hacia abajo, luego a la derecha”: las páginas 1–8 "
        "tienen las columnas “No.”, “Descripción de la unidad”, “Objetivo de la unidad”, y "
        "las páginas 9–14 las columnas “Indicador”, “Meta cuantificable” de las mismas filas. "
        "Así cada meta quedó partida entre dos páginas, y el PDF no dice qué fila de una parte "
        "va con cuál de la otra, por lo que el reporte no se importó. Imprima la hoja con "
        "todas sus columnas en el ancho de la página (“ajustar todas las columnas en una "
        "página”), o suba la hoja de cálculo."
    ]


def test_a_pdf_of_another_table_is_no_report_whatever_its_columns():
    with pytest.raises(ReportInvalid) as refusal:
        read_report([InputFile("remuneraciones.pdf", other_table_pdf())])
    assert [str(problem) for problem in refusal.value.problems] == [
        "remuneraciones.pdf: Este PDF tiene tablas, pero ninguna con las columnas de un reporte "
        "de metas y objetivos: no es un reporte de metas. Suba el reporte del mes (su tabla "
        "tiene las columnas “Descripción de la unidad”, “Objetivo de la unidad”, “Indicador” y "
        "“Meta cuantificable”)."
    ]


def test_the_command_says_how_far_it_read_a_pdf(db, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "con-recuadros.pdf"
    path.write_bytes(report_pdf(sample_rows(), boxes=True))
    call_command("import_report", str(path), "--dry-run")
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("Leyendo")] == [
        f"Leyendo el PDF: página {done} de 8" for done in range(1, 9)]
    # The boxes left out are shown as warnings.
    assert "Aviso: con-recuadros.pdf, página 8: Se dejó fuera una tabla de 3 columnas" in (
        "\n".join(err))
