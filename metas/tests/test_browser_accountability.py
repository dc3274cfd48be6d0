"""The accountability pages, and the pages that show its badges and boxes, in a real browser:
axe-core finds no violation at phone and desktop widths, and nothing scrolls sideways on a
phone. Screenshots of each are
written to the test's folder (for a person to look at)."""
import pytest

from metas.importer import import_report
from metas.models import Goal

from .browser import DESKTOP, PHONE, assert_accessible
from .importer_files import sample_file
from .test_importer_store import september_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def published(territory, settings, publishing):
    """August and September of the sample, published (their ZIPs built)."""
    settings.METAS_SITE_URL = "http://testserver"
    with publishing():
        import_report([sample_file()])
        import_report([september_file()], period="2019-09")


def a_stuck_goal():
    return Goal.objects.filter(reason="falta-de-financiamiento", report__period__month=9).first()


PAGES = {
    "methodology": lambda: "/metodologia/",
    "report compliance": lambda: "/reportes/municipio-de-loja/2019-09/cumplimiento/",
    "archives": lambda: "/datos/archivos/",
    # The pages that include the badges, boxes and checks.
    "goal": lambda: a_stuck_goal().get_absolute_url(),
    "goal list by reason": lambda: "/metas/?motivo=falta-de-financiamiento",
    "report": lambda: "/reportes/municipio-de-loja/2019-09/",
    "overview": lambda: "/municipio-de-loja/",
    "directory": lambda: "/instituciones/",
    "unit": lambda: a_stuck_goal().unit.get_absolute_url(),
    "parish": lambda: "/parroquias/vilcabamba/",
    "open data": lambda: "/datos/",
}


@pytest.mark.parametrize("name", PAGES)
def test_it_is_accessible_at_phone_and_desktop_widths(name, page, live_server, published,
                                                     tmp_path):
    url = live_server.url + PAGES[name]()
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        response = page.goto(url)
        assert response.status == 200, url
        assert_accessible(page)
        assert page.locator("h1").count() == 1
        if size == PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{url} is {width} px wide on a 360 px phone"
        page.screenshot(path=tmp_path / f"{name.replace(' ', '-')}-{size['width']}.png",
                        full_page=True)
