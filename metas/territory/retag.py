"""Re-tagging stored goals with their institution's territory, without re-importing.

    retag([institution])      # after its territory was set or changed
    retag()                   # every institution (migration 0013, `manage.py retag`)

Each institution is re-tagged in its own transaction: its goals' parish, canton and council
tags are replaced by those its gazetteer gives now, and their coverage updated. The rows are
written by metas.bulk, as the importer writes them.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .gazetteers import Atlas


@dataclass
class Retagged:
    institutions: int = 0
    goals: int = 0
    parish_tags: int = 0
    canton_tags: int = 0
    neighbourhood_tags: int = 0
    coverage_changed: int = 0

    def add(self, other: Retagged) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def retag(institutions=None, *, atlas: Atlas | None = None, apps=None, exclude_reports=(),
          dry_run: bool = False) -> Retagged:
    """Re-tags the goals of `institutions` (every institution when None), except those of
    `exclude_reports` (pks). `apps` is a migration's app registry, or None for the current
    models. With dry_run, counts what the tags would be and writes nothing."""
    if apps is None:
        from django.apps import apps
    Institution = apps.get_model("metas", "Institution")
    atlas = atlas or Atlas.from_database(apps)
    if institutions is None:
        institutions = Institution.objects.order_by("name")
    total = Retagged()
    for institution in institutions:
        with transaction.atomic():
            total.add(_retag_one(institution, atlas, apps, exclude_reports, dry_run))
    return total


def _retag_one(institution, atlas, apps, exclude_reports, dry_run) -> Retagged:
    from metas.bulk import insert_many, update_many
    from metas.territory.tags import cached, tag_rows

    Goal = apps.get_model("metas", "Goal")
    models = {name: apps.get_model("metas", name)
              for name in ("GoalParish", "GoalCanton", "GoalNeighbourhood")}
    goals = list(
        Goal.objects.filter(report__institution=institution)
        .exclude(report__in=list(exclude_reports))
        .order_by("pk")
        .values_list("pk", "objective", "coverage")
    )
    tag = cached(atlas.for_institution(institution).tag)
    ids = _place_ids(apps)
    rows = {name: [] for name in models}
    changed = []
    for pk, objective, coverage in goals:
        tags = tag(objective)
        for name, goal_rows in zip(models, tag_rows(pk, tags, *ids)):
            rows[name] += goal_rows
        if tags.coverage != coverage:
            changed.append(Goal(pk=pk, coverage=tags.coverage))
    result = Retagged(
        institutions=1,
        goals=len(goals),
        parish_tags=len(rows["GoalParish"]),
        canton_tags=len(rows["GoalCanton"]),
        neighbourhood_tags=len(rows["GoalNeighbourhood"]),
        coverage_changed=len(changed),
    )
    if dry_run:
        return result
    goal_ids = [pk for pk, _objective, _coverage in goals]
    for name, model in models.items():
        for start in range(0, len(goal_ids), 1000):  # few enough parameters for SQLite
            model.objects.filter(goal_id__in=goal_ids[start:start + 1000]).delete()
        insert_many(model, rows[name])
    update_many(changed, ["coverage"])
    return result


def _place_ids(apps) -> tuple[dict, dict, dict]:
    """{slug: pk} of every parish, canton and council, as tag_rows takes them."""
    return tuple(
        dict(apps.get_model("metas", name).objects.values_list("slug", "pk"))
        for name in ("Parish", "Canton", "Neighbourhood")
    )
