"""Scanned reports for the tests: the August sample printed and scanned (fixtures/).

    SCAN           # the whole scan, 13 pages: one end-to-end test and bench/import_bench.py
    SCAN_PAGES     # its pages 1, 3 and 13 (titles, header, two levels, 8 goals; 14 goals, some
                   # read with little confidence; 1 goal and the footer)
    pages_scan()   # SCAN_PAGES read by OCR once per test run (a few seconds)
    requires_tesseract   # a fixture: skips without Tesseract, fails under CI=true

Reading a scan needs Debian's Tesseract and its Spanish data (the Makefile installs them).
"""
from __future__ import annotations

import io
import os
import shutil
from functools import lru_cache
from pathlib import Path

import pytest
from django.conf import settings

from metas.importer import InputFile

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SCAN = FIXTURES / "loja-lotaip-a4-2019-08-escaneado.pdf"
SCAN_PAGES = FIXTURES / "loja-lotaip-a4-2019-08-escaneado-p1-p3-p13.pdf"
SPANISH = Path("/usr/share/tesseract-ocr/5/tessdata/spa.traineddata")


def tesseract_missing() -> str:
    if shutil.which("tesseract") is None:
        return "tesseract is not installed"
    if not SPANISH.exists():
        return "tesseract-ocr-spa is not installed"
    return ""


@pytest.fixture
def requires_tesseract():
    missing = tesseract_missing()
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"{missing}: make test installs it, and CI needs it")
    if missing:
        pytest.skip(missing)


def scan_file(path: Path = SCAN_PAGES, **extra) -> InputFile:
    return InputFile(path.name, path.read_bytes(), **extra)


@lru_cache(maxsize=1)
def pages_scan():
    """SCAN_PAGES's OCR reading; a copy each time (tests add corrections to it)."""
    from metas.importer.ocr import read_scan

    return read_scan(scan_file()).to_json()


def pages_file(corrections=None) -> InputFile:
    """SCAN_PAGES with its reading (and `corrections`), as a pending upload keeps it."""
    from metas.importer.scanned import Scan

    scan = Scan.from_json(pages_scan())
    scan.corrections = dict(corrections or {})
    return scan_file(scan=scan)


def image_pdf(images, size=(842, 595)) -> bytes:
    """A PDF of page images (PIL images), as a scanner writes it: no text at all."""
    import pypdfium2

    document = pypdfium2.PdfDocument.new()
    for image in images:
        page = document.new_page(*size)
        obj = pypdfium2.PdfImage.new(document)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG")
        buffer.seek(0)
        obj.load_jpeg(buffer, inline=True)
        obj.set_matrix(pypdfium2.PdfMatrix().scale(*size))
        page.insert_obj(obj)
        page.gen_content()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
