"""The public site in a real browser (Debian's headless Chromium): every page accessible at
phone and desktop widths, usable with the keyboard and without JavaScript, and a journalist's
path from the filtered list to the CSV file.

The sample report is imported as `make run` imports it, after the territory it is tagged with.
"""
import csv
import io
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from metas.importer import InputFile, import_report
from metas.models import Goal, Institution, Report, Unit

from .browser import DESKTOP, PHONE, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
LOJA = "municipio-de-loja"
# Sample goals that name Malacatos reported below 25 %.
MALACATOS_LOW = {"parroquia": "malacatos", "avance": "0-24"}
# The most presses of Tab a keyboard user needs here to reach a control; more means a bug.
MAX_TABS = 80


@pytest.fixture
def sample(territory):
    """Municipio de Loja's August 2019 report, imported."""
    import_report([InputFile(SAMPLE.name, SAMPLE.read_bytes())])
    return Report.objects.get(institution__slug=LOJA)


def malacatos_low():
    return Goal.objects.filter(
        parish_tags__parish__slug="malacatos", parish_tags__via_coverage=False, progress__lt=25
    ).distinct()


def goals_text(count: int) -> str:
    return "1 meta" if count == 1 else f"{count} metas"


def a_tagged_goal():
    return Goal.objects.filter(parish_tags__parish__slug="vilcabamba").order_by("position").first()


def a_unit_with_sub_units():
    return Unit.objects.filter(children__isnull=False).order_by("pk").first()


# Every public page, as (name, how to find its address once the sample is imported, status).
PUBLIC_PAGES = {
    "home": (lambda: "/", 200),
    "institution": (lambda: Institution.objects.get(slug=LOJA).get_absolute_url(), 200),
    "goal list": (lambda: "/metas/", 200),
    "goal list, filtered": (lambda: "/metas/?parroquia=vilcabamba&avance=0-24&orden=avance", 200),
    "goal list, searched": (lambda: "/metas/?q=alcantarillado&page=2", 200),
    "goal list, bad filters": (lambda: "/metas/?avance=mucho&periodo=2019-13", 400),
    "goal": (lambda: a_tagged_goal().get_absolute_url(), 200),
    "units": (lambda: "/unidades/", 200),
    "unit": (lambda: a_unit_with_sub_units().get_absolute_url(), 200),
    "parishes": (lambda: "/parroquias/", 200),
    "parish": (lambda: "/parroquias/vilcabamba/", 200),
    "neighbourhood council": (lambda: "/parroquias/jdb-la-banda/", 200),
    "reports": (lambda: "/reportes/", 200),
    "report": (lambda: Report.objects.get().get_absolute_url(), 200),
    "data": (lambda: "/datos/", 200),
    "institutions": (lambda: "/instituciones/", 200),
    "province": (lambda: "/territorio/loja/", 200),
    "canton": (lambda: "/territorio/loja/loja/", 200),
    "goal series": (lambda: a_tagged_goal().get_series_url(), 200),
    "not found": (lambda: "/metas/999999/", 404),
}


# --- Every page: axe-core at two widths, no sideways scrolling on a phone --------------------

@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_it_is_accessible_at_phone_and_desktop_widths(name, page, live_server, sample):
    address, status = PUBLIC_PAGES[name]
    url = live_server.url + address()

    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        response = page.goto(url)
        assert response.status == status, url
        assert_accessible(page)
        assert page.locator("h1").count() == 1
        assert page.title().endswith("Transparencia Metas")
        if size == PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{url} is {width} px wide on a 360 px phone"


# --- Keyboard -------------------------------------------------------------------------------

def press_tab_until(page, selector: str):
    """Tab forward until the focused element matches `selector`; fails if it never does."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    pytest.fail(f"{MAX_TABS} presses of Tab never reached {selector} on {page.url}")


def test_it_lets_the_keyboard_skip_to_the_content(page, live_server, sample):
    page.goto(f"{live_server.url}/metas/")

    page.keyboard.press("Tab")
    skip_link = page.locator(":focus")
    assert skip_link.inner_text() == "Saltar al contenido"
    assert skip_link.is_visible()
    box = skip_link.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0, "the focused skip link is on screen"

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenido"
    assert page.evaluate("document.activeElement.tagName") == "MAIN"


def focus_indicator(page) -> dict:
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return {
                element: document.activeElement.outerHTML.slice(0, 120),
                outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
                shadow: style.boxShadow !== "none",
            };
        }"""
    )


