"""Is a goal on track? Its percentage against the share of the plan year gone by.

LOTAIP goals are the units' yearly operating plans, and Ecuador's fiscal year is the calendar
year: by the end of a report's month, month/12 of the year has gone by (August: 8/12, 66,7 %).

    pace_of(progress, status, months_unchanged, period)  # Pace("atrasada", ...)
    condition("atrasada")      # the same rule as a database condition, for filters
    counts(goals)              # {"en-ritmo": 40, "atrasada": 50, ...}, one query
    months_stalled(2)          # 3: the N of "estancada N meses"
    stalled_for(3)             # the goals stalled for 3 months or more (?estancada=3)

The classes, the first that applies:
- cumplida: 100 % (whatever the month);
- sin dato: no percentage (does not apply, no information, a target in words);
- estancada N meses: the same percentage in at least STALLED_MONTHS reports in a row (N counts
  them: months_stalled(), the one definition the badge, the facet, ?estancada= and the exports
  read);
- en ritmo: at most one month behind the year (progress ≥ (month − 1)/12 of 100 %);
- atrasada: further behind.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from django.db.models import F, Q
from django.db.models.functions import ExtractMonth
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from metas.models import Goal
from metas.presentation.numbers import percent_text

# The same percentage in this many reports in a row is a stalled goal.
STALLED_MONTHS = 3
ACHIEVED, NO_DATA, STALLED, ON_TRACK, BEHIND = (
    "cumplida", "sin-dato", "estancada", "en-ritmo", "atrasada"
)
LABELS = {
    ON_TRACK: _("on track"),
    BEHIND: _("behind schedule"),
    STALLED: _("stalled"),
    ACHIEVED: _("achieved"),
    NO_DATA: _("no data"),
}
FILTER_CHOICES = [(slug, LABELS[slug]) for slug in (ON_TRACK, BEHIND, STALLED, ACHIEVED, NO_DATA)]
# Each class's rule as /metodologia/ states it, in the order they are tried.
RULES = [
    (ACHIEVED, _("100 %, whatever the month.")),
    (NO_DATA, _("The goal does not apply, has no information, or its target is in words.")),
    (STALLED, format_lazy(
        _("The same percentage in at least {months} reports in a row (the N of “stalled for N "
          "months” counts them)."), months=STALLED_MONTHS)),
    (ON_TRACK, _("At most one month behind the share of the year gone by.")),
    (BEHIND, _("Further behind.")),
]
_HUNDREDTH = Decimal("0.01")


def expected(month: int) -> Decimal:
    """The share of the year gone by at the end of `month` (1–12), in percent."""
    return Decimal(month * 100) / 12


def on_track_from(month: int) -> Decimal:
    """The lowest stored percentage (two decimals) that is on track in `month`: one month's
    share (8,3 points) below the share of the year gone by."""
    return ((Decimal((month - 1) * 100) / 12)).quantize(_HUNDREDTH, rounding=ROUND_CEILING)


@dataclass(frozen=True)
class Pace:
    slug: str  # one of the classes above, as ?ritmo= and the exports write it
    expected: Decimal  # the share of the year gone by, in percent
    months: int = 0  # for a stalled goal: reports in a row with the same percentage

    @property
    def label(self) -> str:
        if self.slug == STALLED:
            return ngettext(
                "stalled for %(count)s month", "stalled for %(count)s months", self.months
            ) % {"count": self.months}
        return str(LABELS[self.slug])

    @property
    def expected_text(self) -> str:
        return percent_text(self.expected)

    @property
    def is_warning(self) -> bool:
        return self.slug in (BEHIND, STALLED)


def months_stalled(months_unchanged: int) -> int:
    """How long a goal has not moved, as "estancada N meses" and ?estancada=N count it: the
    reports in a row with the same reading, this one included (Goal.months_unchanged counts
    the months since the first of them). stalled_for() is the same count in the database."""
    return months_unchanged + 1


def stalled_for(months: int) -> Q:
    """The goals whose months_stalled() is at least `months`, as a database condition."""
    return Q(months_unchanged__gte=months - 1)


def pace_of(progress, status: str, months_unchanged: int, period: date) -> Pace:
    share = expected(period.month)
    if progress is None or status != Goal.Status.PERCENT:
        return Pace(NO_DATA, share)
    if progress >= 100:
        return Pace(ACHIEVED, share)
    stalled = months_stalled(months_unchanged)
    if stalled >= STALLED_MONTHS:
        return Pace(STALLED, share, stalled)
    if progress >= on_track_from(period.month):
        return Pace(ON_TRACK, share)
    return Pace(BEHIND, share)


def of_goal(goal: Goal) -> Pace:
    """The pace of a goal with its report loaded (no query beyond that)."""
    return pace_of(goal.progress, goal.status, goal.months_unchanged, goal.report.period)


class _Month(ExtractMonth):
    """The month of a date; on SQLite with its own strftime() rather than Django's, which
    calls back into Python for every row (a tenth of a search's time, at every match)."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"CAST(strftime('%%m', {sql}) AS INTEGER)", params


def _on_track_in_its_month() -> Q:
    """progress >= on_track_from(the report's month), as one comparison a row: with progress
    stored to two decimals, that is 12 × progress >= 100 × (month - 1), exactly (a chain of
    twelve "month = m and progress >= …" cost SQLite a Python call per goal and month)."""
    month = _Month("report__period")
    return Q(GreaterThanOrEqual(F("progress") * 12, (month - 1) * 100))


def condition(slug: str) -> Q:
    """pace_of() as a database condition on goals (?ritmo=<slug>)."""
    percent = Q(status=Goal.Status.PERCENT, progress__isnull=False)
    stalled = stalled_for(STALLED_MONTHS)
    moving = percent & Q(progress__lt=100) & ~stalled
    return {
        ACHIEVED: percent & Q(progress__gte=100),
        NO_DATA: ~percent,
        STALLED: percent & Q(progress__lt=100) & stalled,
        ON_TRACK: moving & _on_track_in_its_month(),
        BEHIND: moving & ~_on_track_in_its_month(),
    }[slug]


def counts(goals) -> dict[str, int]:
    """How many goals of a queryset have each pace, in one query, in FILTER_CHOICES order."""
    return goals.count_each({slug: condition(slug) for slug, _label in FILTER_CHOICES})
