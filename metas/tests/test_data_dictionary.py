"""/datos/: the exports explained, every exported field described, and the licence."""
import re

from django.urls import reverse

from metas.opendata.columns import goal_columns

from .factories import make_goal

DATA = reverse("metas:data-dictionary")


def text_of(response):
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def dictionary_rows(response):
    """(field, meaning, type) of each row of the data dictionary table."""
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append(tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells))
    return rows


def test_it_describes_every_column_of_the_export_in_spanish(client, db):
    make_goal()
    header = client.get(reverse("metas:goal-export-csv"))
    csv_columns = b"".join(header.streaming_content).decode("utf-8-sig").splitlines()[0].split(",")

    rows = dictionary_rows(client.get(DATA))

    assert [field for field, _, _ in rows] == csv_columns
    described = {field: (meaning, kind) for field, meaning, kind in rows}
    assert described["periodo"] == ("Mes al que corresponde el reporte.", "mes (AAAA-MM)")
    assert described["sin_financiamiento"][1] == "sí / no"
    assert described["parroquias"] == ("Parroquias que nombra el objetivo.", "lista de nombres")
    assert all(meaning and kind for meaning, kind in described.values())


def test_it_explains_the_downloads_the_encoding_and_the_neutralised_cells(client, db):
    response = client.get(DATA)

    text = text_of(response)
    html = response.content.decode()
    assert 'href="/metas.csv"' in html and 'href="/metas.json"' in html
    assert "aceptan todos los filtros de la lista de metas" in text
    assert "UTF-8 con marca de orden de bytes (BOM)" in text
    assert "empieza con =, +, -, @, un tabulador o un retorno de carro" in text
    assert "comilla simple (')" in text
    assert "<code>count</code>" in html and "<code>results</code>" in html


def test_it_states_the_licence_of_the_data(client, db):
    text = text_of(client.get(DATA))

    assert "Licencia" in text
    assert "información pública" in text
    assert "Ley Orgánica de Transparencia y Acceso a la Información Pública (LOTAIP)" in text
    assert "citando como fuente a la institución que los publicó" in text


def test_it_is_one_page_with_one_title_and_no_cookie(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the page's version; the prebuilt files and theirs
        response = client.get(DATA)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    title = "Datos abiertos: descargas y diccionario de datos · Transparencia Metas"
    assert f"<title>{title}</title>" in html
    assert '<meta name="description" content="Descargue las metas en CSV o JSON' in html
    assert not response.cookies


def test_the_columns_have_stable_names(db):
    """Column names are a data contract: renaming one breaks the users' scripts."""
    assert [column.name for column in goal_columns()] == [
        "id", "institucion", "periodo", "nivel", "codigo_unidad", "unidad", "unidad_superior",
        "objetivo", "indicador", "meta_publicada", "avance", "estado", "nota",
        "sin_financiamiento", "parroquias", "jdb", "cobertura", "enlace_verificacion",
        "archivo_fuente", "url_archivo_fuente", "linea_fuente", "ubicacion_fuente", "url",
        "url_serie",
        "ritmo", "avance_esperado", "meses_estancada", "motivo", "motivo_palabras", "vigente_al",
        "sin_cambios_desde", "leido_por_ocr", "revision_ocr",
    ]
