"""A scanned report's preview in a real browser: the cells to review show their images from
the scan, a correction is kept and published, every page accessible and within a phone's
width. SCREENSHOTS=<folder> saves the preview at 360 and 1280 px there."""
import os
import time
from datetime import date

import pytest

from metas.staff import pending as pending_uploads
from metas.models import Goal, Institution

from .browser import PHONE, assert_accessible
from .scan_files import pages_file, requires_tesseract  # noqa: F401 (fixture)
from .staff_helpers import LOJA, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("requires_tesseract")]


def test_the_staff_compare_a_scanned_cell_with_its_image_and_correct_it(page, live_server):
    loja = Institution.objects.create(name=LOJA, slug="municipio-de-loja")
    alicia = make_user("alicia", institutions=[loja])
    pending = pending_uploads.keep(user=alicia, institution=loja, period=date(2019, 8, 1),
                                   files=[pages_file()])
    page.goto(f"{live_server.url}/gestion/")
    page.get_by_label("Nombre de usuario").fill("alicia")
    page.get_by_label("Contraseña").fill("x-Secret-42")
    page.get_by_role("button", name="Ingresar").click()
    page.goto(f"{live_server.url}/gestion/vista-previa/{pending.pk}/")

    review = page.locator("section.scan-review")
    assert "Leído de un PDF escaneado" in review.inner_text()
    images = review.locator("img")
    assert images.count() > 0
    for index in range(images.count()):
        images.nth(index).scroll_into_view_if_needed()
    # Polled with evaluate (run by the browser's debugger, not by the page): wait_for_function
    # evaluates its predicate as a string inside the page, which the site's CSP forbids.
    loaded = "[...document.querySelectorAll('section.scan-review img')]" \
        ".every(img => img.complete && img.naturalWidth > 0)"
    deadline = time.monotonic() + 30
    while not page.evaluate(loaded):
        assert time.monotonic() < deadline, "the cell images did not load"
        page.wait_for_timeout(100)
    assert_accessible(page)
    screenshots = os.environ.get("SCREENSHOTS")
    if screenshots:
        review.screenshot(path=f"{screenshots}/scan-review-1280.png")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if screenshots:
        review.screenshot(path=f"{screenshots}/scan-review-360.png")

    first = review.locator("textarea[name$='-2']").first  # an objective (column 2)
    name = first.get_attribute("name")
    first.fill("Texto corregido por Alicia")
    page.get_by_role("button", name="Guardar las correcciones").click()
    assert "Se guardaron las correcciones" in page.locator("main").inner_text()
    assert page.locator(f"textarea[name='{name}']").input_value() == "Texto corregido por Alicia"
    page.get_by_role("button", name="Publicar", exact=True).click()
    assert "publicado" in page.locator("h1").inner_text()
    _number, page_number, row, _column = map(int, name.split("-")[1:])
    goal = Goal.objects.get(source_page=page_number, source_line=row)
    assert (goal.objective, goal.ocr["corrected"]) == ("Texto corregido por Alicia", ["objective"])
