"""How many of the goals listed have each value of the main filters, each value a link that
applies it, like Datasette's facets (a mixin of GoalFilter):

    goals.facets(listed_goals, request.path)
"""
from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ..accountability import pace, reasons
from ..models import PROGRESS_BANDS, Goal, GoalParish

# Values shown per facet (the most frequent first).
FACET_SIZE = 8
# The facets whose values are conditions, all counted in one query: (value, label, condition);
# "sin_financiamiento" is shown with the progress.
COUNTED_FACETS = {
    "avance": [(band.slug, band.label, band.condition) for band in PROGRESS_BANDS],
    "sin_financiamiento": [("1", _("Lacking financing"), Q(lacks_financing=True))],
    "ritmo": [(value, label, pace.condition(value)) for value, label in pace.FILTER_CHOICES],
    "motivo": [
        (value, label, reasons.condition(value)) for value, label in reasons.FILTER_CHOICES
    ],
}


class Facets:
    """Needs a GoalFilter (self.filters, self.form, self.url, self.institution_in_scope)."""

    def facets(self, goals, path: str) -> list[dict]:
        """Counts per value of the list's main filters among `goals` (this list), each value a
        link that applies it, like Datasette's facets: [{"name", "label", "values": [{"label",
        "count", "url", "selected"}]}]. Two queries (four for one institution), whatever the
        number of goals: every count of a condition in one, the parishes in another."""
        listed = Goal.objects.filter(pk__in=goals.order_by().values("pk"))
        data = self.form.cleaned_data
        totals = listed.count_each({
            (name, value): condition
            for name, values in COUNTED_FACETS.items() for value, _label, condition in values
        })
        facets = []
        for name, values in COUNTED_FACETS.items():
            rows = [(value, label, totals[name, value]) for value, label, _q in values]
            if name == "sin_financiamiento":
                facets[-1]["values"] += self._facet(name, rows, path, "1" if data.get(name)
                                                    else None)["values"]
            else:
                facets.append(self._facet(name, rows, path, data.get(name)))
        if self.institution_in_scope is not None:
            facets.append(self._grouped_facet(
                listed, path, "nivel", "unit__level__slug", "unit__level__name", data))
            facets.append(self._grouped_facet(
                listed, path, "unidad", "unit__slug", "unit__published_name", data))
        parishes = (
            GoalParish.objects.filter(goal__in=listed.values("pk"), via_coverage=False)
            .values("parish__slug", "parish__name")
            .annotate(count=Count("goal_id", distinct=True))
            .order_by("-count", "parish__name")[:FACET_SIZE]
        )
        chosen = data.get("parroquia")
        facets.append(self._facet("parroquia", [
            (row["parish__slug"], row["parish__name"], row["count"]) for row in parishes
        ], path, chosen.slug if chosen else None))
        return [facet for facet in facets if facet["values"]]

    def _grouped_facet(self, listed, path, name, slug_field, label_field, data) -> dict:
        rows = (
            listed.values(slug_field, label_field).annotate(count=Count("pk"))
            .order_by("-count", label_field)[:FACET_SIZE]
        )
        chosen = data.get(name)
        values = [(row[slug_field], row[label_field], row["count"]) for row in rows
                  if row[slug_field]]
        return self._facet(name, values, path, chosen.slug if chosen else None)

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
