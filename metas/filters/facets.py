"""How many of the goals listed have each value of the main filters, each value a link that
applies it, like Datasette's facets (a mixin of GoalFilter):

    goals.facets(listed_goals, request.path)

A list filtered only by institution, period, level, unit and parish adds up the tallies written
at publication (tallies.py); any other list counts its goals, with the same conditions.
"""
from __future__ import annotations

from django.db.models import Count

from ..models import Goal, GoalParish, Parish
from .tallies import COUNTED_FACETS, GOALS, TallyScope, conditions

# Values shown per facet (the most frequent first).
FACET_SIZE = 8


class Facets:
    """Needs a GoalFilter (self.filters, self.form, self.url, self.institution_in_scope,
    self.named_institution())."""

    # The number of goals listed, counted with the facets (None before facets()).
    listed_count = None

    def facets(self, goals, path: str) -> list[dict]:
        """Counts per value of the list's main filters among `goals` (this list), each value a
        link that applies it, like Datasette's facets: [{"name", "label", "values": [{"label",
        "count", "url", "selected"}]}]. A few queries (two more for one institution), whatever
        the number of goals."""
        scope = TallyScope.of(self.form.cleaned_data, self.named_institution())
        counts = _Tallied(scope) if scope is not None else _Counted(goals)
        self.listed_count = counts.totals.get((GOALS, ""), 0)
        data = self.form.cleaned_data
        facets = []
        for name, values in COUNTED_FACETS.items():
            rows = [(value, label, counts.totals.get((name, value), 0))
                    for value, label, _q in values]
            if name == "sin_financiamiento":
                facets[-1]["values"] += self._facet(name, rows, path, "1" if data.get(name)
                                                    else None)["values"]
            else:
                facets.append(self._facet(name, rows, path, data.get(name)))
        if self.institution_in_scope is not None:
            for name, slug_field, label_field in (
                    ("nivel", "unit__level__slug", "unit__level__name"),
                    ("unidad", "unit__slug", "unit__published_name")):
                chosen = data.get(name)
                rows = [row for row in counts.grouped(slug_field, label_field) if row[0]]
                facets.append(self._facet(name, rows, path, chosen.slug if chosen else None))
        chosen = data.get("parroquia")
        facets.append(self._facet("parroquia", counts.parishes(), path,
                                  chosen.slug if chosen else None))
        return [facet for facet in facets if facet["values"]]

    def _facet(self, name, values, path, chosen) -> dict:
        return {
            "name": name,
            "label": self.filters[name].label,
            "values": [
                {"label": label, "count": count, "url": self.url(path, **{name: value}),
                 "selected": value == chosen}
                for value, label, count in values
                if count
            ],
        }


class _Counted:
    """The facets of any list, counted among its goals."""

    def __init__(self, goals):
        self.ids = goals.order_by().values("pk")
        self.listed = Goal.objects.filter(pk__in=self.ids)
        # Counted over the list's own query: through `pk IN (…)` the database would find the
        # goals twice (half a search's counting, which selects thousands of them).
        self.totals = goals.order_by().count_each(conditions(), total=Count("pk"))
        self.totals[GOALS, ""] = self.totals.pop("total")

    def grouped(self, slug_field, label_field) -> list[tuple]:
        rows = (self.listed.values(slug_field, label_field).annotate(count=Count("pk"))
                .order_by("-count", label_field)[:FACET_SIZE])
        return [(row[slug_field], row[label_field], row["count"]) for row in rows]

    def parishes(self) -> list[tuple]:
        rows = (
            GoalParish.objects.filter(goal__in=self.ids, via_coverage=False)
            .values("parish__slug", "parish__name")
            .annotate(count=Count("goal_id"))  # a goal names a parish once (unique_goal_parish)
            .order_by("-count", "parish__name")[:FACET_SIZE]
        )
        return [(row["parish__slug"], row["parish__name"], row["count"]) for row in rows]


class _Tallied:
    """The facets of a list of whole reports, levels, units and parishes, added up from their
    tallies."""

    def __init__(self, scope: TallyScope):
        self.scope = scope
        self.totals = scope.counts()

    def grouped(self, slug_field, label_field) -> list[tuple]:
        return self.scope.grouped(slug_field, label_field, FACET_SIZE)

    def parishes(self) -> list[tuple]:
        counted = dict(self.scope.parishes(FACET_SIZE))
        names = Parish.objects.filter(pk__in=counted).values_list("pk", "slug", "name")
        rows = sorted(((slug, name, counted[pk]) for pk, slug, name in names),
                      key=lambda row: (-row[2], row[1]))
        return rows[:FACET_SIZE]
