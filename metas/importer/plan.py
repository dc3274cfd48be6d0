"""What a report's goals need besides their own fields, worked out before the first write:
their units (with the unit hierarchy), their territory tags and their search text; then the Goal
row each becomes (goal_row; the rows of its tags are metas.territory.tags.tag_rows).

The importer plans each report it stores with these; the demo data (metas.demo) plans its
institutions with the same functions, so both write the same rows for the same goals.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from metas.territory.tagger import Gazetteer, Tags
from metas.text import fold
from metas.units import parent_code, unit_identity

from .parsed import ParsedGoal, ParsedReport

# "Gestión Ambiental - Gestión de Calidad Ambiental", "Gestión de Higiene- Mercados": a dash
# with a space on at least one side ("Voz-IP" is one word).
_SEPARATOR = re.compile(r"\s+[-–—]\s*|\s*[-–—]\s+")


@dataclass
class PlannedUnit:
    level: str | None
    code: str
    published_name: str
    name: str  # its own part of the published name
    parent_identity: tuple | None = None  # a unit named as the first part of this one's name
    parent_code: str = ""  # "10" for "10.5 Puerto Seco Comercial": any known unit "10"


class Plan:
    """The units and territory tags of a report's goals, for a dry run as for an import.
    Without a gazetteer (the institution has no territory) the goals name no place."""

    def __init__(self, parsed: ParsedReport, gazetteer: Gazetteer | None = None):
        self.units: dict[tuple, PlannedUnit] = {}
        identities: dict[tuple, tuple] = {}  # (level, code, name) as published -> identity
        self.unit_identities = []  # each goal's, in report order
        for goal in parsed.goals:
            published = (goal.level, goal.unit_code, goal.unit_name)
            if published not in identities:
                identities[published] = self.plan_unit(*published)
            self.unit_identities.append(identities[published])
        self.tags = (
            tag_goals(parsed.goals, gazetteer) if gazetteer else [Tags() for _ in parsed.goals]
        )
        self.parents = {identity: self.find_parent(identity) for identity in self.units}
        self.order = self.parents_first()

    def plan_unit(self, level, code, published_name) -> tuple:
        """"A - B" makes B a sub-unit of A (same level, parent code "6" for "6.1"); a dotted
        code without a separator ("10.5 Puerto Seco Comercial") goes under the unit of code
        "10" in the same level, if one is known. Parents are planned before their children."""
        identity = unit_identity(level, code, published_name)
        if identity in self.units:
            return identity
        unit = PlannedUnit(level, code, published_name, name=published_name)
        separators = list(_SEPARATOR.finditer(published_name))
        if separators:
            last = separators[-1]
            unit.name = published_name[last.end():].strip()
            parent_name = published_name[: last.start()].strip()
            unit.parent_identity = self.plan_unit(level, parent_code(code), parent_name)
        elif "." in code:
            unit.parent_code = parent_code(code)
        self.units[identity] = unit
        return identity

    def parent_of(self, identity: tuple) -> tuple | None:
        """The planned parent of a planned unit: the unit its name starts with, else a top unit
        of the same level whose code is its parent code; None if this report has neither."""
        return self.parents[identity]

    def parents_first(self) -> list[tuple]:
        """Every planned unit, each after its parent, else in report order. A unit may come
        before its parent in the report ("6.1 Gestión de Calidad Ambiental" before "6.1
        Gestión Ambiental - …"): the store writes them in this order, so that the parent
        exists when its child is written, in the preview's plan as in the import's."""
        order, placed = [], set()
        for identity in self.units:
            chain = []
            while identity is not None and identity not in placed:
                chain.append(identity)
                placed.add(identity)
                identity = self.parents[identity]
            order += reversed(chain)
        return order

    def find_parent(self, identity: tuple) -> tuple | None:
        unit = self.units[identity]
        if unit.parent_identity is not None:
            return unit.parent_identity
        if unit.parent_code:
            for other_identity, other in self.units.items():
                is_top = other.parent_identity is None and not other.parent_code
                if is_top and other.level == unit.level and other.code == unit.parent_code:
                    return other_identity
        return None


def tag_goals(goals: list[ParsedGoal], gazetteer: Gazetteer) -> list[Tags]:
    """The territory tags of each goal's objective; each distinct objective is tagged once."""
    tags_by_objective = {}
    for goal in goals:
        if goal.objective not in tags_by_objective:
            tags_by_objective[goal.objective] = gazetteer.tag(goal.objective)
    return [tags_by_objective[goal.objective] for goal in goals]


def search_text(
    objective: str, indicator: str, target: str, unit_name: str, level_name: str,
    fold: Callable[[str], str] = fold,
) -> str:
    """What ?q= searches: the goal's objective, indicator and target, its unit's and level's
    names, folded. `fold` may be a cached metas.text.fold (these parts repeat a lot)."""
    parts = (objective, indicator, target, unit_name, level_name)
    return " ".join(folded for folded in map(fold, parts) if folded)


def goal_row(
    goal: ParsedGoal, *, report: int, position: int, unit, level_name: str, coverage: str,
    series, source_file: int | None = None, fold: Callable[[str], str] = fold,
) -> dict:
    """The Goal row (for metas.bulk.insert_many) of a goal as read: its fields as published,
    its place in the report and in its file, its stored `unit` (a metas.models.Unit) and level
    name, its territory `coverage`, its search text and `series`. The history fields are those
    of a goal without a previous month: metas.history links it to the months before."""
    return {
        "report": report,
        "unit": unit.pk,
        "position": position,
        "source_file": source_file,
        "source_line": goal.line,
        "source_page": goal.page,
        "objective": goal.objective,
        "indicator": goal.indicator,
        "target": goal.target,
        "progress": goal.progress,
        "status": goal.status,
        "note": goal.note,
        "lacks_financing": goal.lacks_financing,
        "verification_link": goal.verification_link,
        "ocr": goal.ocr or {},
        "coverage": coverage,
        "search_text": search_text(
            goal.objective, goal.indicator, goal.target, unit.published_name, level_name,
            fold=fold,
        ),
        "series": series,
        "previous": None,
        "previous_progress": None,
        "change": "",
        "months_unchanged": 0,
    }
