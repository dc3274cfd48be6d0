"""A scan uploaded in a real browser: the answer is at once a page that says the reading waits
for the worker and reloads itself; once the worker (run here for real) has read it, the same
page becomes the preview by itself. Accessible and within a phone's width. SCREENSHOTS=<folder>
saves the page at 360 and 1280 px there. The reloading can be turned off (WCAG 2.2.1)."""
import os
import time

import pytest
from django.core.management import call_command

from metas.models import Institution, PendingUpload
from metas.staff import reading

from .browser import DESKTOP, PHONE, assert_accessible
from .scan_files import SCAN_PAGES, requires_tesseract  # noqa: F401 (fixture)
from .staff_helpers import LOJA, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("requires_tesseract")]


def test_the_page_of_a_scan_being_read_becomes_its_preview_by_itself(page, live_server):
    loja = Institution.objects.create(name=LOJA, slug="municipio-de-loja")
    make_user("alicia", institutions=[loja])
    page.goto(f"{live_server.url}/gestion/")
    page.get_by_label("Nombre de usuario").fill("alicia")
    page.get_by_label("Contraseña").fill("x-Secret-42")
    page.get_by_role("button", name="Ingresar").click()
    page.get_by_label("Institución").select_option(label=LOJA)
    page.get_by_label("Período (opcional)").fill("2019-08")
    page.get_by_label("Archivos").set_input_files(str(SCAN_PAGES))
    started = time.monotonic()
    page.get_by_role("button", name="Revisar los archivos").click()

    assert page.locator("h1").inner_text() == "Leyendo el archivo"
    assert time.monotonic() - started < 5, "the upload answered only after reading the scan"
    status = page.get_by_role("status")
    assert "La lectura está en espera" in status.inner_text()
    # axe refuses any page that reloads itself (WCAG 2.2.1, timing adjustable); this one lets
    # the reader turn it off, and the page without it passes every rule.
    assert_accessible(page, except_rules=("meta-refresh",))
    page.get_by_role("link", name="Dejar de recargar esta página sola").click()
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    assert "La lectura está en espera" in page.get_by_role("status").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Recargar esta página sola").click()
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    screenshots = os.environ.get("SCREENSHOTS")
    if screenshots:
        page.screenshot(path=f"{screenshots}/reading-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if screenshots:
        page.screenshot(path=f"{screenshots}/reading-360.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    # How far it is, as the worker writes it after each page.
    pending = PendingUpload.objects.get()
    reading.note_start(pending)
    reading.note_progress(pending, 2, 3)
    page.reload()
    assert "Leyendo el archivo: página 2 de 3…" in page.get_by_role("status").inner_text()
    assert_accessible(page, except_rules=("meta-refresh",))
    if screenshots:
        page.screenshot(path=f"{screenshots}/reading-progress-1280.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=f"{screenshots}/reading-progress-360.png", full_page=True)
        page.set_viewport_size(DESKTOP)

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert PendingUpload.objects.get().state == "ready"
    # No click: the page reloads itself (every 3 s) into the preview.
    page.wait_for_url("**/vista-previa/**")
    deadline = time.monotonic() + 15
    while not page.locator("h1").inner_text().startswith("Vista previa"):
        assert time.monotonic() < deadline, "the page did not become the preview"
        page.wait_for_timeout(250)
    assert "Leído de un PDF escaneado" in page.locator("main").inner_text()
    assert_accessible(page)