@pytest.mark.parametrize("address", ["/metas/", "/parroquias/", "/reportes/"])
def test_it_shows_where_the_keyboard_focus_is(address, page, live_server, sample):
    page.goto(live_server.url + address)
    seen = 0
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        indicator = focus_indicator(page)
        assert indicator["outline"] or indicator["shadow"], indicator["element"]
        seen += 1
    assert seen >= 5


def test_it_lets_the_keyboard_fill_and_send_the_filter_form(page, live_server, sample):
    page.goto(f"{live_server.url}/metas/")

    press_tab_until(page, "#id_avance")
    page.keyboard.type("0")  # a closed select picks the option typed
    assert page.locator("#id_avance").input_value() == "0-24"
    press_tab_until(page, "#id_parroquia")
    page.keyboard.type("Malacatos")
    assert page.locator("#id_parroquia").input_value() == "malacatos"
    press_tab_until(page, ".filter-panel button[type=submit]")
    page.keyboard.press("Enter")

    page.wait_for_url("**/metas/?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["parroquia"] == ["malacatos"] and query["avance"] == ["0-24"]
    assert page.locator("#cantidad").inner_text() == goals_text(malacatos_low().count())


# --- Without JavaScript ---------------------------------------------------------------------

def test_it_works_without_javascript(browser, live_server, sample):
    context = browser.new_context(viewport=PHONE, locale="es-EC", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/metas/")
        assert page.evaluate("1 + 1") == 2  # Playwright still runs; the page's own scripts don't
        assert page.locator("#cantidad").inner_text() == f"{Goal.objects.count()} metas"
        assert page.locator("li.goal-item").count() == 50

        page.locator(".filter-panel > summary").click()  # "Filtrar" opens without a script
        page.get_by_label("Parroquia", exact=True).select_option("vilcabamba")
        page.get_by_role("button", name="Filtrar", exact=True).click()

        expected = Goal.objects.filter(
            parish_tags__parish__slug="vilcabamba", parish_tags__via_coverage=False
        ).count()
        assert page.locator("#cantidad").inner_text() == f"{expected} metas"
        assert page.locator("li.goal-item").count() == expected
        page.locator("li.goal-item h3 a").first.click()
        assert "Vilcabamba" in page.locator("main").inner_text()
    finally:
        context.close()


# --- A journalist's path --------------------------------------------------------------------

def test_a_journalist_filters_opens_a_goal_and_takes_the_csv(page, live_server, sample):
    page.goto(f"{live_server.url}/metas/")
    page.get_by_label("Parroquia", exact=True).select_option(MALACATOS_LOW["parroquia"])
    page.get_by_label("Avance", exact=True).select_option(MALACATOS_LOW["avance"])
    page.get_by_role("button", name="Filtrar", exact=True).click()

    page.wait_for_url("**/metas/?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["parroquia"] == ["malacatos"] and query["avance"] == ["0-24"]
    shown = page.locator("li.goal-item h3 a").all_inner_texts()
    assert sorted(shown) == sorted(malacatos_low().values_list("objective", flat=True))
    assert len(shown) >= 2
    assert page.locator("#cantidad").inner_text() == goals_text(len(shown))

    # One goal: its page says where and how far.
    page.get_by_role("link", name=shown[0], exact=True).click()
    assert page.locator("h1").inner_text() == shown[0]
    assert "Malacatos" in page.locator("main").inner_text()
    assert_accessible(page)
    page.go_back()

    # The CSV of exactly what the list shows.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for a Spanish-locale Excel"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [row["objetivo"] for row in rows] == shown
    for row in rows:
        assert "Malacatos" in row["parroquias"].split("; ")  # each names it
        assert Decimal(row["avance"]) < 25
        assert row["institucion"] == "Municipio de Loja" and row["periodo"] == "2019-08"
