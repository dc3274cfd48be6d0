"""The goal list's facet counts, counted once when goals are published rather than at every
page that lists them (models.Tally: report × unit × facet value → goals):

    recount(report_ids)              # the publication door, in the transaction that changed them
    scope = TallyScope.of(data)      # None when the filters ask for more than reports and units
    scope.counts()                   # {("avance", "0-24"): 12, ..., ("goals", ""): 645}

A list filtered only by institution, period, level, unit and parish (the pages citizens reach
from an institution or a place, and most of the lists never asked before) then adds up a few
dozen rows in place of counting its goals against twenty conditions; any other filter counts
its goals as before (metas.filters.facets), with the same conditions, declared here once. Each
report and unit is tallied whole, and once more for each parish its goals name (a list filtered
by that parish).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import (
    BooleanField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum,
)
from django.utils.translation import gettext_lazy as _

from ..accountability import pace, reasons
from ..bulk import insert_many
from ..models import PROGRESS_BANDS, Goal, GoalParish, Institution, Report, Tally, Unit

# The facets whose values are conditions: (value, label, condition); "sin_financiamiento" is
# shown with the progress.
COUNTED_FACETS = {
    "avance": [(band.slug, band.label, band.condition) for band in PROGRESS_BANDS],
    "sin_financiamiento": [("1", _("Lacking financing"), Q(lacks_financing=True))],
    "ritmo": [(value, label, pace.condition(value)) for value, label in pace.FILTER_CHOICES],
    "motivo": [
        (value, label, reasons.condition(value)) for value, label in reasons.FILTER_CHOICES
    ],
}
GOALS, PARISH = "goals", "parroquia"
# The filters a tally answers; any other one given counts the goals themselves.
TALLIED_FILTERS = {"institucion", "periodo", "nivel", "unidad", "parroquia", "orden"}
# Reports recounted at a time, and goals whose parishes are read per statement (SQLite's
# limit of variables in one statement).
CHUNK = 500
GOALS_PER_QUERY = 10_000


def conditions() -> dict[tuple[str, str], Q]:
    """{(facet, value): condition} of every counted facet value."""
    return {(name, value): condition
            for name, values in COUNTED_FACETS.items() for value, _label, condition in values}


def recount(report_ids) -> None:
    """The tallies of these reports written again from their goals (a few queries a chunk)."""
    report_ids = sorted(set(report_ids))
    for start in range(0, len(report_ids), CHUNK):
        chunk = report_ids[start:start + CHUNK]
        Tally.objects.filter(report_id__in=chunk).delete()
        insert_many(Tally, _counted(chunk))  # COPY on PostgreSQL: a third of recounting


def stamp(institution_ids) -> None:
    """Every report of these institutions tallied for their current `published_at` (once the
    reports whose goals changed were recounted)."""
    published_at = Institution.objects.filter(pk=OuterRef("institution_id")).values(
        "published_at")[:1]
    Report.objects.filter(institution__in=institution_ids).update(
        tallied_for=Subquery(published_at))


def following(report_ids) -> list[int]:
    """These reports and the later ones of their institutions: an import re-links the
    history of the months after it (metas.history), which moves their paces."""
    firsts = {}
    for institution, period in Report.objects.filter(pk__in=report_ids).values_list(
            "institution_id", "period"):
        firsts[institution] = min(period, firsts.get(institution, period))
    later = Q(pk__in=[])
    for institution, period in firsts.items():
        later |= Q(institution_id=institution, period__gte=period)
    return list(Report.objects.filter(later).values_list("pk", flat=True)) if firsts else []


def _counted(report_ids) -> list[dict]:
    """The tallies of these reports: for each report and unit, and for each parish its goals
    name, the goals with each counted facet value and the parishes they name (a goal names a
    parish once: unique_goal_parish).

    Each goal is read once with its conditions as columns, and its parishes by goal id; the
    adding up is done here. Read through the indexes of the goals' report and the tags' goal,
    the cost follows the reports recounted, not the size of the country (joined in the
    database, PostgreSQL preferred to read every tag of every report).
    """
    every = conditions()
    flags = {f"c{index}": key for index, key in enumerate(every)}
    goals = list(
        Goal.objects.filter(report_id__in=report_ids).order_by()
        .annotate(**{alias: ExpressionWrapper(every[key], output_field=BooleanField())
                     for alias, key in flags.items()})
        .values_list("pk", "report_id", "unit_id", *flags)
    )
    named = _named_parishes([goal[0] for goal in goals])
    counts = Counter()
    for pk, report, unit, *met in goals:
        parishes = named.get(pk, ())
        values = [(GOALS, ""), *(key for key, flag in zip(flags.values(), met) if flag),
                  *((PARISH, str(parish)) for parish in parishes)]
        for chosen in (None, *parishes):
            for value in values:
                counts[report, unit, chosen, value] += 1
    return [{"report": report, "unit": unit, "parish": chosen, "facet": facet, "value": value,
             "count": count}
            for (report, unit, chosen, (facet, value)), count in counts.items()]


def _named_parishes(goal_ids: list[int]) -> dict[int, list[int]]:
    """{goal: the parishes it names} (not those it covers as "the urban parishes")."""
    named: dict[int, list[int]] = {}
    for start in range(0, len(goal_ids), GOALS_PER_QUERY):
        tags = GoalParish.objects.filter(goal_id__in=goal_ids[start:start + GOALS_PER_QUERY],
                                         via_coverage=False)
        for goal, parish in tags.order_by("goal_id", "parish_id").values_list("goal_id",
                                                                             "parish_id"):
            named.setdefault(goal, []).append(parish)
    return named


def _given(value) -> bool:
    return value is not None and value is not False and value != ""


@dataclass
class TallyScope:
    """The tallies of a list's goals: its reports, narrowed to a level's or a unit's units,
    and those of the goals that name a parish when one is chosen."""

    tallies: QuerySet

    @classmethod
    def of(cls, data: dict, institution) -> TallyScope | None:
        """The scope of valid filters `data` when tallies answer them, else None.
        `institution`: the one institution they name (GoalFilter's rule), if any."""
        if any(_given(value) for name, value in data.items() if name not in TALLIED_FILTERS):
            return None
        reports = Report.objects.in_scope(institution, data.get("periodo") or None)
        if data.get("institucion"):
            reports = reports.filter(institution=data["institucion"])
        if reports.exclude(tallied_for=F("institution__published_at")).exists():
            return None  # goals written by something else than the publication door
        tallies = Tally.objects.filter(report__in=reports.order_by().values("pk"),
                                       parish=data.get("parroquia"))  # None: every goal
        if data.get("nivel"):
            tallies = tallies.filter(unit__level=data["nivel"])
        if data.get("unidad"):
            tallies = tallies.filter(unit__in=Unit.objects.with_descendants(data["unidad"]))
        return cls(tallies.order_by())

    def counts(self) -> dict[tuple[str, str], int]:
        """{(facet, value): goals} of every counted value, and (GOALS, "")."""
        rows = (self.tallies.exclude(facet=PARISH).values_list("facet", "value")
                .annotate(total=Sum("count")))
        return {(facet, value): total for facet, value, total in rows}

    def grouped(self, slug_field: str, label_field: str, size: int) -> list[tuple]:
        """The `size` groups (a level, a unit) with most goals: (slug, label, goals)."""
        rows = (self.tallies.filter(facet=GOALS).values_list(slug_field, label_field)
                .annotate(total=Sum("count")).order_by("-total", label_field)[:size])
        return list(rows)

    def parishes(self, size: int) -> list[tuple]:
        """The `size` parishes named by most goals: (pk, goals), ties left to the caller."""
        rows = (self.tallies.filter(facet=PARISH).values_list("value")
                .annotate(total=Sum("count")).order_by("-total"))
        ranked = [(int(value), total) for value, total in rows]
        if len(ranked) <= size:
            return ranked
        floor = ranked[size - 1][1]  # every parish tied with the last one shown competes
        return [row for row in ranked if row[1] >= floor]
