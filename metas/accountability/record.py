"""What the importer stores for accountability, inside its transaction, in one call:

    record_import(report, parsed, goal_ids)   # metas.importer.store, after the goals are written

- Report.compliance: the "Cumplimiento LOTAIP" check of the parsed report, published now;
- Goal.reason / reason_words: why each goal does not progress (one UPDATE per reason found);
- Report.content_sha256, and unchanged_since for the institution's reports.

`record_written(reports)` does it for reports written as rows, their reasons set (metas.demo).
`refresh(report)` computes the same from the stored report (the refresh_accountability command:
reports stored before these existed, or after the rule file changed).
"""
from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from metas.models import Goal, Report

from . import compliance, freshness, reasons


def record_import(report: Report, parsed, goal_ids: list[int]) -> None:
    with transaction.atomic():  # a savepoint within the importer's transaction
        report.compliance = compliance.check_parsed(
            parsed, report.period, published_on=timezone.localdate(report.imported_at)
        ).as_stored()
        report.content_sha256 = freshness.fingerprint(parsed.goals)
        report.save(update_fields=["compliance", "content_sha256"])
        _store_reasons([
            (goal_id, goal.status, goal.note, goal.target)
            for goal_id, goal in zip(goal_ids, parsed.goals)
        ])
        freshness.refresh_runs(report.institution_id)


def refresh(report: Report) -> None:
    """Recompute everything record_import stores, from the stored report and its goals."""
    with transaction.atomic():
        _check_and_fingerprint(report)
        goals = Goal.objects.filter(report=report)
        _store_reasons(goals.values_list("pk", "status", "note", "target"), replace=True)
        freshness.refresh_runs(report.institution_id)


def record_written(reports: list[Report]) -> None:
    """The check, fingerprint and runs of reports written with their goals' reasons already
    (metas.demo writes rows, not files)."""
    with transaction.atomic():
        for report in reports:
            _check_and_fingerprint(report)
        for institution_id in {report.institution_id for report in reports}:
            freshness.refresh_runs(institution_id)


def _check_and_fingerprint(report: Report) -> None:
    goals = Goal.objects.filter(report=report).select_related("unit").order_by("position")
    report.compliance = compliance.check_stored(report).as_stored()
    report.content_sha256 = freshness.fingerprint(_Published(goal) for goal in goals)
    report.save(update_fields=["compliance", "content_sha256"])


class _Published:
    """A stored goal as fingerprint() reads it (the parsed goal's field names)."""

    def __init__(self, goal: Goal):
        self.unit_code, self.unit_name = goal.unit.code, goal.unit.published_name
        self.objective, self.indicator, self.target = goal.objective, goal.indicator, goal.target


# Goal ids per UPDATE: well within every database's limit of parameters.
UPDATE_CHUNK = 500


def _store_reasons(rows, *, replace: bool = False) -> None:
    """rows: (goal id, status, note, target). Goals start without a reason: only those with
    one are written, unless `replace` (stored goals may hold an older rule's). Reports repeat
    a few notes, so the goals of each (reason, words) are updated together, a few statements
    per report."""
    groups = defaultdict(list)
    for pk, status, note, target in rows:
        found = reasons.reason_of(status, note, target)
        if found.reason or replace:
            groups[(found.reason, found.words)].append(pk)
    for (reason, words), pks in groups.items():
        for start in range(0, len(pks), UPDATE_CHUNK):
            Goal.objects.filter(pk__in=pks[start:start + UPDATE_CHUNK]).update(
                reason=reason, reason_words=words
            )
