"""Open-data exports: /metas.csv and /metas.json, and the streaming helpers behind them."""
import csv
import io
import json

from metas.exports import Column, neutralise, stream_csv, stream_json

# --- The streaming helpers, on plain rows ---------------------------------------------------

PLAIN_COLUMNS = [
    Column("nombre", "", "", lambda row: row["name"]),
    Column("valor", "", "", lambda row: row["value"]),
]


def read_csv(text):
    assert text.startswith("\ufeff"), "the CSV must start with a BOM"
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_it_writes_a_bom_a_header_and_one_line_per_row():
    rows = [{"name": "Educación", "value": 3}, {"name": 'Dijo "sí", luego no', "value": None}]

    records = read_csv("".join(stream_csv(rows, PLAIN_COLUMNS)))

    assert records == [
        {"nombre": "Educación", "valor": "3"},
        {"nombre": 'Dijo "sí", luego no', "valor": ""},
    ]


def test_it_writes_yes_and_no_in_spanish_and_lists_joined_by_semicolons():
    rows = [{"name": ["Sucre", "El Valle"], "value": True}, {"name": [], "value": False}]

    records = read_csv("".join(stream_csv(rows, PLAIN_COLUMNS)))

    assert records == [{"nombre": "Sucre; El Valle", "valor": "sí"}, {"nombre": "", "valor": "no"}]


def test_it_neutralises_every_cell_a_spreadsheet_would_run():
    dangerous = ["=1+1", "+593 7 257", "-2", "@SUMA(A1)", "\tcmd", "\r=1", "\0x"]
    rows = [{"name": text, "value": "seguro"} for text in dangerous]

    records = read_csv("".join(stream_csv(rows, PLAIN_COLUMNS)))

    assert [record["nombre"] for record in records] == ["'" + text for text in dangerous]
    assert {record["valor"] for record in records} == {"seguro"}


def test_it_leaves_harmless_cells_alone():
    assert neutralise("Mejorar 2 = 2") == "Mejorar 2 = 2"
    assert neutralise("100% -- terminado") == "100% -- terminado"
    assert neutralise("") == ""


def test_it_streams_in_pieces_that_do_not_grow_with_the_rows():
    rows = ({"name": "x" * 100, "value": n} for n in range(5000))

    pieces = list(stream_csv(rows, PLAIN_COLUMNS))

    assert len(pieces) > 5
    assert max(len(piece) for piece in pieces) < 70 * 1024


def test_it_writes_json_with_the_head_members_before_the_results():
    rows = [{"name": "=1+1", "value": 2}, {"name": ["Sucre"], "value": True}]

    document = json.loads("".join(stream_json(rows, PLAIN_COLUMNS, {"count": 2})))

    # JSON is not opened by spreadsheets: the published text is kept as it is.
    assert document == {
        "count": 2,
        "results": [{"nombre": "=1+1", "valor": 2}, {"nombre": ["Sucre"], "valor": True}],
    }


def test_it_writes_valid_json_with_no_rows_and_no_head():
    assert json.loads("".join(stream_json([], PLAIN_COLUMNS, {}))) == {"results": []}
