"""The institution's process levels and units as a report stores them: reused across months
(the same level by its folded name, the same unit by metas.units.unit_identity), new ones created
with a slug of their own, each unit under its parent.
"""
from __future__ import annotations

from django.utils.text import slugify

from metas.models import Institution, ProcessLevel, Unit
from metas.text import fold
from metas.units import unit_identity

from .plan import Plan
from .slugs import Slugs, unit_slug_base


def store_levels(institution: Institution, names: list[str]) -> dict[str, ProcessLevel]:
    """The report's process levels by folded name, reused across months, in report order."""
    existing = {fold(level.name): level for level in institution.levels.all()}
    slugs = Slugs(ProcessLevel, institution, [slugify(name) for name in names])
    levels = {}
    for position, name in enumerate(names, start=1):
        level = existing.get(fold(name))
        if level is None:
            level = ProcessLevel.objects.create(
                institution=institution,
                name=name,
                slug=slugs.new(slugify(name)),
                position=position,
            )
        elif level.position != position:
            level.position = position
            level.save(update_fields=["position"])
        levels[fold(name)] = level
    return levels


def store_units(institution, levels, plan: Plan) -> dict[tuple, Unit]:
    """Every planned unit, reusing the institution's existing ones, parents first
    (Plan.order)."""
    units = {
        unit_identity(u.level.name if u.level else None, u.code, u.published_name): u
        for u in institution.units.select_related("level")
    }
    new = {identity: unit for identity, unit in plan.units.items() if identity not in units}
    slugs = Slugs(Unit, institution, [unit_slug_base(u.code, u.name) for u in new.values()])
    stored = {}
    for identity in plan.order:
        planned = plan.units[identity]
        unit = units.get(identity)
        if unit is None:
            level = levels[fold(planned.level)] if planned.level else None
            unit = Unit.objects.create(
                institution=institution,
                level=level,
                parent=find_parent(plan, identity, stored, units),
                code=planned.code,
                published_name=planned.published_name,
                name=planned.name,
                slug=slugs.new(unit_slug_base(planned.code, planned.name)),
            )
            units[identity] = unit
        stored[identity] = unit
    return stored


def find_parent(plan: Plan, identity: tuple, stored: dict, units: dict) -> Unit | None:
    """The parent the plan gives the unit (already stored: parents come first), else a top
    unit of an earlier month with its parent code in the same level."""
    parent = plan.parent_of(identity)
    if parent is not None:
        return stored[parent]
    planned = plan.units[identity]
    if planned.parent_code:
        level = fold(planned.level) if planned.level else None
        for (unit_level, code, _name), unit in units.items():
            if unit_level == level and code == planned.parent_code and unit.parent_id is None:
                return unit
    return None
