"""The staff upload takes the report in the forms it is published (PDF, XLS, ODS, workbooks of
several sheets), says in the preview which form and sheet it read and what deserves a look,
and keeps the chosen sheet until publishing."""
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from metas.models import PendingUpload, Report

from .importer_files import sample_rows, tsv_bytes, two_report_workbook
from .staff_helpers import alicia, loja  # noqa: F401 (fixtures)
from .test_staff_upload import outcomes, text_of

pytestmark = pytest.mark.django_db
FIXTURES = Path(settings.BASE_DIR) / "fixtures"


@pytest.fixture
def signed_in(client, alicia):  # noqa: F811
    client.force_login(alicia)
    return client


def post(client, institution, files: dict[str, bytes], sheet=""):
    return client.post(reverse("metas:staff-upload"), {
        "institution": institution.pk,
        "period": "",
        "sheet": sheet,
        "files": [SimpleUploadedFile(name, data) for name, data in files.items()],
    })


def test_the_form_offers_the_published_forms_and_a_sheet_field(signed_in):
    page = signed_in.get(reverse("metas:staff-upload"))
    text = text_of(page)
    assert "Hoja (opcional)" in text
    assert "un PDF con texto, una hoja de cálculo .xlsx, .xls u .ods" in text
    assert 'accept=".csv,.tsv,.txt,.xlsx,.xls,.ods,.pdf,.zip,' in page.content.decode()


@pytest.mark.parametrize("extension, form", [
    ("pdf", "PDF, 13 páginas"),
    ("xls", "Libro de Excel 97-2003, hoja “Literal a4”"),
    ("ods", "Hoja de cálculo ODS, hoja “Literal a4”"),
])
def test_a_published_form_is_previewed_with_its_detected_form(signed_in, loja, extension, form):
    name = f"loja-lotaip-a4-2019-08.{extension}"
    response = post(signed_in, loja, {name: (FIXTURES / name).read_bytes()})
    assert response.status_code == 302, text_of(response)[:1500]
    page = signed_in.get(response["Location"])
    text = text_of(page)
    assert f"{name} " in text and form in text
    assert "137 metas" in text
    assert "Para revisar" not in text


def test_the_preview_lists_the_warnings(signed_in, loja):
    rows = [list(row) for row in sample_rows()]
    rows[12][2] = rows[12][2].replace(" ", "\x0c", 1)
    rows.insert(14, list(rows[13]))  # line 14 published again as line 15
    response = post(signed_in, loja, {"pegado.tsv": tsv_bytes(rows)})
    text = text_of(signed_in.get(response["Location"]))
    assert "Para revisar: 2 avisos" in text
    assert (
        "pegado.tsv, línea 13, columna “Objetivo de la unidad”: Este texto tenía caracteres de "
        "control (como un salto de página copiado de un PDF); cada uno se reemplazó por un "
        "espacio."
    ) in text
    assert "pegado.tsv, línea 14: Esta meta se publica otra vez" in text


def test_a_workbook_of_two_reports_needs_its_sheet_which_publishing_keeps(
    signed_in, loja, publishing
):
    workbook = two_report_workbook()
    refused = post(signed_in, loja, {"metas.xlsx": workbook})
    assert refused.status_code == 200
    assert "El libro tiene 2 hojas que parecen un reporte: “Agosto”, “Septiembre”." in (
        text_of(refused))

    response = post(signed_in, loja, {"metas.xlsx": workbook}, sheet="Septiembre")
    assert response.status_code == 302
    preview = text_of(signed_in.get(response["Location"]))
    assert "Vista previa: Municipio de Loja, septiembre de 2019" in preview
    assert "Libro de Excel, hoja “Septiembre”" in preview
    pending = PendingUpload.objects.get()
    with publishing():
        signed_in.post(reverse("metas:staff-publish", args=[pending.pk]))
    assert Report.objects.get().period.isoformat() == "2019-09-01"
    assert outcomes() == ["rejected", "previewed", "accepted"]
