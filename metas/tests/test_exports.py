"""Open-data exports: /metas.csv and /metas.json, and the streaming helpers behind them."""
import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from metas.importer import InputFile, import_report
from metas.models import Goal, GoalParish, Parish
from metas.opendata.exports import Column, neutralise, stream_csv, stream_json

from .factories import (
    make_goal,
    make_institution,
    make_level,
    make_report,
    make_source_file,
    make_unit,
)

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
    dangerous = [
        "=1+1", "+593 7 257", "-2", "@SUMA(A1)", "\tcmd", "\r=1", "\0x",
        # Full-width signs and leading spaces run as formulas too (hardening, item 13).
        "＝1+1", "＋593", "－2", "＠SUMA(A1)", " =1+1", "\u00a0\u3000+1", "  @x",
        # The small signs, whose compatibility form is the sign (issue 20).
        "\ufe66HIPERVINCULO(x)", "\ufe62593", "\ufe632", "\ufe6bSUMA(A1)", " \ufe661+1",
    ]
    rows = [{"name": text, "value": "seguro"} for text in dangerous]

    records = read_csv("".join(stream_csv(rows, PLAIN_COLUMNS)))

    assert [record["nombre"] for record in records] == ["'" + text for text in dangerous]
    assert {record["valor"] for record in records} == {"seguro"}


def test_it_leaves_harmless_cells_alone():
    assert neutralise("Mejorar 2 = 2") == "Mejorar 2 = 2"
    assert neutralise("100% -- terminado") == "100% -- terminado"
    assert neutralise("") == ""
    assert neutralise("Año 2019 ﹦ meta") == "Año 2019 ﹦ meta"
    assert neutralise("Índice ≥ 90 %") == "Índice ≥ 90 %"
    assert neutralise("   ") == "   "
    assert neutralise(" Meta = 100 %") == " Meta = 100 %"


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



# --- /metas.csv and /metas.json -------------------------------------------------------------


def tag_collectively(goal, parish_slug, words):
    """Tag a goal with a parish it covers as one of "las parroquias rurales" (not named)."""
    parish = Parish.objects.get(slug=parish_slug)
    GoalParish.objects.create(goal=goal, parish=parish, matched_text=words, via_coverage=True)


def body(response):
    assert response.streaming, "exports must stream"
    return b"".join(response.streaming_content).decode("utf-8")


def csv_records(response):
    return read_csv(body(response))


@pytest.fixture
def august(db):
    """Loja's August 2019 report: a sub-unit goal naming Vilcabamba and a JDB, read from a
    stored file, and a goal for all rural parishes that does not apply."""
    loja = make_institution("Municipio de Loja")
    report = make_report(loja, "2019-08")
    source = make_source_file(report, name="reporte agosto.tsv")
    level = make_level(loja, "Nivel operativo")
    parent = make_unit(loja, "Gestión Ambiental", level=level, code="6")
    sub_unit = make_unit(name="Gestión de Calidad Ambiental", parent=parent, code="6.1")
    named = make_goal(
        report,
        sub_unit,
        objective="Abono orgánico parroquia Vilcabamba y JDB Carigán",
        target="20% Sólo posee estudios, no se ejecutó por falta de financiamiento",
        progress=Decimal("20.50"),
        note="Sólo posee estudios, no se ejecutó por falta de financiamiento",
        lacks_financing=True,
        verification_link="https://gpr.loja.gob.ec/",
        source_file=source,
        source_line=12,
        parishes=["vilcabamba"],
        neighbourhoods=["jdb-carigan"],
    )
    collective = make_goal(
        report,
        parent,
        objective="Mantenimiento vial en las parroquias rurales",
        progress=None,
        coverage=Goal.Coverage.RURAL,
    )
    tag_collectively(collective, "malacatos", "parroquias rurales")
    return report


