"""/reportes/<institution>/<YYYY-MM>/cambios/: what changed since the institution's previous
report, as a page and as open data (cambios.csv, cambios.json).

The changes are read from the stored history links (metas.history), the same categories the
staff preview shows before publishing: new goals, goals no longer reported, progress that went
up or down, goals that now do not apply, units added or removed.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy

from .. import periods
from ..exports import Column, stream_csv, stream_json
from ..history import Changes, Entry, stored_changes
from ..models import Goal, Report


@dataclass(frozen=True)
class ChangeRow:
    """One line of the change list: `kind` is a stable code, never translated."""

    kind: str
    unit_code: str
    unit_name: str
    before: Entry | None = None
    after: Entry | None = None

    @property
    def entry(self) -> Entry | None:
        return self.after or self.before


def change_rows(changes: Changes) -> list[ChangeRow]:
    """The changes as one flat list, in the page's order."""
    rows = []
    for before, after in changes.progress:
        kind = Goal.Change.UP if after.progress > before.progress else Goal.Change.DOWN
        rows.append(ChangeRow(str(kind), after.unit_code, after.unit_name, before, after))
    new = str(Goal.Change.NEW)
    rows += [ChangeRow(new, e.unit_code, e.unit_name, after=e) for e in changes.new]
    rows += [ChangeRow("eliminada", e.unit_code, e.unit_name, before=e) for e in changes.removed]
    rows += [
        ChangeRow("no-aplica", after.unit_code, after.unit_name, before, after)
        for before, after in changes.not_applicable
    ]
    rows += [ChangeRow("unidad-nueva", code, name) for code, name in changes.units_added]
    rows += [ChangeRow("unidad-eliminada", code, name) for code, name in changes.units_removed]
    return rows


def change_columns(absolute_url=str) -> list[Column]:
    """The fields of a change row; `absolute_url` turns a path into a full URL."""
    text, number, url = gettext_lazy("text"), gettext_lazy("number"), gettext_lazy("URL")

    def progress(entry):
        return entry.progress if entry else None

    def status(entry):
        return entry.status_label if entry else ""

    def goal_url(row):
        goal = row.entry.goal if row.entry else None
        return absolute_url(reverse("metas:goal-detail", args=[goal.pk])) if goal else ""

    return [
        Column(
            "cambio",
            gettext_lazy(
                "What changed: sube, baja, nueva, eliminada, no-aplica, unidad-nueva or "
                "unidad-eliminada."
            ),
            text,
            lambda row: row.kind,
        ),
        Column("codigo_unidad", gettext_lazy("Code of the unit as published."), text,
               lambda row: row.unit_code),
        Column("unidad", gettext_lazy("Name of the unit, exactly as published."), text,
               lambda row: row.unit_name),
        Column("objetivo", gettext_lazy("Objective of the goal; empty for a unit."), text,
               lambda row: row.entry.objective if row.entry else ""),
        Column("avance_anterior", gettext_lazy("Progress in the previous report (%)."), number,
               lambda row: progress(row.before)),
        Column("avance", gettext_lazy("Progress in this report (%)."), number,
               lambda row: progress(row.after)),
        Column("estado_anterior", gettext_lazy("Status in the previous report."), text,
               lambda row: status(row.before)),
        Column("estado", gettext_lazy("Status in this report."), text,
               lambda row: status(row.after)),
        Column("url", gettext_lazy("Page of the goal on this site."), url, goal_url),
    ]


def _report(institution, period) -> Report:
    return get_object_or_404(
        Report.objects.select_related("institution"),
        institution__slug=institution,
        period=period,
    )


def report_changes(request, institution, period):
    report = _report(institution, period)
    changes = stored_changes(report)
    previous = (
        Report.objects.filter(institution=report.institution_id, period=changes.previous_period)
        .select_related("institution")
        .first()
        if changes.has_previous
        else None
    )
    return render(
        request,
        "metas/report_changes.html",
        {"report": report, "changes": changes, "previous": previous},
    )


def report_changes_csv(request, institution, period):
    report = _report(institution, period)
    rows = change_rows(stored_changes(report))
    response = StreamingHttpResponse(
        stream_csv(rows, change_columns(request.build_absolute_uri)),
        content_type="text/csv; charset=utf-8",
    )
    return _as_attachment(response, report, "csv")


def report_changes_json(request, institution, period):
    report = _report(institution, period)
    changes = stored_changes(report)
    rows = change_rows(changes)
    head = {
        "institucion": report.institution.name,
        "periodo": report.period_slug,
        "periodo_anterior": (
            periods.slug(changes.previous_period) if changes.has_previous else None
        ),
        "count": len(rows),
    }
    response = StreamingHttpResponse(
        stream_json(rows, change_columns(request.build_absolute_uri), head),
        content_type="application/json; charset=utf-8",
    )
    return _as_attachment(response, report, "json")


def _as_attachment(response, report, extension):
    filename = f"cambios-{report.institution.slug}-{report.period_slug}.{extension}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
