"""Staff upload: files → preview (what it holds, what changed) → publish or cancel."""
import re

import pytest
from django.urls import reverse

from metas.models import Goal, ImportLog, PendingUpload, Report

from .importer_files import database_state, portal_files, zip_bytes
from .staff_helpers import (  # noqa: F401 (fixtures)
    ADDED,
    LOWERED,
    NOW_NOT_APPLICABLE,
    RAISED,
    REMOVED,
    SAMPLE,
    alicia,
    catamayo,
    import_august,
    loja,
    media_files,
    sample_text,
    september_bytes,
    sofia,
    upload,
)

pytestmark = pytest.mark.django_db

SEPTEMBER = "loja-lotaip-a4-2019-09.tsv"


def text_of(response) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def outcomes():
    return list(ImportLog.objects.order_by("pk").values_list("outcome", flat=True))


@pytest.fixture
def august(loja):
    return import_august().report


@pytest.fixture
def signed_in(client, alicia):
    client.force_login(alicia)
    return client


def preview_of(client, loja, files=None, period=""):
    response = upload(client, files or {SEPTEMBER: september_bytes()}, loja, period)
    assert response.status_code == 302, text_of(response)[:2000]
    pending = PendingUpload.objects.get()
    assert response["Location"] == reverse("metas:staff-preview", args=[pending.pk])
    return pending, client.get(response["Location"])


# --- The form -------------------------------------------------------------------------------

