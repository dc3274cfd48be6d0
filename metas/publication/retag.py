"""Re-tagging stored goals with their institution's territory, without re-importing.

    retag([institution])      # after its territory was set or changed (the admin)
    retag()                   # every institution (`manage.py retag`)
    tag_again(institution, atlas, exclude_reports=[report.pk])   # within another's transaction

retag() re-tags each institution in its own transaction, which goes through the door
(publication.changed): the pages that show it get a new version, and the prebuilt files are
rebuilt once, when every institution is done. Its goals' parish, canton and council tags are
replaced by those its gazetteer gives now, and their coverage updated; the rows are written by
metas.bulk, as the importer writes them.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps as installed_apps
from django.db import transaction

from ..bulk import insert_many, update_many
from ..models import Institution
from ..territory.gazetteers import Atlas
from ..territory.tags import cached, tag_rows
from .door import changed, together


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


def retag(institutions=None, *, atlas: Atlas | None = None, dry_run: bool = False) -> Retagged:
    """Re-tags the goals of `institutions` (every institution when None). With dry_run, counts
    what the tags would be and writes nothing."""
    atlas = atlas or Atlas.from_database()
    if institutions is None:
        institutions = Institution.objects.order_by("name")
    total = Retagged()
    with together():
        for institution in institutions:
            with transaction.atomic():
                total.add(tag_again(institution, atlas, dry_run=dry_run))
                if not dry_run:
                    changed(institution.pk)
    return total


def tag_again(institution, atlas: Atlas, *, apps=None, exclude_reports=(),
              dry_run: bool = False) -> Retagged:
    """Writes the tags of one institution's goals again, except those of `exclude_reports`
    (pks), inside the caller's transaction. Not a door of its own: its callers are retag(),
    the importer (whose transaction goes through publication.changed) and migration 0013,
    whose `apps` (its models as they were) has no publication to mark."""
    apps = apps or installed_apps
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
    changed_coverage = []
    for pk, objective, coverage in goals:
        tags = tag(objective)
        for name, goal_rows in zip(models, tag_rows(pk, tags, *ids)):
            rows[name] += goal_rows
        if tags.coverage != coverage:
            changed_coverage.append(Goal(pk=pk, coverage=tags.coverage))
    result = Retagged(
        institutions=1,
        goals=len(goals),
        parish_tags=len(rows["GoalParish"]),
        canton_tags=len(rows["GoalCanton"]),
        neighbourhood_tags=len(rows["GoalNeighbourhood"]),
        coverage_changed=len(changed_coverage),
    )
    if dry_run:
        return result
    goal_ids = [pk for pk, _objective, _coverage in goals]
    for name, model in models.items():
        for start in range(0, len(goal_ids), 1000):  # few enough parameters for SQLite
            model.objects.filter(goal_id__in=goal_ids[start:start + 1000]).delete()
        insert_many(model, rows[name])
    update_many(changed_coverage, ["coverage"])
    return result


def _place_ids(apps) -> tuple[dict, dict, dict]:
    """{slug: pk} of every parish, canton and council, as tag_rows takes them."""
    return tuple(
        dict(apps.get_model("metas", name).objects.values_list("slug", "pk"))
        for name in ("Parish", "Canton", "Neighbourhood")
    )
