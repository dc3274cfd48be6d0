"""Guard rails every public page keeps: Spanish, one <h1>, a title and description, a skip
link to the one <main>, the current section marked, and no cookie."""
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.template import loader
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.views.defaults import server_error

from .factories import make_goal


class PageOutline(HTMLParser):
    """The few things about a page's markup these tests look at."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.html_lang = None
        self.description = None
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag == "meta" and attrs.get("name") == "description":
            self.description = attrs.get("content")
        # The page's <title>, not those of the SVG charts in the body.
        self._in_title = tag == "title" and not self.find("body")

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def count(self, tag):
        return sum(1 for name, _ in self.tags if name == tag)

    def find(self, tag, **wanted):
        return [attrs for name, attrs in self.tags if name == tag and all(
            attrs.get(key) == value for key, value in wanted.items())]


@pytest.fixture
def goal(db):
    return make_goal(parishes=["vilcabamba"])


def public_urls(goal):
    return [
        "/",
        goal.report.institution.get_absolute_url(),
        "/metas/",
        "/metas/?avance=abc",
        goal.get_absolute_url(),
    ]


def test_it_gives_every_page_the_site_layout(client, goal):
    for url in public_urls(goal) + ["/no-existe/"]:
        response = client.get(url)
        outline = PageOutline(response.content.decode())
        assert outline.html_lang == "es", url
        assert outline.count("h1") == 1, url
        assert outline.count("main") == 1, url
        assert outline.find("main", id="contenido"), url
        assert outline.find("a", href="#contenido"), url
        assert outline.title.strip().endswith("· Transparencia Metas"), url
        assert len(outline.description or "") > 15, url


def test_it_sets_no_cookie_on_public_pages(client, goal):
    for url in public_urls(goal) + ["/no-existe/"]:
        response = client.get(url)
        assert not response.cookies, url
        assert "Set-Cookie" not in response.headers, url
        assert "csrfmiddlewaretoken" not in response.content.decode(), url


def test_it_marks_the_current_section_in_the_menu(client, goal):
    outline = PageOutline(client.get(goal.get_absolute_url()).content.decode())
    assert outline.find("a", href="/metas/", **{"aria-current": "page"})
    assert len([attrs for _, attrs in outline.tags if attrs.get("aria-current") == "page"]) == 1


def test_it_links_the_menu_in_spanish(client, goal):
    content = client.get("/").content.decode()
    for label in ("Inicio", "Metas", "Unidades", "Parroquias", "Reportes", "Datos abiertos"):
        assert f">{label}</a>" in content
    assert "Saltar al contenido" in content
    assert '<a href="/datos/">datos abiertos y licencia</a>' in content


def test_it_serves_the_stylesheet_under_a_hashed_name(client, goal):
    outline = PageOutline(client.get("/").content.decode())
    [stylesheet] = outline.find("link", rel="stylesheet")
    assert stylesheet["href"].startswith("/static/metas/site.")
    assert stylesheet["href"] != "/static/metas/site.css"


def test_it_answers_an_unknown_page_in_spanish(client, db):
    response = client.get("/metas/999999/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Página no encontrada" in content
    assert "Menú principal" in content


def test_it_renders_the_server_error_page_without_request_or_database(db):
    with CaptureQueriesContext(connection) as queries:
        html = loader.get_template("500.html").render()
    assert len(queries) == 0
    assert "Algo salió mal de nuestro lado" in html
    assert '<html lang="es">' in html


def test_it_answers_a_server_error_in_spanish():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Algo salió mal de nuestro lado" in response.content.decode()
