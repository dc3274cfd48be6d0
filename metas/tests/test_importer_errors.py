"""Bad input is refused with every problem, in Spanish, naming file, line and column, and the
database and stored files stay exactly as they were."""
import pytest

from metas.importer import InputFile, ReportInvalid, import_report, read_report

from .importer_files import (
    csv_bytes,
    database_state,
    portal_files,
    sample_file,
    sample_rows,
    tsv_bytes,
    xlsx_bytes,
    zip_bytes,
)

NOT_READ = "no es un archivo de texto, una hoja de cálculo ni un PDF"


@pytest.fixture
def before(db):
    """Loja's August 2019 report is stored; the state to compare with after a refusal."""
    import_report([sample_file()])
    return database_state()


def refused(files, **options) -> list[str]:
    """The problems an import of `files` is refused with (each as the user reads it)."""
    with pytest.raises(ReportInvalid) as refusal:
        import_report(files, **options)
    return [str(problem) for problem in refusal.value.problems]


def edited_sample(**cells) -> list[list[str]]:
    """The sample's rows with some cells replaced: line_column=value, e.g. l13_c5="150%"."""
    rows = [list(row) for row in sample_rows()]
    for key, value in cells.items():
        line, column = (int(part[1:]) for part in key.split("_"))
        rows[line - 1][column - 1] = value
    return rows


def test_it_refuses_an_empty_file(before):
    assert refused([InputFile("vacio.csv", b"")]) == [
        "vacio.csv: El archivo está vacío. Exporte de nuevo el reporte y suba el archivo "
        "resultante."
    ]
    assert refused([InputFile("espacios.csv", b" \r\n\r\n")]) == [
        "espacios.csv: El archivo está vacío. Exporte de nuevo el reporte y suba el archivo "
        "resultante."
    ]
    assert database_state() == before


def test_it_refuses_binary_garbage_whatever_its_name(before):
    garbage = bytes(range(256)) * 8
    assert refused([InputFile("metas.csv", garbage)]) == [
        "metas.csv: No es un archivo de texto, una hoja de cálculo ni un PDF. Suba el reporte "
        "como se publicó: una hoja de cálculo (.xlsx, .xls, .ods), un PDF o un archivo CSV."
    ]
    assert database_state() == before


