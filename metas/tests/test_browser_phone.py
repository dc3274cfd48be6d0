"""The public site on a phone (360 × 800) and on paper, in Debian's headless Chromium: no word
broken inside, a one-row header whose menu opens, wide tables that say they scroll, charts
whose tables open on request, print without menu or forms; axe finds nothing at 360 and
1280 px in every state.

The sample report is imported as `make run` imports it, after the territory it is tagged with.
"""
from pathlib import Path

import pytest
from django.conf import settings

from metas.importer import InputFile, import_report
from metas.models import Goal, Report

from .browser import DESKTOP, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
PHONE_SCREEN = {"width": 360, "height": 800}
# The tallest header that is still one row: the site's name and the "Menú" button.
MAX_HEADER_HEIGHT = 72

# Every word (a run of letters and digits) of every label, value, heading and paragraph must sit
# on one line, and no such box may be wider than it shows. A word broken letter by letter
# ("DIRE/CCIÓ/N") gives a range with boxes on several lines. A SHA-256 is several text nodes,
# split by <wbr>, so it may break between its groups of 16 characters only.
BROKEN_WORDS = """
(selector) => {
  const broken = [];
  for (const element of document.querySelectorAll(selector)) {
    if (element.closest(".visually-hidden")) continue;  // read aloud, not seen
    if (element.scrollWidth > element.clientWidth + 1) {
      broken.push(`${element.tagName} wider than its box: ${element.textContent.trim().slice(0, 60)}`);
    }
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[\\p{L}\\p{N}]+/gu)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.top);
        if (tops.length > 1 && Math.max(...tops) - Math.min(...tops) > 4) {
          broken.push(`${match[0]} (in ${element.tagName})`);
        }
      }
    }
  }
  return [...new Set(broken)];
}
"""
TEXT_BOXES = "main dt, main dd, main th, main td, main h1, main h2, main h3, main p, main li"


@pytest.fixture
def sample(territory):
    import_report([InputFile(SAMPLE.name, SAMPLE.read_bytes())])
    return Report.objects.get()


def a_goal_with_progress():
    return Goal.objects.filter(progress__gt=0).order_by("position").first()


def phone_pages(report):
    return {
        "reports": "/reportes/",
        "report": report.get_absolute_url(),
        "parishes": "/parroquias/",
        "parish": "/parroquias/vilcabamba/",
        "council": "/parroquias/jdb-la-banda/",
        "units": f"/unidades/?institucion={report.institution.slug}&orden=-avance",
        "home": "/",
        "goal": a_goal_with_progress().get_absolute_url(),
    }


def open_phone(page, url):
    page.set_viewport_size(PHONE_SCREEN)
    page.goto(url)


def test_no_word_is_broken_inside_on_a_phone(page, live_server, sample):
    for name, path in phone_pages(sample).items():
        open_phone(page, live_server.url + path)
        assert page.evaluate(BROKEN_WORDS, TEXT_BOXES) == [], name
        # Nor is the page wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name


def test_the_check_sees_a_word_broken_letter_by_letter(page, live_server, sample):
    """The check itself: a heading squeezed to four letters' width breaks its words, and the
    bug as reported (the label column takes 80 % of the card) makes the card too narrow."""
    open_phone(page, live_server.url + "/reportes/")
    page.evaluate("document.querySelector('main h1').style.width = '4ch'")
    assert "Reportes (in H1)" in page.evaluate(BROKEN_WORDS, TEXT_BOXES)

    page.reload()
    page.evaluate(
        "document.querySelectorAll('dl.record').forEach((dl) => {"
        " dl.style.gridTemplateColumns = '80% 1fr'; })"
    )
    assert page.evaluate(BROKEN_WORDS, TEXT_BOXES) != []


def test_the_report_fingerprint_breaks_only_between_groups(page, live_server, sample):
    open_phone(page, live_server.url + sample.get_absolute_url())
    code = page.locator("code.hash")
    [source] = sample.files.all()
    assert code.inner_text().replace("\n", "") == source.sha256
    lines = code.evaluate("(el) => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))")
    assert lines == 2
    assert code.evaluate("(el) => el.scrollWidth <= el.clientWidth")


