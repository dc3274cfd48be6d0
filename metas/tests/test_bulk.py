"""metas.bulk.insert_many: what it writes reads back exactly as given, whether it writes with
COPY (PostgreSQL) or INSERTs (SQLite), and the search index finds it."""
import uuid
from decimal import Decimal

import pytest

from metas.bulk import insert_many
from metas.models import Goal, GoalParish, Parish
from metas.search import search

from .factories import make_report, make_unit

pytestmark = pytest.mark.django_db

# Text that COPY's text format escapes (tab, line break, backslash, "\N" and "\." as written),
# quotes, accents and signs.
TEXTS = [
    "Agua potable\tpara Taquil",
    "Vía a Chantaco\r\nsegunda etapa",
    r"Alcantarillado C:\obras\N y \. fin",
    "Parque \"El Valle\" y 'La Tebaida'",
    "Ñandú — 50 % € ✓",
    "",
]


def rows_for(report, unit):
    return [
        {
            "report": report.pk,
            "unit": unit.pk,
            "position": position,
            "source_file": None,
            "source_line": position + 7,
            "objective": text or "Meta sin texto",
            "indicator": text,
            "target": f"{position * 12.5}%",
            "progress": Decimal(position) * Decimal("12.5") if position % 3 else None,
            "status": Goal.Status.PERCENT if position % 3 else Goal.Status.NOT_AVAILABLE,
            "note": text,
            "lacks_financing": position % 2 == 0,
            "verification_link": "",
            "coverage": "",
            "search_text": f"meta numero{position} {text}".lower(),
            "series": uuid.UUID(int=position),
            "previous": None,
            "change": "",
            "months_unchanged": position,
        }
        for position, text in enumerate(TEXTS, start=1)
    ]


def test_it_writes_every_value_as_given():
    report = make_report()
    rows = rows_for(report, make_unit(report.institution))
    insert_many(Goal, rows)
    fields = [name for name in rows[0] if name not in ("report", "unit", "source_file",
                                                       "previous")]
    written = list(Goal.objects.filter(report=report).order_by("position").values(*fields))
    assert written == [{name: row[name] for name in fields} for row in rows]


def test_what_it_writes_is_found_by_the_search_and_keeps_its_tags():
    report = make_report()
    insert_many(Goal, rows_for(report, make_unit(report.institution)))
    goals = dict(Goal.objects.filter(report=report).values_list("position", "pk"))
    parish = Parish.objects.get(slug="vilcabamba")
    insert_many(GoalParish, [{"goal": goals[2], "parish": parish.pk,
                              "matched_text": "Vilcabamba", "via_coverage": False}])
    found = search(Goal.objects.all(), "numero2 chantaco")
    assert list(found.values_list("position", flat=True)) == [2]
    assert list(parish.goal_tags.values_list("goal__position", flat=True)) == [2]