def test_it_says_what_to_do_with_a_damaged_old_excel_file_or_pdf(before):
    problems = refused([
        InputFile("metas.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
        InputFile("metas.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
    ])
    assert problems == [
        "metas.xlsx: No se puede leer la hoja de cálculo: está dañada o no es un libro de "
        "Excel 97-2003 (.xls). Ábrala en un programa de hojas de cálculo y guárdela de nuevo, "
        "o expórtela como CSV.",
        "metas.csv: No se puede leer el PDF: está dañado. Descárguelo de nuevo o expórtelo "
        "otra vez desde la hoja de cálculo.",
    ]
    assert database_state() == before


def test_it_refuses_an_unreadable_spreadsheet(before):
    damaged = zip_bytes({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"not xml"})
    assert refused([InputFile("metas.csv.xlsx", damaged)]) == [
        "metas.csv.xlsx: No se puede leer la hoja de cálculo: está dañada o no es un libro de "
        "Excel (.xlsx). Ábrala en un programa de hojas de cálculo y guárdela de nuevo, o "
        "expórtela como CSV."
    ]
    assert database_state() == before


def test_it_names_a_missing_column_and_the_header_line(before):
    rows = edited_sample(l7_c5="Avance")
    assert refused([InputFile("sin-meta.tsv", tsv_bytes(rows))]) == [
        "sin-meta.tsv, línea 7, columna “Meta cuantificable”: Falta la columna “Meta "
        "cuantificable” en la fila de encabezado. Agréguela (el encabezado debe nombrar las "
        "columnas “Descripción de la unidad”, “Objetivo de la unidad”, “Indicador”, “Meta "
        "cuantificable”)."
    ]
    assert database_state() == before


def test_it_lists_every_problem_of_the_file_in_one_run(before):
    rows = edited_sample(l13_c5="150%", l88_c5="-5 %", l215_c4="agosto 2019")
    rows[149][2] = ""  # line 150: a goal without its objective
    with pytest.raises(ReportInvalid) as refusal:
        import_report([InputFile("malo.tsv", tsv_bytes(rows))])
    problems = refusal.value.problems
    assert [str(problem) for problem in problems] == [
        "malo.tsv, línea 13, columna “Meta cuantificable”: El porcentaje “150%” no está entre "
        "0% y 100%. Corrija el valor o escriba la meta como texto.",
        "malo.tsv, línea 88, columna “Meta cuantificable”: El porcentaje “-5 %” no está entre "
        "0% y 100%. Corrija el valor o escriba la meta como texto.",
        "malo.tsv, línea 150, columna “Objetivo de la unidad”: El objetivo está vacío. "
        "Escriba el objetivo de la meta o elimine la fila.",
        "malo.tsv, línea 215, columna “FECHA ACTUALIZACIÓN DE LA INFORMACIÓN”: La fecha de "
        "actualización “agosto 2019” no es una fecha. Escríbala como día/mes/año, por ejemplo "
        "31/08/2019.",
    ]
    assert [(p.file, p.line, p.column, p.value) for p in problems[:2]] == [
        ("malo.tsv", 13, "Meta cuantificable", "150%"),
        ("malo.tsv", 88, "Meta cuantificable", "-5 %"),
    ]
    assert database_state() == before


def test_it_refuses_goal_rows_before_any_level_row(before):
    rows = [row for line, row in enumerate(sample_rows(), start=1) if line != 8]
    assert refused([InputFile("sin-nivel.tsv", tsv_bytes(rows))]) == [
        "sin-nivel.tsv, línea 8: Estas 3 filas de metas (de la línea 8 a la línea 10) están "
        "antes de cualquier fila de nivel de proceso. Agregue encima la fila de su nivel (su "
        "nombre solo en la primera columna, por ejemplo “PROCESOS GOBERNANTES”)."
    ]
    assert database_state() == before


def test_it_refuses_a_report_without_goals(before):
    header_only = sample_rows()[:8]
    assert refused([InputFile("vacia.tsv", tsv_bytes(header_only))]) == [
        "vacia.tsv: El archivo no tiene metas: no hay filas bajo la fila de encabezado. "
        "Verifique que sea el reporte del mes."
    ]
    assert database_state() == before


def test_it_refuses_a_file_it_does_not_recognise(before):
    assert refused([InputFile("otra-cosa.csv", b"nombre,edad\nAna,30\n")]) == [
        "otra-cosa.csv: No se reconoce este archivo. Un reporte necesita una fila de "
        "encabezado con las columnas “Descripción de la unidad” (o “Unidad”), “Objetivo de la "
        "unidad”, “Indicador” y “Meta cuantificable”; el archivo de metadatos del portal "
        "empieza con “FECHA ACTUALIZACIÓN DE LA INFORMACIÓN” y su diccionario con "
        "“Institución”."
    ]
    assert database_state() == before


def test_a_data_set_without_its_metadata_needs_a_period(before):
    files = portal_files()
    del files["metadatos.csv"]
    inputs = [InputFile(name, data) for name, data in files.items()]
    assert refused(inputs) == [
        "1.3-metas-enero.csv: No se conoce el período: el conjunto de datos llegó sin su "
        "archivo de metadatos (el que empieza con “FECHA ACTUALIZACIÓN DE LA INFORMACIÓN”). "
        "Agregue el archivo de metadatos del mismo mes o indique el período (AAAA-MM)."
    ]
    assert database_state() == before
    # With the period given, the same files are accepted.
    assert import_report(inputs, period="2025-01").goals == 5


def test_a_matrix_without_update_date_needs_a_period(before):
    rows = [row for line, row in enumerate(sample_rows(), start=1) if line != 215]
    assert refused([InputFile("sin-fecha.tsv", tsv_bytes(rows))]) == [
        "sin-fecha.tsv: No se conoce el período: el reporte no tiene fecha de actualización "
        "(“FECHA ACTUALIZACIÓN DE LA INFORMACIÓN”). Agréguela al reporte o indique el período "
        "(AAAA-MM)."
    ]
    assert database_state() == before


def test_it_refuses_a_period_that_is_not_a_month(before):
    assert refused([sample_file()], period="2019-13") == [
        "loja-lotaip-a4-2019-08.tsv: El período “2019-13” no es un mes. Escríbalo como "
        "AAAA-MM, por ejemplo 2019-08."
    ]
    assert database_state() == before


def test_a_spreadsheet_problem_names_the_sheet_and_row(before):
    rows = edited_sample(l13_c5="101%")
    problems = refused([InputFile("metas.csv.xlsx", xlsx_bytes(rows, sheet_title="Metas"))])
    assert problems == [
        "metas.csv.xlsx, hoja “Metas”, fila 13, columna “Meta cuantificable”: El porcentaje "
        "“101%” no está entre 0% y 100%. Corrija el valor o escriba la meta como texto."
    ]
    assert database_state() == before


def test_every_file_is_checked_not_only_the_first(before):
    files = portal_files()
    files["metadatos.csv"] = csv_bytes([["FECHA ACTUALIZACIÓN DE LA INFORMACIÓN", "ayer"],
                                        ["PERIODICIDAD", "Mensual"]])
    files["otro.zip"] = b""
    problems = refused([InputFile(name, data) for name, data in files.items()])
    assert problems == [
        "otro.zip: El archivo está vacío. Exporte de nuevo el reporte y suba el archivo "
        "resultante.",
        "metadatos.csv, línea 1, columna “FECHA ACTUALIZACIÓN DE LA INFORMACIÓN”: La fecha de "
        "actualización “ayer” no es una fecha. Escríbala como día/mes/año, por ejemplo "
        "31/08/2019.",
    ]
    assert database_state() == before


def test_it_refuses_two_data_sets_or_a_matrix_with_portal_files(before):
    files = portal_files()
    inputs = [InputFile(name, data) for name, data in files.items()]
    problems = refused([*inputs, InputFile("copia.csv", files["1.3-metas-enero.csv"])])
    assert problems == [
        "copia.csv: Hay dos archivos de conjunto de datos, este y “1.3-metas-enero.csv”. "
        "Entregue solo los archivos de un mes."
    ]
    problems = refused([sample_file(), InputFile("metadatos.csv", files["metadatos.csv"])])
    assert problems == [
        "metadatos.csv: Este archivo del portal de transparencia (metadatos) no se puede "
        "importar junto con una matriz de reporte. Impórtelos por separado."
    ]
    assert database_state() == before


def test_a_value_too_long_for_the_database_is_refused_before_writing(before):
    rows = edited_sample(l13_c1="6.1.1.1.1.1.1.1.1.1.1.1")  # a unit code of 23 characters
    assert refused([InputFile("codigo.tsv", tsv_bytes(rows))]) == [
        "codigo.tsv, línea 13, columna “No.”: El texto es demasiado largo (23 caracteres; como "
        "máximo 20). Acórtelo."
    ]
    assert database_state() == before


def test_it_refuses_a_damaged_or_empty_zip_and_names_the_bad_member(before):
    portal = portal_files()
    members = {
        "enero/datos.csv": portal["1.3-metas-enero.csv"],
        "enero/basura.csv": bytes(range(256)) * 4,
        "enero/vacio.csv": b"",
    }
    problems = refused([
        InputFile("enero.zip", zip_bytes(members)),
        InputFile("roto.zip", zip_bytes(members)[:200]),
        InputFile("nada.zip", zip_bytes({"__MACOSX/._x": b"x", "carpeta/.DS_Store": b"x"})),
    ])
    assert problems == [
        "roto.zip: El archivo ZIP está dañado y no se puede abrir. Vuelva a crearlo y súbalo.",
        "nada.zip: El archivo ZIP no contiene archivos. Ponga en él los archivos CSV del mes.",
        "enero.zip/enero/basura.csv: No es un archivo de texto, una hoja de cálculo ni un PDF. "
        "Suba el reporte como se publicó: una hoja de cálculo (.xlsx, .xls, .ods), un PDF o un "
        "archivo CSV.",
        "enero.zip/enero/vacio.csv: El archivo está vacío. Exporte de nuevo el reporte y suba el "
        "archivo resultante.",
    ]
    assert database_state() == before


def test_reading_alone_reports_the_same_problems_without_a_database():
    rows = edited_sample(l13_c5="150%")
    with pytest.raises(ReportInvalid) as refusal:
        read_report([InputFile("malo.tsv", tsv_bytes(rows))])
    assert [(p.line, p.column, p.value) for p in refusal.value.problems] == [
        (13, "Meta cuantificable", "150%")
    ]


def test_no_file_at_all_is_refused():
    with pytest.raises(ReportInvalid) as refusal:
        read_report([])
    assert [str(p) for p in refusal.value.problems] == [
        "No se entregó ningún archivo. Elija el reporte del mes."
    ]