def test_it_exports_every_field_of_every_goal_as_csv(client, august):
    named, collective = august.goals.order_by("position")

    response = client.get(reverse("metas:goal-export-csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    records = csv_records(response)
    assert len(records) == 2
    assert records[0] == {
        "id": str(named.pk),
        "institucion": "Municipio de Loja",
        "periodo": "2019-08",
        "nivel": "Nivel operativo",
        "codigo_unidad": "6.1",
        "unidad": "Gestión Ambiental - Gestión de Calidad Ambiental",
        "unidad_superior": "Gestión Ambiental",
        "objetivo": "Abono orgánico parroquia Vilcabamba y JDB Carigán",
        "indicador": "Porcentaje de avance",
        "meta_publicada": "20% Sólo posee estudios, no se ejecutó por falta de financiamiento",
        "avance": "20.5",
        "estado": "avance reportado",
        "nota": "Sólo posee estudios, no se ejecutó por falta de financiamiento",
        "sin_financiamiento": "sí",
        "parroquias": "Vilcabamba",
        "jdb": "Carigán",
        "cobertura": "",
        "enlace_verificacion": "https://gpr.loja.gob.ec/",
        "archivo_fuente": "reporte agosto.tsv",
        "url_archivo_fuente": "http://testserver"
        + reverse(
            "metas:source-file-download",
            args=["municipio-de-loja", "2019-08", named.source_file_id],
        ),
        "linea_fuente": "12",
        "ubicacion_fuente": "línea 12",
        "url": f"http://testserver/metas/{named.pk}/",
        "url_serie": f"http://testserver/municipio-de-loja/metas/{named.series}/"
        if named.series else "",
        # metas.accountability (test_accountability_exports.py)
        "ritmo": "atrasada",
        "avance_esperado": "66.67",
        "meses_estancada": "",
        "motivo": "",
        "motivo_palabras": "",
        "vigente_al": "2019-08-28",
        "sin_cambios_desde": "",
        "leido_por_ocr": "no",
        "revision_ocr": "",
    }
    # A parish covered as "one of the rural parishes" is not named: the coverage column says so.
    assert records[1]["parroquias"] == ""
    assert records[1]["cobertura"] == "todas las parroquias rurales"
    assert records[1]["estado"] == "no aplica"
    assert records[1]["avance"] == ""
    assert records[1]["sin_financiamiento"] == "no"
    assert records[1]["unidad_superior"] == ""


def test_it_serves_the_csv_as_an_attachment_named_by_the_server(client, august):
    response = client.get(reverse("metas:goal-export-csv"), {"q": "../../etc/passwd"})

    today = timezone.localdate()
    # Named after what it holds (test_export_names below); the path in the search is dropped.
    assert response["Content-Disposition"] == (
        f'attachment; filename="metas-recientes-{today:%Y-%m-%d}-busqueda-etcpasswd.csv"'
    )
    assert response.cookies == {}
    assert body(response).startswith("\ufeffid,institucion,periodo,")


def test_it_applies_the_filters_of_the_goal_list(client, august):
    catamayo = make_institution("Municipio de Catamayo")
    make_goal(make_report(catamayo, "2019-08"), objective="Educación vial")
    make_goal(make_report(august.institution, "2019-07"), objective="Educación ambiental en julio")

    def export(**params):
        return csv_records(client.get(reverse("metas:goal-export-csv"), params))

    default = export()
    by_parish = export(parroquia="vilcabamba")
    searched = export(q="educacion", periodo="todos")
    july = export(institucion="municipio-de-loja", periodo="2019-07")

    # Without a period, each institution's latest report.
    assert sorted((r["institucion"], r["periodo"]) for r in default) == [
        ("Municipio de Catamayo", "2019-08"),
        ("Municipio de Loja", "2019-08"),
        ("Municipio de Loja", "2019-08"),
    ]
    assert [r["objetivo"] for r in by_parish] == [
        "Abono orgánico parroquia Vilcabamba y JDB Carigán"
    ]
    assert sorted(r["objetivo"] for r in searched) == [
        "Educación ambiental en julio",
        "Educación vial",
    ]
    assert [r["objetivo"] for r in july] == ["Educación ambiental en julio"]


def test_it_neutralises_imported_text_a_spreadsheet_would_run(client, db):
    loja = make_institution()
    make_goal(
        make_report(loja),
        make_unit(loja, "@Unidad", code="-1"),
        objective="=1+1",
        indicator="+SUMA(A1:A9)",
        target="-5% =HYPERLINK(\"http://x\")",
        note="\tnota",
        verification_link="\r=cmd",
        progress=None,
        status=Goal.Status.TEXT,
    )

    [record] = csv_records(client.get(reverse("metas:goal-export-csv")))

    assert record["objetivo"] == "'=1+1"
    assert record["indicador"] == "'+SUMA(A1:A9)"
    assert record["meta_publicada"] == "'-5% =HYPERLINK(\"http://x\")"
    assert record["nota"] == "'\tnota"
    assert record["enlace_verificacion"] == "'\r=cmd"
    assert record["unidad"] == "'@Unidad"
    assert record["codigo_unidad"] == "'-1"


def test_it_refuses_invalid_filters_with_a_spanish_message(client, august):
    params = {"periodo": "agosto", "avance_min": "x"}

    response = client.get(reverse("metas:goal-export-csv"), params)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("Los filtros de esta dirección no son válidos:")
    assert "- periodo: " in text
    assert "- avance_min: " in text
    assert response.cookies == {}


def test_it_exports_json_with_the_count_the_filters_and_the_same_fields(client, august):
    named = august.goals.get(position=1)
    csv_rows = csv_records(client.get(reverse("metas:goal-export-csv"), {"periodo": "2019-08"}))

    params = {"periodo": "2019-08", "orden": "avance"}

    response = client.get(reverse("metas:goal-export-json"), params)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.cookies == {}
    document = json.loads(body(response))
    assert document["count"] == 2
    assert document["filters"] == {"periodo": "2019-08"}
    first = document["results"][0]
    assert list(first) == list(csv_rows[0])
    assert first["id"] == named.pk
    assert first["avance"] == 20.5
    assert first["sin_financiamiento"] is True
    assert first["parroquias"] == ["Vilcabamba"]
    assert first["jdb"] == ["Carigán"]
    assert first["linea_fuente"] == 12
    # JSON is not for spreadsheets: text is kept exactly as published.
    assert first["meta_publicada"] == named.target
    second = document["results"][1]
    assert second["avance"] is None
    assert second["cobertura"] == "todas las parroquias rurales"


def test_it_answers_invalid_json_filters_with_a_json_error(client, august):
    response = client.get(reverse("metas:goal-export-json"), {"institucion": "no-existe"})

    assert response.status_code == 400
    document = json.loads(response.content)
    assert document["error"].startswith("Los filtros de esta dirección no son válidos:")
    assert list(document["filters"]) == ["institucion"]


def test_it_counts_and_exports_an_empty_selection(client, august):
    response = client.get(reverse("metas:goal-export-json"), {"periodo": "2001-01"})

    assert json.loads(body(response)) == {
        "count": 0,
        "filters": {"periodo": "2001-01"},
        "results": [],
    }
    assert csv_records(client.get(reverse("metas:goal-export-csv"), {"periodo": "2001-01"})) == []


@pytest.mark.parametrize("export", ["metas:goal-export-csv", "metas:goal-export-json"])
def test_it_reads_the_same_number_of_queries_for_few_or_many_goals(
    client, august, export, django_assert_max_num_queries
):
    params = {"institucion": "municipio-de-loja", "parroquia": "vilcabamba", "periodo": "todos"}

    with django_assert_max_num_queries(7) as few:  # the publication version + 6
        body(client.get(reverse(export), params))
    unit = august.goals.first().unit
    for _ in range(40):
        make_goal(
            august,
            unit,
            objective="Obra en Vilcabamba",
            parishes=["vilcabamba"],
            neighbourhoods=["jdb-carigan"],
        )
    with django_assert_max_num_queries(len(few)) as many:
        content = body(client.get(reverse(export), params))

    assert content.count("Obra en Vilcabamba") == 40


def test_it_round_trips_the_imported_sample_report(client, db):
    sample = Path(settings.BASE_DIR) / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
    report = import_report([InputFile(sample.name, sample.read_bytes())]).report

    records = csv_records(client.get(reverse("metas:goal-export-csv")))
    document = json.loads(body(client.get(reverse("metas:goal-export-json"))))

    goals = {
        goal.pk: goal
        for goal in Goal.objects.filter(report=report).select_related("unit", "source_file")
    }
    assert len(records) == len(goals) == document["count"] == len(document["results"]) == 137
    for record, result in zip(records, document["results"]):
        goal = goals[int(record["id"])]
        assert result["id"] == goal.pk
        assert record["periodo"] == result["periodo"] == "2019-08"
        assert result["objetivo"] == goal.objective
        assert record["objetivo"] == neutralise(goal.objective)
        assert result["meta_publicada"] == goal.target
        assert result["unidad"] == goal.unit.published_name
        assert result["avance"] == (None if goal.progress is None else float(goal.progress))
        assert int(record["linea_fuente"]) == result["linea_fuente"] == goal.source_line
        assert record["archivo_fuente"] == sample.name
    # Every line of the export is a goal of the file, in the file's order.
    assert [int(record["linea_fuente"]) for record in records] == sorted(
        goal.source_line for goal in goals.values()
    )
    not_applicable = [r for r in document["results"] if r["estado"] == "no aplica"]
    assert len(not_applicable) == 15
    assert sum(r["sin_financiamiento"] for r in document["results"]) == 32


# --- File names, ?sep=; and the links --------------------------------------------------------


def disposition(client, export, params):
    response = client.get(reverse(export), params)
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)  # sent: its slot is free (metas.http.slots)
    return response["Content-Disposition"]


@pytest.mark.parametrize(
    "params, stem",
    [
        ({}, "metas-recientes-{today}"),
        ({"periodo": "todos"}, "metas-todos-los-periodos-{today}"),
        ({"institucion": "municipio-de-loja", "periodo": "2019-08"}, "metas-municipio-de-loja-2019-08"),
        # A level names its institution; the level is named by its name, not its global slug.
        ({"nivel": "{level}", "periodo": "2019-08"}, "metas-municipio-de-loja-2019-08-nivel-operativo"),
        ({"unidad": "{unit}"}, "metas-municipio-de-loja-recientes-{today}-gestion-de-calidad-ambiental"),
        ({"parroquia": "vilcabamba", "colectivas": "1"}, "metas-recientes-{today}-vilcabamba-con-colectivas"),
        ({"avance_min": "12.5", "avance_max": "50"}, "metas-recientes-{today}-avance-desde-12.5-avance-hasta-50"),
        ({"avance": "0-24", "sin_financiamiento": "1", "estancada": "3"},
         "metas-recientes-{today}-avance-0-24-sin-financiamiento-estancada-3-meses"),
        ({"orden": "posicion"}, "metas-recientes-{today}"),
        ({"orden": "-avance", "ritmo": "atrasada"}, "metas-recientes-{today}-ritmo-atrasada-orden-avance"),
    ],
)
@pytest.mark.parametrize("export, extension", [
    ("metas:goal-export-csv", "csv"), ("metas:goal-export-json", "json"),
    ("metas:goal-export-xlsx", "xlsx"),
])
def test_export_names_say_what_the_file_holds(client, august, params, stem, export, extension):
    unit = august.goals.get(position=1).unit
    values = {"level": unit.level.slug, "unit": unit.slug}
    params = {name: value.format(**values) for name, value in params.items()}
    today = f"{timezone.localdate():%Y-%m-%d}"

    name = f"{stem.format(today=today)}.{extension}"
    # (The UTF-8 form that may follow is test_a_name_with_accents_...'s.)
    assert disposition(client, export, params).startswith(f'attachment; filename="{name}"')


def test_a_name_with_accents_has_an_ascii_and_a_utf8_form(client, august):
    today = f"{timezone.localdate():%Y-%m-%d}"

    header = disposition(client, "metas:goal-export-csv", {"q": "educación ñandú"})

    stem = f"metas-recientes-{today}-busqueda-"
    assert header == (
        f'attachment; filename="{stem}educacion-nandu.csv"; '
        f"filename*=UTF-8''{stem}educaci%C3%B3n-%C3%B1and%C3%BA.csv"
    )


def test_a_long_name_is_cut_and_two_long_names_stay_apart(client, august):
    first = disposition(client, "metas:goal-export-csv", {"q": "palabra " * 15 + "uno"})
    second = disposition(client, "metas:goal-export-csv", {"q": "palabra " * 15 + "dos"})

    name = first.split('filename="')[1].rstrip('"')
    assert len(name) <= 124 and name.endswith(".csv")
    assert first != second


def read_semicolon_csv(text):
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))


