"""The goal list in a real browser on a phone: the answer comes first."""
import pytest

from .browser import PHONE, assert_accessible
from .test_browser_public import sample  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_SCREEN = {"width": PHONE["width"], "height": 800}


@pytest.mark.parametrize("path", ["/metas/", "/metas/?avance=0-24&parroquia=malacatos",
                                  "/metas/?q=agua+potable"])
def test_on_a_phone_the_first_result_is_on_the_first_screen(page, live_server, sample, path):
    page.set_viewport_size(PHONE_SCREEN)
    page.goto(live_server.url + path)
    first = page.locator("li.goal-item").first
    box = first.bounding_box()
    assert box is not None and box["y"] < PHONE_SCREEN["height"], box
    assert page.evaluate("window.scrollY") == 0
    # Folded filters, opened by a tap; the page stays accessible both ways.
    assert not page.locator("#id_avance").is_visible()
    assert_accessible(page)
    page.locator(".filter-panel > summary").click()
    assert page.locator("#id_avance").is_visible()
    assert_accessible(page)


def test_on_a_wide_screen_the_filters_stand_open_beside_the_results(page, live_server, sample):
    page.goto(live_server.url + "/metas/?institucion=municipio-de-loja")
    assert page.locator("#id_avance").is_visible()
    panel, results = page.locator(".filter-panel").bounding_box(), page.locator(
        "li.goal-item").first.bounding_box()
    assert panel["x"] + panel["width"] <= results["x"]
    assert page.get_by_role("heading", name="En estos resultados").is_visible()
    assert_accessible(page)
