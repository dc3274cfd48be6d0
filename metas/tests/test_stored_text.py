"""No stored text can break a page or an export (hardening, item 1).

Text stored before the importer removed control characters (or written some other way) may
hold any of them: a form feed copied from a PDF made the Atom feeds answer 500, since XML 1.0
forbids it. Every output must stay valid for any stored text; migration 0007 also cleans what
was stored before.
"""
import csv
import io
import json
import xml.etree.ElementTree as ET
from importlib import import_module

import pytest
from django.apps import apps

from metas.models import Goal, Institution

from .factories import make_goal, make_institution, make_report, make_unit

pytestmark = pytest.mark.django_db

CONTROLS = "".join(chr(code) for code in [*range(1, 9), 11, 12, *range(14, 32), 127, 0x85])
HOSTILE = f"Vía\x0cnueva{CONTROLS}<script>alert(1)</script> ‮ «ñ» 🚧"


@pytest.fixture
def goals(db):
    """An institution whose stored names and goals hold every control character, in two months
    (so the change feeds have an entry)."""
    institution = make_institution(f"Municipio {HOSTILE}")
    unit = make_unit(institution, f"Unidad {HOSTILE}", code="1")
    july, august = make_report(institution, "2019-07"), make_report(institution, "2019-08")
    before = make_goal(july, unit, objective=f"Objetivo {HOSTILE}", progress=10)
    after = make_goal(
        august, unit, objective=f"Objetivo {HOSTILE}", progress=40, note=HOSTILE,
        indicator=HOSTILE, target=f"40% {HOSTILE}", previous=before, previous_progress=10,
        change=Goal.Change.UP, series=None,
    )
    return institution, after


def test_the_feeds_are_valid_xml_whatever_the_stored_text(client, goals):
    institution, goal = goals
    for url in ["/metas.atom", "/metas.atom?periodo=todos", f"/{institution.slug}/cambios.atom"]:
        response = client.get(url)
        assert response.status_code == 200, url
        feed = ET.fromstring(response.content)
        titles = [element.text for element in feed.iter("{http://www.w3.org/2005/Atom}title")]
        assert any("Vía nueva" in (title or "") for title in titles), url


def test_the_exports_read_back_whatever_the_stored_text(client, goals):
    _institution, goal = goals
    text = b"".join(client.get("/metas.csv?periodo=todos").streaming_content).decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    assert {record["objetivo"] for record in records} == {goal.objective}
    data = json.loads(b"".join(client.get("/metas.json").streaming_content))
    assert data["results"][0]["nota"] == goal.note


def test_the_pages_answer_whatever_the_stored_text(client, goals):
    institution, goal = goals
    paths = [
        "/", f"/{institution.slug}/", "/metas/", f"/metas/{goal.pk}/", "/unidades/",
        f"/unidades/{goal.unit.slug}/", "/reportes/", f"/reportes/{institution.slug}/2019-08/",
        f"/reportes/{institution.slug}/2019-08/cambios/",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.content.decode(), path


def test_the_migration_cleans_text_stored_before(goals):
    import_module("metas.migrations.0007_text_without_control_characters").clean(apps, None)
    goal = Goal.objects.get(pk=goals[1].pk)
    for text in (goal.objective, goal.note, goal.indicator, goal.target,
                 goal.unit.published_name, Institution.objects.get().name):
        assert not any(char in text for char in CONTROLS), repr(text)
    assert goal.objective.startswith("Objetivo Vía nueva")