def test_the_header_is_one_row_and_its_menu_opens(page, live_server, sample):
    open_phone(page, live_server.url + "/reportes/")
    header = page.locator(".site-header")
    assert header.bounding_box()["height"] <= MAX_HEADER_HEIGHT
    menu = page.get_by_role("navigation", name="Menú principal")
    reports = menu.get_by_role("link", name="Reportes")
    assert not reports.is_visible()

    page.get_by_text("Menú", exact=True).click()

    assert reports.is_visible()
    assert reports.get_attribute("aria-current") == "page"
    assert menu.get_by_role("link", name="Datos abiertos").is_visible()
    assert_accessible(page)
    reports.click()
    page.wait_for_url("**/reportes/")

    # Wide: the sections in one row, no button.
    page.set_viewport_size(DESKTOP)
    assert not page.get_by_text("Menú", exact=True).is_visible()
    links = menu.get_by_role("link")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1
    assert header.bounding_box()["height"] <= MAX_HEADER_HEIGHT


def test_the_menu_opens_with_the_keyboard(page, live_server, sample):
    open_phone(page, live_server.url + "/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the site's name
    page.keyboard.press("Tab")  # the menu's button
    page.keyboard.press("Enter")
    assert page.get_by_role("navigation", name="Menú principal").get_by_role("link", name="Metas").is_visible()


@pytest.mark.parametrize("which", ["list", "goal"])
def test_print_shows_the_content_and_its_source_not_the_menu_or_forms(page, live_server, sample, which):
    path = "/metas/" if which == "list" else a_goal_with_progress().get_absolute_url()
    page.goto(live_server.url + path)
    page.emulate_media(media="print")

    assert not page.locator(".site-nav").is_visible()
    assert not page.locator(".skip-link").is_visible()
    forms = page.locator("main form").all()
    if which == "list":
        assert forms  # the search and the filters are there, for the screen
    assert not any(form.is_visible() for form in forms)
    assert not page.locator(".pagination").is_visible()
    printed_from = page.get_by_text("Impreso desde:")
    assert printed_from.is_visible()
    assert live_server.url + path in printed_from.inner_text()
    if which == "list":
        downloads = page.get_by_role("list", name="Descargar estas metas")
        assert downloads.is_visible()
        assert downloads.get_by_role("link").first.is_visible()
        assert page.locator(".goal-item").first.is_visible()
    else:
        assert page.get_by_role("heading", name="Fuente").is_visible()
        assert page.locator("h1").is_visible()

    page.emulate_media(media="screen")
    assert page.locator(".site-header").is_visible()


def test_a_chart_s_table_opens_on_request(page, live_server, sample):
    open_phone(page, live_server.url + "/")
    table = page.get_by_role("table", name="Avance promedio por nivel de proceso, en tabla")
    assert page.get_by_role("img", name="Avance promedio por nivel de proceso").is_visible()
    assert not table.is_visible()

    page.get_by_text("Ver como tabla").first.click()

    assert table.is_visible()
    assert table.get_by_role("rowheader").first.inner_text() == "Procesos gobernantes / Nivel directivo"
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)


def test_a_wide_table_says_that_it_scrolls_and_the_keyboard_can_scroll_it(page, live_server, sample):
    open_phone(page, live_server.url + "/datos/")
    with_hint = page.locator(".table-scroll").filter(has=page.locator(".scroll-hint"))
    region = next(
        with_hint.nth(i) for i in range(with_hint.count())
        if with_hint.nth(i).evaluate("(el) => el.scrollWidth > el.clientWidth")
    )
    # A region the keyboard reaches, named by its caption or heading.
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("role") == "region"
    assert page.locator(f"#{region.get_attribute('aria-labelledby')}").inner_text().strip()
    hint = region.locator(".scroll-hint")
    assert hint.is_visible()
    assert hint.inner_text().startswith("Desplace la tabla")

    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # Arrow keys scroll smoothly: wait for the box to move rather than read it at once.
    page.wait_for_function("(el) => el.scrollLeft > 0", arg=region.element_handle())
    # The hint stays in view while the table scrolls under it.
    assert hint.bounding_box()["x"] >= 0

    page.set_viewport_size(DESKTOP)
    narrow = page.locator(".table-scroll").filter(has=page.locator(".scroll-hint"))
    fits = [narrow.nth(i) for i in range(narrow.count())
            if narrow.nth(i).evaluate("(el) => el.scrollWidth <= el.clientWidth")]
    assert fits and not fits[0].locator(".scroll-hint").is_visible()


def test_every_changed_page_is_accessible_on_a_phone_and_a_desktop(page, live_server, sample):
    pages = {**phone_pages(sample), "goal list": "/metas/", "data": "/datos/", "choose units": "/unidades/"}
    for name, path in pages.items():
        for size in (PHONE_SCREEN, DESKTOP):
            page.set_viewport_size(size)
            page.goto(live_server.url + path)
            assert_accessible(page)
            if size == PHONE_SCREEN:
                page.get_by_text("Menú", exact=True).click()
                assert_accessible(page)