def test_it_offers_only_the_institutions_of_the_user(signed_in, loja, catamayo):
    page = signed_in.get(reverse("metas:staff-upload"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Publicar un reporte" in html
    assert f'<option value="{loja.pk}">Municipio de Loja</option>' in html
    assert "Catamayo" not in html
    assert 'type="file"' in html and "multiple" in html


def test_it_tells_a_user_without_institution_to_ask_for_one(client, db):
    from .staff_helpers import make_user

    client.force_login(make_user("nadia"))
    page = client.get(reverse("metas:staff-upload"))
    assert "no está asignado a ninguna institución" in text_of(page)


# --- The preview ----------------------------------------------------------------------------

def test_the_preview_shows_what_will_be_published_and_stores_nothing(signed_in, loja, august):
    before = database_state()
    pending, page = preview_of(signed_in, loja)
    assert page.status_code == 200
    text = text_of(page)
    assert "Vista previa: Municipio de Loja, septiembre de 2019" in text
    assert "Todavía no se ha publicado nada" in text
    # Files: name, size, SHA-256, what was read in them.
    assert SEPTEMBER in text
    assert pending.files[0]["sha256"] in text
    assert "TSV" in text and "utf-8" in text
    # Counts by level.
    assert "137 metas" in text  # one goal gone, one new
    assert "PROCESOS GOBERNANTES / NIVEL DIRECTIVO" in text
    # Nothing published: the database is as before.
    assert database_state() == before
    assert Report.objects.filter(period="2019-09-01").count() == 0
    assert outcomes() == ["previewed"]


def test_the_preview_shows_the_lotaip_check_as_if_published_today(signed_in, loja, august):
    _, page = preview_of(signed_in, loja)
    text = text_of(page)
    assert "Cumplimiento LOTAIP" in text and "(si se publica hoy)" in text
    assert "Falta 1 de los siete campos del pie" in text
    # Published today, years after September 2019: the deadline criterion loses points, and says why.
    late = next(result for result in page.context["check"].results if result.code == "deadline")
    assert late.score < 1 and late.reason in text


def test_the_preview_lists_the_changes_since_the_previous_month(signed_in, loja, august):
    _pending, page = preview_of(signed_in, loja)
    text = text_of(page)
    assert "Cambios desde agosto de 2019" in text
    assert "El avance cambió en 2 metas" in text
    assert re.search(r"Zoológico .* 70 % 85 % subió", text)
    assert re.search(r"fachada del mercado centro comercial Loja 90 % 80 % bajó", text)
    human_resources = "23 Dirección de Recursos Humanos"
    assert f"1 meta nueva Unidad Objetivo Avance {human_resources} {ADDED} 10 %" in text
    assert (
        f"1 meta que ya no se reporta Unidad Objetivo Último avance 26 Regeneración Urbana "
        f"{REMOVED} 70 %"
    ) in text
    assert (
        f"1 meta que ahora no aplica Unidad Objetivo Antes {human_resources} "
        f"{NOW_NOT_APPLICABLE} 90 %"
    ) in text
    # The retyped goal (accents, spacing) is the same goal, so it is not listed as new.
    assert "Senalizacion vial" not in text


def test_the_preview_of_a_first_report_says_there_is_nothing_to_compare(signed_in, loja):
    _pending, page = preview_of(signed_in, loja, {SAMPLE.name: SAMPLE.read_bytes()})
    assert "primer reporte de la institución" in text_of(page)


def test_the_preview_warns_that_publishing_replaces_an_existing_period(signed_in, loja, august):
    _pending, page = preview_of(signed_in, loja, {SAMPLE.name: SAMPLE.read_bytes()})
    text = text_of(page)
    assert "Este período ya está publicado" in text
    assert "Al publicar, se reemplaza por completo" in text
    assert "Publicar y reemplazar" in text


def test_it_reads_the_three_portal_files_in_a_zip(signed_in, loja):
    archive = zip_bytes(portal_files())
    pending, page = preview_of(signed_in, loja, {"enero.zip": archive})
    text = text_of(page)
    assert page.status_code == 200
    assert "enero, 2025" not in text  # the period is named in Spanish words
    assert "Vista previa: Municipio de Loja, enero de 2025" in text
    assert "1.3-metas-enero.csv: conjunto de datos" in text
    assert "cp850" in text
    assert [entry["name"] for entry in pending.files] == ["enero.zip"]


def test_a_period_given_in_the_form_wins_over_the_update_date(signed_in, loja):
    _pending, page = preview_of(signed_in, loja, {SAMPLE.name: SAMPLE.read_bytes()}, "2019-07")
    assert "Vista previa: Municipio de Loja, julio de 2019" in text_of(page)


def test_it_refuses_a_period_that_is_not_a_month(signed_in, loja):
    page = upload(signed_in, {SAMPLE.name: SAMPLE.read_bytes()}, loja, "2019-13")
    assert page.status_code == 200
    assert "Escriba el período como AAAA-MM" in text_of(page)
    assert PendingUpload.objects.count() == 0


# --- Publish and cancel ---------------------------------------------------------------------

def test_publishing_stores_the_report_and_deletes_the_pending_files(
    signed_in, loja, alicia, august, publishing
):
    pending, _page = preview_of(signed_in, loja)
    assert media_files().count(f"pending/{pending.pk}/1") == 1

    with publishing():
        response = signed_in.post(reverse("metas:staff-publish", args=[pending.pk]))

    september = Report.objects.get(institution=loja, period="2019-09-01")
    assert response.status_code == 302
    assert response["Location"] == reverse("metas:staff-published", args=[pending.pk])
    assert september.published_by == alicia
    assert september.goal_count == 137
    assert september.files.get().original_name == SEPTEMBER
    # The upload is remembered as published (a second "Publicar" is told so); its files go.
    assert PendingUpload.objects.values_list("decision", "report").get() == (
        "published", september.pk
    )
    assert not [name for name in media_files() if name.startswith("pending/")]
    assert outcomes() == ["previewed", "accepted"]
    log = ImportLog.objects.order_by("pk").last()
    assert (log.user, log.source, log.institution, log.period) == (
        alicia, "web", "Municipio de Loja", "2019-09"
    )
    assert log.counts["goals"] == 137


def test_publishing_links_each_goal_to_the_previous_month(signed_in, loja, august):
    pending, _page = preview_of(signed_in, loja)
    signed_in.post(reverse("metas:staff-publish", args=[pending.pk]))
    september = Goal.objects.filter(report__period="2019-09-01")
    raised = september.get(objective=RAISED)
    assert (raised.change, raised.previous_progress, raised.progress) == ("sube", 70, 85)
    assert raised.series == raised.previous.series
    assert september.get(objective=LOWERED).change == "baja"
    assert september.get(objective=ADDED).change == "nueva"
    # 90 % one month, "no aplica" the next: a change, but neither up nor down.
    assert list(september.filter(change="").values_list("objective", flat=True)) == [
        NOW_NOT_APPLICABLE
    ]


def test_republishing_a_period_replaces_it(signed_in, loja, august):
    pending, _page = preview_of(signed_in, loja, {SAMPLE.name: SAMPLE.read_bytes()})
    signed_in.post(reverse("metas:staff-publish", args=[pending.pk]))
    assert Report.objects.filter(institution=loja).count() == 1
    assert Goal.objects.filter(report__institution=loja).count() == 137


def test_cancelling_discards_the_upload_and_its_files(
    signed_in, loja, august, publishing
):
    before = database_state()
    pending, _page = preview_of(signed_in, loja)

    with publishing():
        response = signed_in.post(reverse("metas:staff-cancel", args=[pending.pk]), follow=True)

    assert "se descartó" in text_of(response)
    assert PendingUpload.objects.values_list("decision", flat=True).get() == "cancelled"
    assert not [name for name in media_files() if name.startswith("pending/")]
    assert database_state() == before
    assert outcomes() == ["previewed", "cancelled"]


@pytest.mark.parametrize("action", ["staff-publish", "staff-cancel"])
def test_publish_and_cancel_refuse_get(signed_in, loja, august, action):
    pending, _page = preview_of(signed_in, loja)
    assert signed_in.get(reverse(f"metas:{action}", args=[pending.pk])).status_code == 405
    assert PendingUpload.objects.count() == 1


@pytest.mark.parametrize("action", ["staff-publish", "staff-cancel"])
def test_publish_and_cancel_need_the_csrf_token(client, alicia, loja, august, action):
    from django.test import Client

    client.force_login(alicia)
    pending, _page = preview_of(client, loja)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alicia)
    assert strict.post(reverse(f"metas:{action}", args=[pending.pk])).status_code == 403
    assert PendingUpload.objects.count() == 1


def test_the_upload_form_needs_the_csrf_token(alicia, loja):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alicia)
    response = strict.post(
        reverse("metas:staff-upload"),
        {"institution": loja.pk, "files": [SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())]},
    )
    assert response.status_code == 403
    assert PendingUpload.objects.count() == 0


