"""Decisions for odd input (issue 20), each with what the staff see: direction marks removed
with a warning, a quote left open removed with a warning (and the file's other quoted cells
still read the CSV way), numbers a program could not write (1e400, NaN%) refused with their
line and column."""
import pytest

from metas.importer import InputFile, ReportInvalid, import_report, read_report
from metas.models import Goal

from .importer_files import csv_bytes, database_state, sample_file, sample_rows, tsv_bytes

OBJECTIVE_13 = sample_rows()[12][2]  # "Manejo de sistemas agroforestales, …"
OBJECTIVE_14 = sample_rows()[13][2]  # "Manejo de torrentes y limpieza de riveras …"


def edited(edit) -> list[list[str]]:
    rows = [list(row) for row in sample_rows()]
    edit(rows)
    return rows


# --- Bidirectional controls -------------------------------------------------------------------

@pytest.mark.parametrize("mark", ["\u202e", "\u202d", "\u2067", "\u200f", "\u061c"])
def test_direction_marks_are_removed_with_a_warning(db, mark):
    rows = edited(lambda rows: rows[12].__setitem__(2, f"Manejo de {mark}sistemas" +
                                                     OBJECTIVE_13[len("Manejo de sistemas"):]))
    result = import_report([InputFile("bidi.tsv", tsv_bytes(rows))])
    assert result.report.goals.get(source_line=13).objective == OBJECTIVE_13
    assert not Goal.objects.filter(objective__contains=mark).exists()
    [warning] = result.parsed.warnings
    assert str(warning) == (
        "bidi.tsv, línea 13, columna “Objetivo de la unidad”: Este texto tenía marcas "
        "invisibles de dirección (como U+202E, que muestra un texto al revés); se quitaron, "
        "para que el texto se lea como se guarda."
    )
    # The value shows the mark by its code, never the live mark (it would turn the page).
    assert warning.value.startswith(f"Manejo de \\u{ord(mark):04x}sistemas")
    assert mark not in warning.value


def test_many_cells_with_direction_marks_are_counted_after_twenty():
    rows = edited(lambda rows: [row.__setitem__(3, "\u202e" + row[3])
                                for row in rows[12:60] if len(row) > 4 and row[0]])
    warnings = [str(warning) for warning in read_report(
        [InputFile("bidi.tsv", tsv_bytes(rows))]).warnings]
    assert len(warnings) == 21
    assert warnings[-1].endswith("celdas más tenían marcas invisibles de dirección; se quitaron.")


# --- A quote opened and never closed ----------------------------------------------------------

def csv_with_open_quote() -> bytes:
    """The sample as a comma CSV (cells with commas quoted the CSV way), one objective
    starting with a quote that is never closed."""
    text = csv_bytes(sample_rows()).decode("utf-8")
    return text.replace(OBJECTIVE_14, '"' + OBJECTIVE_14, 1).encode("utf-8")


def test_an_open_quote_is_removed_with_a_warning_and_spoils_no_other_cell(db):
    result = import_report([InputFile("comillas.csv", csv_with_open_quote())])
    assert result.goals == 137
    assert result.report.goals.get(source_line=14).objective == OBJECTIVE_14
    # The other cells quoted the CSV way (they hold commas) are read whole, without quotes.
    assert result.report.goals.get(source_line=13).objective == OBJECTIVE_13
    assert not Goal.objects.filter(objective__startswith='"').exists()
    assert [str(warning) for warning in result.parsed.warnings] == [
        "comillas.csv, línea 14, columna “Objetivo de la unidad”: Este texto abre comillas que "
        "nunca se cierran; se quitaron esas comillas. Revise que el texto y las celdas "
        "siguientes estén como se publicaron."
    ]


def test_quotes_that_close_are_no_warning():
    rows = edited(lambda rows: rows[12].__setitem__(2, '"Ruta natural" Gualel'))
    parsed = read_report([InputFile("r.tsv", tsv_bytes(rows))])
    assert {goal.line: goal.objective for goal in parsed.goals}[13] == '"Ruta natural" Gualel'
    assert parsed.warnings == []


# --- Numbers a program could not write --------------------------------------------------------

@pytest.mark.parametrize("value", ["1e400", "1e400%", "NaN%", "nan", "-inf %", "2,5E-3%"])
def test_a_number_a_program_could_not_write_is_refused_with_line_and_column(db, value):
    import_report([sample_file()])
    before = database_state()
    rows = edited(lambda rows: rows[12].__setitem__(4, value))
    with pytest.raises(ReportInvalid) as refusal:
        import_report([InputFile("numeros.tsv", tsv_bytes(rows))])
    assert [str(problem) for problem in refusal.value.problems] == [
        f"numeros.tsv, línea 13, columna “Meta cuantificable”: “{value}” no es un porcentaje "
        "ni una meta: es como un programa escribe un número que no pudo calcular o mostrar "
        "(notación científica, “NaN”, “inf”). Escriba el avance como porcentaje (p. ej., 75%) "
        "o la meta como texto."
    ]
    assert database_state() == before


@pytest.mark.parametrize("value", ["1 escuela", "Nanay 3", "Informe 2e", "100%"])
def test_targets_that_only_look_like_such_numbers_are_read_as_before(value):
    rows = edited(lambda rows: rows[12].__setitem__(4, value))
    parsed = read_report([InputFile("r.tsv", tsv_bytes(rows))])
    assert {goal.line: goal.target for goal in parsed.goals}[13] == value
