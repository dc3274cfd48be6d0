"""Plain-Spanish summaries, written from templates (no generated text):

    report_summary(report)
    # "En agosto de 2019, 31 de 122 metas con porcentaje llegaron al 100 %; 32 no avanzan por
    #  falta de financiamiento."
    unit_summary(unit)            # the goals of a unit and its sub-units, same scope as its page
    parish_summary(parish)        # the goals that name a parish, same scope as its page
    summary(goals)                # any queryset of goals: one query

"llegaron al 100 %" counts goals at 100 %; "no avanzan por falta de financiamiento" those
below it (or without a percentage) whose reason is the lack of financing
(metas.accountability.reasons). When the goals come from several months the sentence starts
"En los reportes más recientes".
"""
from __future__ import annotations

from django.db.models import Max, Min, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metas import periods
from metas.models import Goal, Unit
from metas.presentation.numbers import count_text, percent_text

_REACHED = Q(progress__gte=100)
_NO_FINANCING = Q(reason=Goal.Reason.NO_FINANCING) & ~_REACHED


def summary(goals) -> str:
    figures = goals.count_each(
        {"with_percent": Q(progress__isnull=False), "reached": _REACHED,
         "no_financing": _NO_FINANCING},
        first=Min("report__period"),
        last=Max("report__period"),
    )
    return sentence(**figures)


def sentence(*, with_percent, reached, no_financing, first, last) -> str:
    if first is not None and first == last:
        when = _("In %(period)s") % {"period": periods.label(first)}
    else:
        when = _("In the latest reports")
    if with_percent:
        goals = ngettext(
            "%(count)s goal with a percentage", "%(count)s goals with a percentage", with_percent
        ) % {"count": count_text(with_percent)}
        progress = ngettext(
            "%(reached)s of %(goals)s reached %(full)s",
            "%(reached)s of %(goals)s reached %(full)s",
            reached,
        ) % {"reached": count_text(reached), "goals": goals, "full": percent_text(100)}
    else:
        progress = _("no goal has a percentage")
    if not no_financing:
        return _("%(when)s, %(progress)s.") % {"when": when, "progress": progress}
    financing = ngettext(
        "%(count)s does not progress for lack of financing",
        "%(count)s do not progress for lack of financing",
        no_financing,
    ) % {"count": count_text(no_financing)}
    return _("%(when)s, %(progress)s; %(financing)s.") % {
        "when": when, "progress": progress, "financing": financing}


def report_summary(report) -> str:
    return summary(Goal.objects.filter(report=report))


def unit_summary(unit, period=None) -> str:
    """The unit's goals and its sub-units', in its institution's latest report (or `period`)."""
    goals = Goal.objects.in_scope(unit.institution_id, period)
    return summary(goals.filter(unit__in=Unit.objects.with_descendants(unit)))


def parish_summary(parish, institution=None, period=None) -> str:
    """The goals that name the parish (or cover it with "las parroquias urbanas/rurales") in
    each institution's latest report, or the given institution and period."""
    goals = Goal.objects.in_scope(institution, period).filter(parish_tags__parish=parish)
    return summary(goals)