def test_the_semicolon_csv_holds_the_same_rows_with_decimal_commas(client, august):
    default = csv_records(client.get(reverse("metas:goal-export-csv"), {"periodo": "todos"}))

    response = client.get(reverse("metas:goal-export-csv"), {"periodo": "todos", "sep": ";"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    semicolon = read_semicolon_csv(body(response))
    assert semicolon[0]["avance"] == "20,5"
    assert semicolon[0]["avance_esperado"] == "66,67"
    assert semicolon[0]["parroquias"] == "Vilcabamba"
    numbers = {"avance", "avance_esperado"}
    assert [
        {name: value.replace(",", ".") if name in numbers else value
         for name, value in record.items()}
        for record in semicolon
    ] == default
    assert set(default[0]) == set(semicolon[0])


def test_the_semicolon_csv_is_never_the_prebuilt_comma_file(client, august, settings, tmp_path):
    settings.METAS_DOWNLOADS_ROOT = str(tmp_path)
    from metas.opendata import downloads

    downloads.rebuild()
    comma = client.get(reverse("metas:goal-export-csv"), {"periodo": "todos"})
    semicolon = client.get(reverse("metas:goal-export-csv"), {"periodo": "todos", "sep": ";"})
    plain_comma = client.get(reverse("metas:goal-export-csv"), {"periodo": "todos", "sep": ","})

    assert b"".join(comma.streaming_content).startswith("\ufeffid,".encode())
    assert body(semicolon).startswith("\ufeffid;institucion;")
    assert plain_comma["ETag"] == comma["ETag"]  # the prebuilt file: sep=, is the default


@pytest.mark.parametrize("separator", ["x", "\t", ";;", "|", ""])
def test_any_other_separator_is_a_spanish_400(client, august, separator):
    response = client.get(reverse("metas:goal-export-csv"), {"sep": separator})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("El separador «")
    assert "sep=;" in response.content.decode()


def test_the_goal_list_links_every_format_with_its_filters(client, august):
    response = client.get(reverse("metas:goal-list"), {"parroquia": "vilcabamba"})

    html = response.content.decode()
    assert '<a href="/metas.xlsx?parroquia=vilcabamba">Descargar Excel (XLSX)</a>' in html
    assert '<a href="/metas.csv?parroquia=vilcabamba">Descargar CSV</a>' in html
    assert '<a href="/metas.csv?parroquia=vilcabamba&amp;sep=%3B">CSV para Excel (;)</a>' in html
    assert '<a href="/metas.json?parroquia=vilcabamba">Descargar JSON</a>' in html
    unfiltered = client.get(reverse("metas:goal-list")).content.decode()
    assert '<a href="/metas.xlsx">' in unfiltered
    assert '<a href="/metas.csv?sep=%3B">' in unfiltered


@pytest.mark.parametrize("export", ["metas:goal-export-csv", "metas:goal-export-json",
                                    "metas:goal-export-datapackage"])
def test_a_selection_too_large_to_make_on_request_is_sent_to_the_prebuilt_file(
    client, august, export, monkeypatch
):
    from metas.views import exports

    goals = august.goals.count()
    monkeypatch.setattr(exports, "STREAM_MAX_ROWS", goals - 1)
    # Semicolons are not prebuilt: this selection would be read from the database.
    response = client.get(reverse(export), {"institucion": "municipio-de-loja", "sep": ";"})
    assert response.status_code == 400
    assert response.content.decode() == (
        f"Esta selección tiene {goals} metas; los archivos hechos a pedido llevan hasta "
        f"{goals - 1}. Elija una institución o un período, o descargue el conjunto de datos "
        "completo, ya listo como archivo (CSV separado por comas; Excel lo abre con Datos > "
        "Desde el texto/CSV): http://testserver/metas.csv?periodo=todos\n"
    )
    monkeypatch.setattr(exports, "STREAM_MAX_ROWS", goals)
    assert client.get(reverse(export), {"institucion": "municipio-de-loja"}).status_code == 200


def test_one_client_gets_thirty_files_made_on_request_a_minute(client, august, settings):
    settings.PROXY_COUNT = 1
    flood = Client(HTTP_X_FORWARDED_FOR="203.0.113.7")
    url = reverse("metas:goal-export-csv")
    answers = []
    for n in range(31):
        response = flood.get(url, {"institucion": "municipio-de-loja", "q": f"w{n}"})
        answers.append(response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)  # sent: its slot is free (metas.http.slots)
    assert answers == [200] * 30 + [429]
    limited = flood.get(url, {"institucion": "municipio-de-loja"})
    assert limited["Retry-After"] == "60"
    assert limited.content.decode().startswith("Demasiados archivos hechos a pedido")
    other = Client(HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert other.get(url, {"institucion": "municipio-de-loja"}).status_code == 200


@pytest.mark.parametrize("export", ["metas:goal-export-csv", "metas:goal-export-json",
                                    "metas:goal-export-xlsx",
                                    "metas:goal-export-datapackage"])
def test_while_every_slot_makes_a_file_another_is_refused_at_once_and_pages_answer(
    client, august, settings, export
):
    """Files made on request take a node's EXPORT_SLOTS (metas.http.slots), so that readers of
    the pages keep a worker: one more waits for none of them and is told to come back."""
    settings.METAS_EXPORT_SLOTS = 1
    url = reverse("metas:goal-export-csv")
    making = client.get(url, {"institucion": "municipio-de-loja", "sep": ";"})
    assert making.status_code == 200 and making.streaming  # being sent, slowly

    refused = client.get(reverse(export), {"institucion": "municipio-de-loja", "q": "agua"})
    assert (refused.status_code, refused["Retry-After"]) == (503, "10")
    assert refused.content.decode() == (
        "El sitio está haciendo otros archivos a pedido en este momento. Vuelva a intentarlo "
        "en unos segundos, o descargue el conjunto de datos completo, que ya está listo: "
        "/metas.csv?periodo=todos\n")
    assert client.get("/").status_code == 200

    assert "Vilcabamba" in b"".join(making.streaming_content).decode()  # all sent: slot free
    again = client.get(reverse(export), {"institucion": "municipio-de-loja", "q": "agua"})
    assert again.status_code == 200
