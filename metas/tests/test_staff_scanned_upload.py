"""Staff upload of a scanned report: the preview says it was read by OCR and lists the goals
marked for review, each cell with its scanned image; the staff correct them (checked as any
cell, kept with the upload) and publish; the public pages and exports say "leído de un PDF
escaneado". OCR runs once, in the worker after the upload: the preview and "Publicar" use its
kept reading."""
import csv
import io
import json
import re
from datetime import date

import pytest
from django.urls import reverse

from metas.staff import pending as pending_uploads
from metas.importer.scanned import Scan
from metas.models import Goal, PendingUpload, SourceFile

from .scan_files import SCAN_PAGES, pages_file, pages_scan, requires_tesseract  # noqa: F401
from .staff_helpers import alicia, bruno, catamayo, loja, media_files, upload  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("requires_tesseract")]


def text_of(response) -> str:
    return plain_text(response.content.decode())


def plain_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def previewed(client, alicia, loja):
    """Alicia uploaded the scan (pages 1, 3 and 13 of the sample): its pending upload, with
    the reading the upload keeps (read once for all these tests)."""
    client.force_login(alicia)
    return pending_uploads.keep(user=alicia, institution=loja, period=date(2019, 8, 1),
                                files=[pages_file()])


def test_the_upload_reads_the_scan_once_and_keeps_its_reading(
        client, alicia, loja, publishing):
    client.force_login(alicia)
    with publishing():  # the worker reads it (test_staff_reading.py)
        response = upload(client, {SCAN_PAGES.name: SCAN_PAGES.read_bytes()}, loja, "2019-08")
    assert response.status_code == 302, text_of(response)[:3000]
    pending = PendingUpload.objects.get()
    assert response["Location"] == reverse("metas:staff-preview", args=[pending.pk])
    assert Scan.from_json(pages_scan()) == pending_uploads.scan_of(pending.files[0])


@pytest.fixture
def without_tesseract(monkeypatch):
    """From now on Tesseract cannot run: what follows must use the kept reading."""
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")


def marked_fields(html: str) -> list[str]:
    return re.findall(r'<textarea id="(c-[\d-]+)" name="\1"', html)