# --- Bad uploads ----------------------------------------------------------------------------

def broken_sample() -> bytes:
    """The sample with two percentages out of range, on lines 19 and 28."""
    lines = sample_text().split("\n")
    lines[18] = lines[18].replace("\t70%", "\t170%")
    lines[27] = lines[27].replace("\t90%", "\t190%")
    return "\n".join(lines).encode("utf-8")


def test_a_bad_file_shows_every_error_and_leaves_everything_as_it_was(signed_in, loja, august):
    before, files_before = database_state(), media_files()

    page = upload(signed_in, {"agosto-corregido.tsv": broken_sample()}, loja)

    assert page.status_code == 200
    text = text_of(page)
    assert "No se publicó nada" in text
    assert re.search(r"agosto-corregido\.tsv, línea 19, columna “Meta cuantificable”: .*170", text)
    assert re.search(r"agosto-corregido\.tsv, línea 28, columna “Meta cuantificable”: .*190", text)
    assert "la carga tiene 2 errores" in text
    assert database_state() == before
    assert media_files() == files_before
    assert PendingUpload.objects.count() == 0
    log = ImportLog.objects.order_by("pk").last()
    assert (log.outcome, log.file_names, log.institution) == (
        "rejected", "agosto-corregido.tsv", "Municipio de Loja"
    )
    assert log.error_count == 2


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "El archivo está vacío"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "No se puede leer el PDF: está dañado"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200,
         "No se puede leer la hoja de cálculo: está dañada o no es un libro de Excel 97-2003"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
         "No es un archivo de texto, una hoja de cálculo ni un PDF"),
    ],
)
def test_it_says_what_the_importer_says_of_a_file_that_is_no_report(signed_in, loja, content, message):
    files_before = media_files()
    page = upload(signed_in, {"reporte.csv": content}, loja)
    assert f"reporte.csv: {message}" in text_of(page)
    assert Report.objects.count() == 0
    assert media_files() == files_before
    assert outcomes() == ["rejected"]


def test_it_refuses_uploads_over_the_size_limit_before_reading_them(signed_in, loja, settings):
    settings.METAS_MAX_UPLOAD_BYTES = 10_000
    page = upload(signed_in, {SAMPLE.name: SAMPLE.read_bytes()}, loja)
    assert page.status_code == 200
    assert "Los archivos suman más de 9,8" in text_of(page)
    assert PendingUpload.objects.count() == 0 and Report.objects.count() == 0


def test_the_size_limit_counts_all_the_files_together(signed_in, loja, settings):
    settings.METAS_MAX_UPLOAD_BYTES = 30_000
    half = SAMPLE.read_bytes()[:20_000]
    page = upload(signed_in, {"a.tsv": half, "b.tsv": half}, loja)
    assert "Los archivos suman más de" in text_of(page)
    assert PendingUpload.objects.count() == 0


def test_it_asks_for_a_file(signed_in, loja):
    page = signed_in.post(reverse("metas:staff-upload"), {"institution": loja.pk})
    assert "Elija al menos un archivo" in text_of(page)


# --- Superusers -----------------------------------------------------------------------------

def test_a_superuser_may_let_the_files_name_the_institution(client, sofia, db):
    client.force_login(sofia)
    response = upload(client, {"enero.zip": zip_bytes(portal_files())}, None)
    assert response.status_code == 302
    page = client.get(response["Location"])
    institution = "Gobierno Autónomo Descentralizado Municipal de Loja"
    assert f"Vista previa: {institution}, enero de 2025" in text_of(page)
    pending = PendingUpload.objects.get()
    client.post(reverse("metas:staff-publish", args=[pending.pk]))
    report = Report.objects.get()
    assert report.institution.name == "Gobierno Autónomo Descentralizado Municipal de Loja"
    assert report.published_by == sofia


def test_old_pending_uploads_are_forgotten(
    signed_in, loja, august, publishing
):
    from datetime import timedelta

    from django.utils import timezone

    first, _page = preview_of(signed_in, loja)
    PendingUpload.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=2))
    with publishing():
        upload(signed_in, {SEPTEMBER: september_bytes()}, loja)
    assert not PendingUpload.objects.filter(pk=first.pk).exists()
    assert not [name for name in media_files() if name.startswith(f"pending/{first.pk}")]


def test_the_upload_stops_being_read_once_past_the_limit(rf):
    from django.core.files.uploadhandler import StopUpload

    from metas.staff.forms import UploadLimitHandler

    request = rf.post("/gestion/")
    handler = UploadLimitHandler(request, limit=10)
    assert handler.receive_data_chunk(b"12345678", 0) == b"12345678"
    with pytest.raises(StopUpload) as stop:
        handler.receive_data_chunk(b"12345678", 8)
    assert stop.value.connection_reset is False  # the browser still gets the form's answer
    assert request.upload_too_large is True
