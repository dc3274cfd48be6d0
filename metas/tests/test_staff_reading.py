"""A scan or a long PDF uploaded on the web is read by the worker (`manage.py db_worker`, run
here for real), not inside the staff's request: the upload stores the files and answers at
once with a page that says how far the reading is and reloads itself; with the worker stopped
it says the reading waits and the files are kept (never a 5xx); once read, the same address is
the preview, or the upload form with the problems. The import log says "previewed" or
"rejected", as for an upload read in the request. A ZIP archive holding a scan goes the same
way, its member read once."""
import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from PIL import Image

from metas.importer import pdf
from metas.importer.scanned import Scan
from metas.models import ImportLog, PendingUpload, Report
from metas.staff import pending as pending_uploads
from metas.staff import reading

from .conftest import run_worker
from .scan_files import FIXTURES, SCAN_PAGES, image_pdf, pages_scan  # noqa: F401
from .scan_files import requires_tesseract  # noqa: F401 (fixture)
from .staff_helpers import alicia, loja, media_files, upload  # noqa: F401 (fixtures)
from .test_staff_scanned_upload import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("requires_tesseract")]
SAMPLE_PDF = FIXTURES / "loja-lotaip-a4-2019-08.pdf"


@pytest.fixture
def signed_in(client, alicia):  # noqa: F811
    client.force_login(alicia)
    return client


def upload_now(client, files, loja, capture):  # noqa: F811
    """The upload, its on-commit work run (the worker's task enqueued): its pending upload,
    and the page it is sent to."""
    with capture(execute=True):
        response = upload(client, files, loja, "2019-08")
    assert response.status_code == 302, text_of(response)[:2000]
    pending = PendingUpload.objects.get()
    assert response["Location"] == reverse("metas:staff-preview", args=[pending.pk])
    return pending, response["Location"]


def test_a_scan_is_stored_at_once_and_its_page_waits_for_the_worker_then_is_the_preview(
        signed_in, loja, alicia, django_capture_on_commit_callbacks):  # noqa: F811
    pending, address = upload_now(signed_in, {SCAN_PAGES.name: SCAN_PAGES.read_bytes()}, loja,
                                  django_capture_on_commit_callbacks)
    assert pending.state == "reading" and "scan" not in pending.files[0]
    assert not ImportLog.objects.exists()  # the worker's reading writes the log's row
    # The upload form leads back to it.
    form = signed_in.get(reverse("metas:staff-upload")).content.decode()
    assert "todavía se están leyendo" in form and f'href="{address}"' in form

    # The worker is not running: the page says the reading waits, and reloads itself.
    page = signed_in.get(address)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    text = text_of(page)
    assert "Leyendo el archivo" in text and SCAN_PAGES.name in text
    assert "La lectura está en espera" in text and "no se ha publicado nada" in text
    # "Publicar" before it is read publishes nothing: back to the page.
    published = signed_in.post(reverse("metas:staff-publish", args=[pending.pk]))
    assert published["Location"] == address and not Report.objects.exists()
    # Still not started a few minutes later: the page says the worker is stopped or busy.
    PendingUpload.objects.filter(pk=pending.pk).update(
        created_at=pending.created_at - timedelta(minutes=3))
    text = text_of(signed_in.get(address))
    assert "el servicio que lee los archivos está detenido o muy ocupado" in text
    assert "Los archivos quedan guardados: puede cerrar esta página y volver más tarde" in text

    run_worker()

    pending.refresh_from_db()
    assert (pending.state, pending.progress["done"], pending.progress["total"]) == (
        "ready", 3, 3)
    assert pending_uploads.scan_of(pending.files[0]) == Scan.from_json(pages_scan())
    preview = signed_in.get(address)
    assert "http-equiv" not in preview.content.decode()
    assert "Leído de un PDF escaneado" in text_of(preview)
    log = ImportLog.objects.get()
    assert (log.outcome, log.user, log.source) == ("previewed", alicia, "web")


def test_the_page_says_how_far_the_reading_is(signed_in, loja,
                                              django_capture_on_commit_callbacks):  # noqa: F811
    pending, address = upload_now(signed_in, {SCAN_PAGES.name: SCAN_PAGES.read_bytes()}, loja,
                                  django_capture_on_commit_callbacks)
    reading.note_start(pending)  # what the worker writes as it starts, then after each page
    assert "Leyendo el archivo…" in text_of(signed_in.get(address))
    reading.note_progress(pending, 2, 3)
    page = signed_in.get(address)
    assert "Leyendo el archivo: página 2 de 3…" in text_of(page)
    assert '<progress value="2" max="3">' in page.content.decode()