def test_the_preview_says_it_was_read_by_ocr_and_lists_the_cells_to_review(
        client, previewed, without_tesseract):
    response = client.get(reverse("metas:staff-preview", args=[previewed.pk]))
    text = text_of(response)
    assert "Leído de un PDF escaneado" in text
    assert "PDF escaneado leído por OCR, 3 páginas" in text
    assert re.search(r"\d+ metas? tienen? celdas marcadas para revisar", text)
    assert "Valores del pie leídos con poca confianza" in text
    fields = marked_fields(response.content.decode())
    assert fields, "no cell was marked"
    assert "leída con " in text and " % de confianza" in text

    image = client.get(reverse("metas:staff-scan-cell", args=[
        previewed.pk, *map(int, fields[0].split("-")[1:])]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")


def test_a_cell_image_of_another_users_upload_or_a_missing_cell_is_not_found(
        client, previewed, bruno):
    url = reverse("metas:staff-scan-cell", args=[previewed.pk, 1, 1, 5, 2])
    assert client.get(url).status_code == 200
    assert client.get(reverse("metas:staff-scan-cell", args=[previewed.pk, 1, 9, 5, 2])
                      ).status_code == 404
    assert client.get(reverse("metas:staff-scan-cell", args=[previewed.pk, 1, 1, 5, 9])
                      ).status_code == 404
    client.force_login(bruno)
    assert client.get(url).status_code == 404


def test_the_staff_correct_a_cell_and_publish_it_and_the_public_pages_say_so(
        client, previewed, without_tesseract):
    # Page 1, row 5: "1 Alcaldía", its objective (column 2).
    corrected = "Cumplir y hacer cumplir la Constitución (texto revisado por el personal)."
    response = client.post(reverse("metas:staff-scan-corrections", args=[previewed.pk]),
                           {"c-1-1-5-2": corrected})
    assert response.status_code == 302
    previewed.refresh_from_db()
    assert previewed.files[0]["corrections"] == [[1, 5, 2, corrected]]
    preview = client.get(reverse("metas:staff-preview", args=[previewed.pk]))
    assert "Se guardaron las correcciones" in text_of(preview)

    response = client.post(reverse("metas:staff-publish", args=[previewed.pk]))
    assert response.status_code == 302, text_of(response)[:3000]
    goal = Goal.objects.get(source_page=1, source_line=5)
    assert goal.objective == corrected
    assert "objective" in goal.ocr["corrected"]
    assert SourceFile.objects.get().read_by_ocr is True

    report = client.get(goal.report.get_absolute_url())
    assert "Leído de un PDF escaneado" in text_of(report)
    assert "PDF (escaneado, leído por OCR)" in text_of(report)
    page = text_of(client.get(goal.get_absolute_url()))
    assert "Leído de un PDF escaneado por reconocimiento óptico de caracteres (OCR)" in page
    marked = Goal.objects.exclude(ocr__review=[]).first()
    if marked is not None:
        mark = marked.ocr_marks()[0]
        assert (f"El campo «{mark['label']}» se leyó con {mark['confidence']} % de confianza"
                in text_of(client.get(marked.get_absolute_url())))


def test_a_correction_that_breaks_the_report_is_refused_and_not_kept(
        client, previewed, without_tesseract):
    # Page 1, row 9: the first "6.1" goal, its target (column 4).
    response = client.post(reverse("metas:staff-scan-corrections", args=[previewed.pk]),
                           {"c-1-1-9-4": "150%"}, follow=True)
    text = text_of(response)
    assert "No se guardaron las correcciones" in text
    assert "página 1, fila 9, columna “Meta cuantificable”: El porcentaje “150%” no está" in text
    previewed.refresh_from_db()
    assert "corrections" not in previewed.files[0]


def test_publishing_deletes_the_kept_reading_with_the_upload(
        client, previewed, publishing):
    kept = [name for name in media_files() if name.startswith("pending/")]
    assert len(kept) == 2 and kept[1].endswith(".ocr.json")
    with publishing():
        client.post(reverse("metas:staff-publish", args=[previewed.pk]))
    assert [name for name in media_files() if name.startswith("pending/")] == []


def test_the_exports_say_which_goals_were_read_by_ocr(client, previewed):
    client.post(reverse("metas:staff-publish", args=[previewed.pk]))
    export = client.get(reverse("metas:goal-export-csv"), {"periodo": "2019-08"})
    rows = list(csv.DictReader(io.StringIO(
        b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert {row["leido_por_ocr"] for row in rows} == {"sí"}
    marked = [row for row in rows if row["revision_ocr"]]
    for row in marked:
        assert re.fullmatch(r"[a-z_]+ \(\d+ %\)(; [a-z_]+ \(\d+ %\))*", row["revision_ocr"])
    answer = client.get(reverse("metas:goal-export-json"), {"periodo": "2019-08"})
    results = json.loads(b"".join(answer.streaming_content))["results"]
    assert {goal["leido_por_ocr"] for goal in results} == {True}
    assert [goal["revision_ocr"] for goal in results] == [row["revision_ocr"] for row in rows]

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(b"".join(client.get(
        reverse("metas:goal-export-xlsx"), {"periodo": "2019-08"}).streaming_content)))
    sheet = book["Metas"]
    header = [cell.value for cell in sheet[1]]
    values = [row[header.index("leido_por_ocr")] for row in
              sheet.iter_rows(min_row=2, values_only=True)]
    assert values and set(values) == {"sí"}


def footer_cell(file, label):
    """The value cell of the footer line `label` in the kept reading of `file`."""
    row = next(row for page in file.scan.pages for row in page.rows
               if row.cells[0].text.startswith(label))
    return next(cell for cell in row.cells[1:] if cell.text)


@pytest.fixture
def scan_read():
    """SCAN_PAGES with its reading, read before Tesseract goes (without_tesseract)."""
    return pages_file()


def test_the_footers_values_are_marked_by_the_goal_cells_rule_word_by_word(
        client, alicia, loja, scan_read, without_tesseract):
    file = scan_read
    # Read with 92 %, over the old cell-wide threshold (90), but "deI" is a typical OCR slip.
    link = footer_cell(file, "LINK PARA DESCARGAR")
    link.text, link.confidence = "Reporte deI GPR", 92
    link.words = [["Reporte", 96, True], ["deI", 92, False], ["GPR", 92, False]]
    # Read with 85 %, under it, but a clean date: no word to doubt.
    date_cell = footer_cell(file, "FECHA ACTUALIZACIÓN")
    date_cell.confidence, date_cell.words = 85, [["31/08/2019", 85, False]]
    client.force_login(alicia)
    pending = pending_uploads.keep(user=alicia, institution=loja, period=date(2019, 8, 1),
                                   files=[file])

    html = client.get(reverse("metas:staff-preview", args=[pending.pk])).content.decode()
    footer = html[html.index("Valores del pie leídos con poca confianza"):]
    footer = plain_text(footer[:footer.index("</fieldset>")])
    assert "PARA DESCARGAR EL REPORTE DE GOBIERNO POR RESULTADOS (GPR) leída con 92 %" in footer
    assert "Reporte deI GPR" in footer
    assert "FECHA ACTUALIZACIÓN" not in footer
    assert "PERIODICIDAD DE ACTUALIZACIÓN DE LA INFORMACIÓN: leída con 0 %" in footer
