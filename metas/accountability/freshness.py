""""Vigente al" apart from "actualizada el": a report whose goals read exactly as the previous
report's is not fresh news, whatever its update date says.

The Defensoría's parameters (Resolución 007-DPE-CGAJ, art. 6) ask an institution whose
information did not change to publish it again with a new date. So, for each report:
- Report.content_sha256: a fingerprint of its goals as published (units, objectives,
  indicators and targets, in order), computed at import;
- Report.unchanged_since: when the goals are identical to the previous report's, the first
  month of that run of identical reports; None when they changed (or there is no previous
  report). "Previous" is the institution's previous stored report, as in metas.history.

    notice(report)   # "Sin cambios desde marzo de 2025; confirmado vigente el 30/06/2025"
    condition("sin-cambios")   # for a goal-list filter (?vigencia=)
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metas import periods
from metas.models import Report

UNCHANGED, CHANGED = "sin-cambios", "actualizada"
FILTER_CHOICES = [
    (UNCHANGED, gettext_lazy("Unchanged since an earlier month")),
    (CHANGED, gettext_lazy("Changed in its month")),
]


def fingerprint(goals) -> str:
    """SHA-256 of goals (anything with unit_code, unit_name, objective, indicator, target) in
    their order: equal for two reports whose goals read exactly the same."""
    digest = hashlib.sha256()
    for goal in goals:
        fields = (goal.unit_code, goal.unit_name, goal.objective, goal.indicator, goal.target)
        digest.update("\x1f".join(fields).encode("utf-8") + b"\x1e")
    return digest.hexdigest()


def refresh_runs(institution_id: int) -> None:
    """Recompute unchanged_since for every report of the institution (one query, and an update
    per report that changes): importing a middle month may start or end a later run."""
    rows = (
        Report.objects.filter(institution_id=institution_id)
        .order_by("period").values_list("pk", "period", "content_sha256", "unchanged_since")
    )
    previous_sha, run_start = None, None
    for pk, period, sha, stored in rows:
        same = bool(sha) and sha == previous_sha
        run_start = run_start if same else period
        since = run_start if same else None
        if since != stored:
            Report.objects.filter(pk=pk).update(unchanged_since=since)
        previous_sha = sha


@dataclass(frozen=True)
class Notice:
    unchanged_since: date | None
    confirmed_on: date | None  # the report's update date

    @property
    def is_unchanged(self) -> bool:
        return self.unchanged_since is not None

    @property
    def text(self) -> str:
        day = date_format(self.confirmed_on, "SHORT_DATE_FORMAT") if self.confirmed_on else ""
        if self.is_unchanged:
            month = periods.label(self.unchanged_since)
            if day:
                return _("Unchanged since %(month)s; confirmed current on %(date)s") % {
                    "month": month, "date": day}
            return _("Unchanged since %(month)s") % {"month": month}
        if day:
            return _("Updated on %(date)s") % {"date": day}
        return _("The report does not state its update date")


def notice(report: Report) -> Notice:
    return Notice(report.unchanged_since, report.updated_on)


def condition(value: str) -> Q:
    """Goals of reports unchanged since an earlier month, or changed in theirs (?vigencia=)."""
    unchanged = Q(report__unchanged_since__isnull=False)
    return unchanged if value == UNCHANGED else ~unchanged