def test_a_scan_with_problems_gives_the_upload_form_with_them_and_its_files_go(
        signed_in, loja, django_capture_on_commit_callbacks):  # noqa: F811
    blank = image_pdf([Image.new("L", (1654, 1169), 255)])
    pending, address = upload_now(signed_in, {"blanco.pdf": blank}, loja,
                                  django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()

    page = signed_in.get(address)
    assert page.status_code == 200
    text = text_of(page)
    assert "No se publicó nada: la carga tiene 1 error." in text
    assert ("blanco.pdf: No se reconoce ninguna tabla en este PDF escaneado: no es un reporte "
            "de metas y objetivos") in text
    assert "Revisar los archivos" in text  # the upload form, to try again
    html = page.content.decode()
    assert f'<option value="{loja.pk}" selected>' in html and 'value="2019-08"' in html
    assert ImportLog.objects.get().outcome == "rejected"
    assert PendingUpload.objects.get().state == "refused"
    assert not [name for name in media_files() if name.startswith("pending/")]
    # "Cancelar" (a page left open) or "Publicar" now: back to the problems, never a 5xx.
    for action in ("metas:staff-cancel", "metas:staff-publish"):
        response = signed_in.post(reverse(action, args=[pending.pk]))
        assert (response.status_code, response["Location"]) == (302, address)


def test_an_upload_cancelled_while_it_waits_is_not_read(
        signed_in, loja, django_capture_on_commit_callbacks):  # noqa: F811
    pending, address = upload_now(signed_in, {SCAN_PAGES.name: SCAN_PAGES.read_bytes()}, loja,
                                  django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("metas:staff-cancel", args=[pending.pk]))
    assert response["Location"] == reverse("metas:staff-upload")
    run_worker()
    assert list(ImportLog.objects.values_list("outcome", flat=True)) == ["cancelled"]
    assert PendingUpload.objects.get().state == "reading"  # never read
    assert not [name for name in media_files() if name.startswith("pending/")]


def test_a_long_pdf_is_read_by_the_worker_and_the_months_pdf_in_the_request(
        signed_in, loja, monkeypatch, django_capture_on_commit_callbacks):  # noqa: F811
    # The sample's PDF (13 pages) is read in the request: its preview at once.
    pending, address = upload_now(signed_in, {SAMPLE_PDF.name: SAMPLE_PDF.read_bytes()}, loja,
                                  django_capture_on_commit_callbacks)
    assert pending.state == "ready"
    assert ImportLog.objects.get().outcome == "previewed"
    pending.delete()

    monkeypatch.setattr(reading, "PDF_PAGES_IN_REQUEST", 10)  # as if it were a long one
    pending, address = upload_now(signed_in, {SAMPLE_PDF.name: SAMPLE_PDF.read_bytes()}, loja,
                                  django_capture_on_commit_callbacks)
    assert pending.state == "reading"
    run_worker()
    pending.refresh_from_db()
    assert (pending.state, pending.progress["done"], pending.progress["total"]) == (
        "ready", 13, 13)
    assert list(ImportLog.objects.values_list("outcome", flat=True)) == ["previewed"] * 2
    # Its reading is kept: the preview and "Publicar" read no page again (pdfplumber away).
    assert pending.files[0]["pdf"].endswith("/1.pdf.json")
    monkeypatch.setattr(pdf, "pdf_reading", no_page_read)
    assert "137 metas" in text_of(signed_in.get(address))
    published = signed_in.post(reverse("metas:staff-publish", args=[pending.pk]))
    assert published.status_code == 302 and Report.objects.get().goals.count() == 137


def no_page_read(file, progress=None):
    raise AssertionError(f"{file.name} was read again")


def test_a_reading_whose_worker_stopped_halfway_is_started_again(
        signed_in, loja, django_capture_on_commit_callbacks):  # noqa: F811
    pending, address = upload_now(signed_in, {SCAN_PAGES.name: SCAN_PAGES.read_bytes()}, loja,
                                  django_capture_on_commit_callbacks)
    run_worker_stopped_after_page_one(pending)

    with django_capture_on_commit_callbacks(execute=True):
        page = signed_in.get(address)
    assert "La lectura no avanzó durante varios minutos: se volvió a empezar" in text_of(page)
    run_worker()
    pending.refresh_from_db()
    assert (pending.state, pending.progress["starts"]) == ("ready", 2)
    assert "Leído de un PDF escaneado" in text_of(signed_in.get(address))


def test_a_reading_stopped_halfway_twice_is_given_up_saying_so(
        signed_in, loja, django_capture_on_commit_callbacks):  # noqa: F811
    pending, address = upload_now(signed_in, {SCAN_PAGES.name: SCAN_PAGES.read_bytes()}, loja,
                                  django_capture_on_commit_callbacks)
    run_worker_stopped_after_page_one(pending)
    signed_in.get(address)  # started again…
    pending.refresh_from_db()
    run_worker_stopped_after_page_one(pending)  # …and stopped halfway again

    with django_capture_on_commit_callbacks(execute=True):
        page = signed_in.get(address)
    assert page.status_code == 200
    assert ("La lectura de los archivos se detuvo a medias dos veces, así que se abandonó"
            in text_of(page))
    assert PendingUpload.objects.get().state == "refused"
    assert not [name for name in media_files() if name.startswith("pending/")]


def run_worker_stopped_after_page_one(pending):
    """What a worker killed halfway leaves: the upload "reading", its last page read 11
    minutes ago, its task taken (so no worker runs it again by itself)."""
    from django_tasks_db.models import DBTaskResult

    reading.note_start(pending)
    reading.note_progress(pending, 1, 3)
    pending.progress["at"] = (pending.created_at - timedelta(minutes=11)).isoformat()
    PendingUpload.objects.filter(pk=pending.pk).update(progress=pending.progress)
    DBTaskResult.objects.ready().update(status="RUNNING")


def zipped(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP archive of the month's files, as the staff make one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def ocr_calls(monkeypatch):
    """Every call of the OCR's entry point (metas.importer.ocr.read_scan), which still reads
    the pages: the list of the files it read."""
    from metas.importer import ocr

    calls, real = [], ocr.read_scan

    def counted(file, progress=None):
        calls.append(file.name)
        return real(file, progress)

    monkeypatch.setattr(ocr, "read_scan", counted)
    return calls


def test_a_zip_holding_a_scan_is_read_by_the_worker_once_and_its_preview_reads_nothing(
        signed_in, loja, ocr_calls, django_capture_on_commit_callbacks):  # noqa: F811
    member = f"agosto.zip/{SCAN_PAGES.name}"
    files = {"agosto.zip": zipped({SCAN_PAGES.name: SCAN_PAGES.read_bytes(),
                                   "__MACOSX/._x": b"clutter"})}
    pending, address = upload_now(signed_in, files, loja, django_capture_on_commit_callbacks)
    # Stored at once as its member, not read in the request.
    assert (pending.state, [entry["name"] for entry in pending.files]) == ("reading", [member])
    assert ocr_calls == []
    text = text_of(signed_in.get(address))
    assert "Leyendo el archivo" in text and member in text
    assert "La lectura está en espera" in text

    run_worker()

    pending.refresh_from_db()
    assert (pending.state, pending.progress["done"], pending.progress["total"]) == (
        "ready", 3, 3)
    assert ocr_calls == [member]  # once, by the worker
    assert pending.files[0]["scan"].endswith("/1.ocr.json")  # the member's reading, kept
    preview = signed_in.get(address)
    assert preview.status_code == 200 and "http-equiv" not in preview.content.decode()
    text = text_of(preview)
    assert "Leído de un PDF escaneado" in text and "PDF escaneado leído por OCR, 3 páginas" in text
    assert "Lo que se publicará 21 metas 7 unidades" in text  # the goals of its 3 pages
    assert f"{member} SHA-256" in text  # the member, in the table of files
    assert re.search(r"\d+ metas? tienen? celdas marcadas para revisar", text)
    image = signed_in.get(reverse("metas:staff-scan-cell", args=[pending.pk, 1, 1, 5, 2]))
    assert (image.status_code, image.content[:4]) == (200, b"\x89PNG")
    published = signed_in.post(reverse("metas:staff-publish", args=[pending.pk]))
    assert published.status_code == 302
    report = Report.objects.get()
    assert report.goals.count() == 21
    assert report.files.get().original_name == member and report.files.get().read_by_ocr
    assert ocr_calls == [member]  # the preview and "Publicar" read no page again
    assert list(ImportLog.objects.values_list("outcome", flat=True).order_by("pk")) == [
        "previewed", "accepted"]


def test_a_zip_holding_a_scan_and_a_damaged_file_is_kept_whole_and_refused_by_the_worker(
        signed_in, loja, ocr_calls, django_capture_on_commit_callbacks):  # noqa: F811
    archive = bytearray(zipped({SCAN_PAGES.name: SCAN_PAGES.read_bytes(),
                                "metadatos.csv": b"x" * 4000}, zipfile.ZIP_STORED))
    at = archive.index(b"x" * 4000) + 100  # in the member's data
    archive[at] ^= 0xFF  # its CRC no longer matches
    pending, address = upload_now(signed_in, {"agosto.zip": bytes(archive)}, loja,
                                  django_capture_on_commit_callbacks)
    # Not read in the request either; kept as uploaded, for the worker to say what is wrong.
    assert (pending.state, [entry["name"] for entry in pending.files]) == (
        "reading", ["agosto.zip"])
    assert ocr_calls == []
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()

    text = text_of(signed_in.get(address))
    assert ("agosto.zip/metadatos.csv: Este archivo del ZIP está dañado. Vuelva a crear el ZIP."
            in text)
    assert "Revisar los archivos" in text  # the upload form, to try again
    assert PendingUpload.objects.get().state == "refused"
    assert ImportLog.objects.get().outcome == "rejected"
    assert not [name for name in media_files() if name.startswith("pending/")]
