"""Atom feeds of the goals that changed: per institution and for any /metas/ filter."""
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from metas.history import link_history
from metas.importer import InputFile, import_report
from metas.models import Goal

from .factories import make_goal, make_institution, make_report, make_unit
from .staff_helpers import ADDED, LOJA, LOWERED, RAISED, import_august, september_bytes

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SLUG = "municipio-de-loja"


def import_september():
    return import_report([InputFile("septiembre.tsv", september_bytes())], institution=LOJA)


def parse_atom(response) -> ET.Element:
    """The feed, checked against what RFC 4287 requires of a feed and of each entry."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert not response.cookies
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for element in (feed, *feed.findall(f"{ATOM}entry")):
        for required in ("id", "title", "updated"):
            found = element.findall(f"{ATOM}{required}")
            assert len(found) == 1 and (found[0].text or "").strip(), (element.tag, required)
    assert feed.find(f"{ATOM}author/{ATOM}name").text  # entries have no author of their own
    for entry in feed.findall(f"{ATOM}entry"):
        # The goal's permanent (series) page, or its month's page for a goal without series.
        link = entry.find(f"{ATOM}link").get("href")
        assert re.match(r"http://testserver/(metas/\d+|[\w-]+/metas/[\w-]{36})/$", link), link
    return feed


def entries(feed):
    return feed.findall(f"{ATOM}entry")


def titles(feed):
    """Entry titles, with the no-break space of "70 %" read as a space."""
    return [entry.find(f"{ATOM}title").text.replace("\xa0", " ") for entry in entries(feed)]


@pytest.fixture
def two_months(db):
    import_august()
    return import_september().report


def test_the_institution_feed_lists_the_goals_that_moved(client, two_months):
    feed = parse_atom(client.get(reverse("metas:institution-changes-feed", args=[SLUG])))
    assert feed.find(f"{ATOM}title").text == f"Metas que cambiaron: {LOJA}"
    found = titles(feed)
    assert len(found) == 3
    assert any(title.startswith("Sube de 70 % a 85 %: Ampliación y mejora") for title in found)
    assert any(title.startswith("Baja de 90 % a 80 %: Adecuar la fachada") for title in found)
    assert any(title.startswith("Meta nueva (10 %): Implementación del") for title in found)

    raised = Goal.objects.get(objective=RAISED, report=two_months)
    entry = entries(feed)[found.index(next(t for t in found if t.startswith("Sube")))]
    # The goal's permanent page (its series), which a re-import of the month does not break.
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver{raised.get_series_url()}"
    summary = entry.find(f"{ATOM}summary").text.replace("\xa0", " ")
    assert "Avance de 70 % en agosto de 2019 y de 85 % en septiembre de 2019." in summary
    assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")


def test_entry_ids_stay_the_same_when_a_month_is_reimported(client, two_months):
    url = reverse("metas:institution-changes-feed", args=[SLUG])
    before = sorted(e.find(f"{ATOM}id").text for e in entries(parse_atom(client.get(url))))
    import_september()
    after = sorted(e.find(f"{ATOM}id").text for e in entries(parse_atom(client.get(url))))
    assert before == after and len(set(before)) == 3


def test_an_unknown_institution_has_no_feed(client, db):
    assert client.get(reverse("metas:institution-changes-feed", args=["nadie"])).status_code == 404


def test_a_first_report_gives_an_empty_but_valid_feed(client, db):
    import_august()
    feed = parse_atom(client.get(reverse("metas:institution-changes-feed", args=[SLUG])))
    assert entries(feed) == []


@pytest.fixture
def parishes(db):
    """Two months of Loja where one Malacatos goal went up and one Vilcabamba goal is new."""
    loja = make_institution(LOJA, slug=SLUG)
    unit = make_unit(loja, "Gestión de Obras Públicas", code="8")
    august = make_report(loja, "2019-08")
    make_goal(august, unit, objective="Mantenimiento vial en Malacatos", progress=10,
              parishes=["malacatos"])
    make_goal(august, unit, objective="Bacheo en El Valle", progress=40, parishes=["el-valle"])
    link_history(august)
    september = make_report(loja, "2019-09")
    make_goal(september, unit, objective="Mantenimiento vial en Malacatos", progress=35,
              parishes=["malacatos"])
    make_goal(september, unit, objective="Bacheo en El Valle", progress=40, parishes=["el-valle"])
    make_goal(september, unit, objective="Agua potable para <Vilcabamba> & Yamburara", progress=5,
              parishes=["vilcabamba"])
    link_history(september)
    return september


def test_the_goal_list_feed_follows_any_filter(client, parishes):
    feed = parse_atom(client.get(reverse("metas:goal-changes-feed"), {"parroquia": "malacatos"}))
    assert titles(feed) == ["Sube de 10 % a 35 %: Mantenimiento vial en Malacatos"]
    assert feed.find(f"{ATOM}title").text == "Metas que cambiaron: Parroquia: Malacatos"
    alternate = feed.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert alternate == "http://testserver/metas/?parroquia=malacatos"

    el_valle = client.get(reverse("metas:goal-changes-feed"), {"parroquia": "el-valle"})
    unchanged_parish = parse_atom(el_valle)
    assert entries(unchanged_parish) == []

    everything = parse_atom(client.get(reverse("metas:goal-changes-feed")))
    assert len(entries(everything)) == 2


def test_imported_text_is_escaped_in_the_feed(client, parishes):
    response = client.get(reverse("metas:goal-changes-feed"), {"parroquia": "vilcabamba"})
    feed = parse_atom(response)
    (entry,) = entries(feed)
    assert titles(feed) == ["Meta nueva (5 %): Agua potable para <Vilcabamba> & Yamburara"]
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    # The summary is HTML to a reader: the objective's "<" arrives as text, not as a tag.
    assert "&lt;Vilcabamba&gt; &amp; Yamburara" in summary.text
    assert "<Vilcabamba>" not in summary.text


def test_the_goal_list_feed_refuses_invalid_filters(client, db):
    response = client.get(reverse("metas:goal-changes-feed"), {"parroquia": "atlantida"})
    assert response.status_code == 400
    assert "Los filtros de esta dirección no son válidos" in response.content.decode()


def test_the_goal_list_links_to_its_feed_with_the_same_filters(client, parishes):
    page = client.get(reverse("metas:goal-list"), {"parroquia": "malacatos", "page": "1"},
                      follow=True)
    assert 'href="/metas.atom?parroquia=malacatos"' in page.content.decode()


def test_the_feeds_take_a_few_queries_whatever_their_size(
    client, two_months, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        client.get(reverse("metas:institution-changes-feed", args=[SLUG]))
    with django_assert_max_num_queries(6):
        client.get(reverse("metas:goal-changes-feed"), {"cambio": "sube"})
    assert Goal.objects.filter(objective__in=[RAISED, LOWERED, ADDED]).count() == 5
