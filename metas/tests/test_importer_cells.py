"""One rule for the characters of a cell: control characters become spaces with a warning, a NUL
or an overlong cell is refused with file, line and column, a stray BOM disappears; exact
duplicate goal rows are stored but named. The command and the staff preview show warnings."""
from io import StringIO

import pytest
from django.core.management import call_command

from metas.importer import InputFile, ReportInvalid, import_report, read_report
from metas.models import Goal, ProcessLevel, Unit

from .importer_files import (
    database_state,
    patched_xlsx,
    sample_file,
    sample_rows,
    tsv_bytes,
    xlsx_bytes,
)

OBJECTIVE_13 = sample_rows()[12][2]  # "Manejo de sistemas agroforestales, alternativas…"


def edited(edit) -> list[list[str]]:
    rows = [list(row) for row in sample_rows()]
    edit(rows)
    return rows


def test_a_form_feed_and_a_control_character_become_spaces_with_a_warning(db):
    def edit(rows):  # line 13: "Manejo de\x0csistemas\x01agroforestales, …"
        rows[12][2] = OBJECTIVE_13.replace(" ", "\x0c", 2).replace("\x0c", " ", 1)
        rows[12][2] = rows[12][2].replace(" ", "\x01", 3).replace("\x01", " ", 2)
    result = import_report([InputFile("pegado.tsv", tsv_bytes(edited(edit)))])
    goal = result.report.goals.get(source_line=13)
    assert goal.objective == OBJECTIVE_13
    assert [str(warning) for warning in result.parsed.warnings] == [
        "pegado.tsv, línea 13, columna “Objetivo de la unidad”: Este texto tenía caracteres de "
        "control (como un salto de página copiado de un PDF); cada uno se reemplazó por un "
        "espacio."
    ]
    # The value shows where the characters were, by their codes.
    assert result.parsed.warnings[0].value.startswith(
        "Manejo de\\x0csistemas agroforestales,\\x01alternativas"
    )


def test_tabs_and_line_breaks_inside_a_cell_are_kept_without_a_warning():
    rows = edited(lambda rows: rows[12].__setitem__(2, "Regularización\nambiental"))
    parsed = read_report([InputFile("r.xlsx", xlsx_bytes(rows))])
    assert {goal.line: goal.objective for goal in parsed.goals}[13] == "Regularización\nambiental"
    assert parsed.warnings == []


def test_control_characters_in_a_spreadsheet_cell_are_named_by_sheet_and_row():
    rows = edited(lambda rows: rows[12].__setitem__(2, "Regularización CONTROL ambiental"))
    # openpyxl will not write a control character; the file format escapes it as _x000B_.
    parsed = read_report([InputFile("r.xlsx", patched_xlsx(xlsx_bytes(rows), {
        b" CONTROL ": b"_x000B_",
    }))])
    assert {goal.line: goal.objective for goal in parsed.goals}[13] == "Regularización ambiental"
    assert [str(warning) for warning in parsed.warnings] == [
        "r.xlsx, hoja “Hoja1”, fila 13, columna “Objetivo de la unidad”: Este texto tenía "
        "caracteres de control (como un salto de página copiado de un PDF); cada uno se "
        "reemplazó por un espacio."
    ]


def test_many_cells_with_control_characters_are_listed_up_to_twenty():
    edited_lines = []

    def edit(rows):
        for line in range(9, 80):
            row = rows[line - 1]
            if len(row) == 5 and row[0] != "No." and " " in row[2]:  # goal rows
                row[2] = row[2].replace(" ", "\x0c", 1)
                edited_lines.append(line)
    parsed = read_report([InputFile("r.tsv", tsv_bytes(edited(edit)))])
    assert len(edited_lines) == 46
    assert [warning.line for warning in parsed.warnings[:20]] == edited_lines[:20]
    assert len(parsed.warnings) == 21
    assert str(parsed.warnings[-1]) == (
        "r.tsv: 26 celdas más tenían caracteres de control; se reemplazaron por espacios."
    )


def test_a_nul_byte_in_a_cell_is_refused_with_its_line_and_column(db):
    import_report([sample_file()])
    before = database_state()
    rows = edited(lambda rows: rows[12].__setitem__(4, "100\x00%"))
    with pytest.raises(ReportInvalid) as refusal:
        import_report([InputFile("nulo.tsv", tsv_bytes(rows))])
    assert [str(problem) for problem in refusal.value.problems] == [
        "nulo.tsv, línea 13, columna “Meta cuantificable”: El texto contiene un carácter NUL "
        "(un byte cero), que nunca es parte de un reporte: el archivo está dañado o no es "
        "texto. Exporte de nuevo el reporte."
    ]
    assert database_state() == before


def test_a_cell_longer_than_the_csv_module_allows_is_refused_not_a_traceback(db):
    rows = edited(lambda rows: rows[12].__setitem__(2, "a" * 200_000))
    data = tsv_bytes(rows)
    with pytest.raises(ReportInvalid) as refusal:
        import_report([InputFile("largo.csv", data.replace(b"\t", b","))])
    assert [str(problem) for problem in refusal.value.problems] == [
        "largo.csv, línea 13, columna “Objetivo de la unidad”: El texto es demasiado largo "
        "(200\xa0000 caracteres; como máximo 10\xa0000). Unas comillas sin cerrar pueden unir muchas "
        "filas en una celda: revise las comillas cercanas."
    ]
    assert not Goal.objects.exists()


def test_a_byte_order_mark_inside_the_file_makes_no_second_level_or_unit(db):
    text = sample_file().data.decode("utf-8")
    # Two exports pasted together: the second one's BOM lands before a level and a unit.
    text = text.replace("PROCESOS DESCONCENTRADOS", "\ufeffPROCESOS DESCONCENTRADOS")
    text = text.replace("\tAlcaldía\t", "\t\ufeffAlcaldía\t")
    result = import_report([InputFile("pegado.tsv", text.encode("utf-8"))])
    assert result.levels == 5
    assert result.units == 38
    assert not ProcessLevel.objects.filter(name__contains="\ufeff").exists()
    assert not Unit.objects.filter(published_name__contains="\ufeff").exists()
    assert result.parsed.warnings == []


def test_exact_duplicate_goal_rows_are_stored_as_published_with_a_warning(db):
    def edit(rows):
        rows.insert(14, list(rows[12]))  # line 13 published again as line 15
    result = import_report([InputFile("doble.tsv", tsv_bytes(edited(edit)))])
    assert result.goals == 138
    assert result.report.goals.filter(objective=OBJECTIVE_13).count() == 2
    assert [str(warning) for warning in result.parsed.warnings] == [
        "doble.tsv, línea 13: Esta meta se publica otra vez, con la misma unidad, objetivo, "
        "indicador y meta, en línea 15. Se guardan las dos como se publicaron; elimine la "
        "repetición si es un error."
    ]


def test_the_command_prints_the_warnings(db):
    rows = edited(lambda rows: rows[12].__setitem__(2, "Regularización\x0cambiental"))
    path_out, path_err = StringIO(), StringIO()
    from pathlib import Path
    from tempfile import TemporaryDirectory

    with TemporaryDirectory() as folder:
        path = Path(folder) / "pegado.tsv"
        path.write_bytes(tsv_bytes(rows))
        call_command("import_report", str(path), stdout=path_out, stderr=path_err)
    assert "Reporte nuevo guardado." in path_out.getvalue()
    assert (
        "Aviso: pegado.tsv, línea 13, columna “Objetivo de la unidad”: Este texto tenía "
        "caracteres de control"
    ) in path_err.getvalue()
