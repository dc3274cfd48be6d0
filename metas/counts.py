"""The figures of a report: one definition for the importer's summary, the import log, the staff
preview and the public pages.

    Counts.of_parsed(parsed.goals)            # before storing (a dry run, the preview)
    Counts.of_stored(Goal.objects.filter(…))  # after, in one query (GoalQuerySet.summary)

A unit is a unit as published within its level (metas.units.unit_identity: one stored
Unit each); a level counts when it has goals. Each other figure counts the goals with one value
of one field, listed once in KINDS for both the Python and the SQL side. Needs no database.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .units import unit_identity

# The goal field and value that put a goal in each counted kind (Goal.Status values).
KINDS = {
    "not_applicable": ("status", "not_applicable"),
    "not_available": ("status", "not_available"),
    "text_targets": ("status", "text"),
    "lacking_financing": ("lacks_financing", True),
}


@dataclass
class Counts:
    goals: int = 0
    levels: int = 0
    units: int = 0
    not_applicable: int = 0
    not_available: int = 0
    text_targets: int = 0
    lacking_financing: int = 0

    @classmethod
    def of_parsed(cls, goals) -> Counts:
        """The figures of ParsedGoals (metas.importer.parsed)."""
        counts = cls(
            goals=len(goals),
            levels=len({goal.level for goal in goals if goal.level}),
            units=len({unit_identity(g.level, g.unit_code, g.unit_name) for g in goals}),
        )
        for kind, (field, value) in KINDS.items():
            setattr(counts, kind, sum(1 for goal in goals if getattr(goal, field) == value))
        return counts

    @classmethod
    def of_stored(cls, goals) -> Counts:
        """The figures of a queryset of stored goals, in one query."""
        summary = goals.summary()
        return cls(**{name: summary[name] for name in asdict(cls())})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
