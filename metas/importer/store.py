"""store_report: a validated ParsedReport into the database, all or nothing.

The orchestration: check (sizes, period), plan (metas.importer.plan: units, tags, all before
the first write), then write (the rows through metas.bulk). Then ONE transaction
replaces the institution's report for that period (and only that one) with the new report,
its files, goals and territory tags. If anything fails, the database is as it was and the
files this import saved are removed again.

Each part of the write has its module: the original files (metas.importer.originals, under
their SHA-256), the process levels and units (metas.importer.hierarchy), the Goal rows
(metas.importer.plan.goal_row) and their tag rows (metas.territory.tags.tag_rows).
"""
from __future__ import annotations

from collections import Counter
from datetime import date

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from metas import history, periods, publication
from metas.accountability.record import record_import
from metas.bulk import delete_goals, insert_many
from metas.counts import Counts
from metas.history import link_history
from metas.models import (
    Canton,
    Goal,
    GoalCanton,
    GoalNeighbourhood,
    GoalParish,
    Institution,
    Neighbourhood,
    Parish,
    ProcessLevel,
    ReplacedGoal,
    Report,
    Unit,
)
from metas.publication.retag import tag_again
from metas.territory import Atlas, recognise, territory_key
from metas.territory.tags import cached, tag_rows
from metas.text import fold

from .hierarchy import store_levels, store_units
from .originals import delete_unreferenced, store_files
from .parsed import ParsedReport, Problem, ReportInvalid
from .plan import Plan, goal_row
from .reader import read_report
from .result import ImportResult, form_label
from .slugs import Slugs


def import_report(files, sheet: str | None = None, **options) -> ImportResult:
    """read_report (of `sheet`, in a workbook of several reports), then store_report with the
    other keyword arguments."""
    return store_report(read_report(files, sheet=sheet), **options)


def store_report(
    parsed: ParsedReport,
    *,
    institution: str | None = None,
    period: str | date | None = None,
    user=None,
    dry_run: bool = False,
    territory=None,
) -> ImportResult:
    """Stores the report (see the module's docstring). With dry_run, writes nothing and
    returns what it would store, its `report` an unsaved Report (pk None) for a preview.
    Raises ReportInvalid, with nothing stored, when the institution or period cannot be
    settled or a value does not fit the database.

    The goals are tagged with the places of the institution's territory: the one it has, or
    for a new institution the one its name says (metas.territory.recognise); `territory` (a
    Province, Canton or Parish) sets it, and re-tags the institution's other reports if it
    changed."""
    name = (institution or parsed.institution or settings.METAS_DEFAULT_INSTITUTION).strip()
    period_date = resolve_period(parsed, period)
    check_sizes(parsed, name)
    atlas = Atlas.from_database()
    place = TerritoryChoice.of(name, territory, atlas)
    plan = Plan(parsed, atlas.gazetteer(place.key))
    result = count(parsed, name, period_date, plan, dry_run)
    result.parsed = parsed
    result.replaced = Report.objects.filter(
        institution__name=name, period=period_date
    ).exists()
    if dry_run:
        institution = Institution.objects.filter(name=name).first() or Institution(
            name=name, slug=slugify(name), kind=place.kind, **place.fields()
        )
        result.report = new_report(institution, parsed, period_date, user)
        return result

    saved = []  # files this import added to the storage, removed again on failure
    try:
        with transaction.atomic():
            result.report, result.replaced = write(
                parsed, plan, name, period_date, user, saved, place, atlas
            )
    except BaseException:
        for stored_name in saved:
            default_storage.delete(stored_name)
        raise
    return result


# --- The institution's territory (which gazetteer tags the goals) ---------------------------

class TerritoryChoice:
    """The territory an import tags with, and what it writes on the institution."""

    def __init__(self, kind: str, key, changes: bool):
        self.kind, self.key, self.changes = kind, key, changes

    @classmethod
    def of(cls, name: str, territory, atlas: Atlas) -> TerritoryChoice:
        existing = Institution.objects.filter(name=name).first()
        recognised = recognise(name, atlas)
        key = recognised.territory
        if territory is not None:
            key = (type(territory).__name__.lower(), territory.pk)
        if existing is None:
            return cls(recognised.kind, key, changes=True)
        if territory is None:
            return cls(existing.kind, territory_key(existing), changes=False)
        return cls(existing.kind, key, changes=key != territory_key(existing))

    def fields(self) -> dict:
        """The institution's territory fields: one set, the others cleared."""
        fields = {"province_id": None, "canton_id": None, "parish_id": None}
        if self.key is not None:
            fields[f"{self.key[0]}_id"] = self.key[1]
        return fields


# --- Checks before writing --------------------------------------------------------------------

def resolve_period(parsed: ParsedReport, period) -> date:
    first_file = parsed.files[0].source.name if parsed.files else ""
    if period not in (None, ""):
        period_date = periods.parse(period)
        if period_date is None:
            raise ReportInvalid([Problem(first_file, _(
                "The period “%(value)s” is not a month. Write it as YYYY-MM, e.g. 2019-08."
            ) % {"value": period}, value=str(period))])
        if not periods.plausible(period_date):
            raise ReportInvalid([Problem(first_file, _(
                "The period %(value)s is outside the possible months: a report is about a "
                "month from %(first)s to %(last)s."
            ) % {"value": periods.slug(period_date),
                 "first": periods.label(periods.FIRST_PLAUSIBLE),
                 "last": periods.label(periods.last_plausible())}, value=str(period))])
        return period_date
    if parsed.metadata.updated_on is not None:
        return parsed.metadata.updated_on.replace(day=1)
    if parsed.format == "B" and not any(f.role == "metadata" for f in parsed.files):
        message = _(
            "The period is unknown: the data set comes without its metadata file (the one "
            "starting with “FECHA ACTUALIZACIÓN DE LA INFORMACIÓN”). Add the metadata file of "
            "the same month, or give the period (YYYY-MM)."
        )
    else:
        message = _(
            "The period is unknown: the report has no update date (“FECHA ACTUALIZACIÓN DE LA "
            "INFORMACIÓN”). Add it to the report, or give the period (YYYY-MM)."
        )
    raise ReportInvalid([Problem(first_file, message)])


def check_sizes(parsed: ParsedReport, institution: str) -> None:
    """Values longer than their database field: refused here, as PostgreSQL would refuse
    them mid-transaction (and SQLite would store them silently)."""
    problems = []
    first_file = parsed.files[0].source.name if parsed.files else ""

    def limit(model, field_name):
        return model._meta.get_field(field_name).max_length

    if not institution:
        problems.append(Problem(first_file, _("The institution's name is empty.")))
    elif len(institution) > limit(Institution, "name"):
        problems.append(too_long(first_file, None, None, "", _("institution"), institution,
                                 limit(Institution, "name")))
    for field_name, where in parsed.metadata.locations.items():
        value = getattr(parsed.metadata, field_name)
        if isinstance(value, str) and len(value) > limit(Report, field_name):
            problems.append(too_long(*where, None, value, limit(Report, field_name)))
    if len(parsed.metadata.link_url) > limit(Report, "link_url"):
        where = parsed.metadata.locations.get("link_text", (first_file, None, None, ""))
        problems.append(too_long(*where, None, parsed.metadata.link_url,
                                 limit(Report, "link_url")))
    columns = {f.source.name: f.columns for f in parsed.files}
    level_limit = limit(ProcessLevel, "name")
    checks = (
        ("unit_code", limit(Unit, "code")),
        ("unit_name", limit(Unit, "published_name")),
        ("verification_link", limit(Goal, "verification_link")),
    )
    for goal in parsed.goals:
        for field_name, max_length in checks:
            value = getattr(goal, field_name)
            if len(value) > max_length:
                column = columns.get(goal.file, {}).get(field_name, field_name)
                problems.append(too_long(goal.file, goal.line, goal.page, goal.sheet, column,
                                         value, max_length))
    for level in parsed.levels:
        if len(level) > level_limit:
            problems.append(too_long(first_file, None, None, "", None, level, level_limit))
    if problems:
        raise ReportInvalid(problems)


def too_long(file, line, page, sheet, column, value, max_length) -> Problem:
    return Problem(file, _(
        "The text is too long (%(length)s characters; at most %(max)s). Shorten it."
    ) % {"length": len(value), "max": max_length}, line=line, column=column, value=value[:80],
        page=page, sheet=sheet)


# --- Counting (also what a dry run reports) ---------------------------------------------------

def count(parsed, institution, period, plan: Plan, dry_run) -> ImportResult:
    counts = Counts.of_parsed(parsed.goals)
    return ImportResult(
        **counts.as_dict(),
        institution=institution,
        period=period,
        format=parsed.format,
        files=[
            (f.source.name, f.detected_format, f.encoding, f.role, f.row_count)
            for f in parsed.files
        ],
        forms=[form_label(f) for f in parsed.files],
        parishes_tagged=sum(bool(tag.parishes) for tag in plan.tags),
        neighbourhoods_tagged=sum(bool(tag.neighbourhoods) for tag in plan.tags),
        dry_run=dry_run,
    )


# --- Writing ----------------------------------------------------------------------------------

def write(parsed, plan: Plan, institution_name, period, user, saved, place, atlas):
    """Returns the new report and whether it replaced one."""
    institution = get_institution(institution_name, place)
    replaced = replace_existing(institution, period)
    levels = store_levels(institution, parsed.levels)
    units = store_units(institution, levels, plan)
    report = new_report(institution, parsed, period, user)
    report.save()
    files = store_files(report, parsed, saved)
    goal_ids = store_goals(report, parsed, plan, levels, units, files)
    store_tags(goal_ids, plan.tags)
    link_history(report)  # the same goal in the previous and next months (metas.history)
    if place.changes:
        tag_again(institution, atlas, exclude_reports=[report.pk])
    record_import(report, parsed, goal_ids)  # its LOTAIP check, reasons, "vigente" run
    publication.changed(institution.pk, reports=[report.pk])  # its files: by the worker
    return report, replaced


def new_report(institution, parsed, period, user) -> Report:
    return Report(
        institution=institution,
        period=period,
        format=parsed.format,
        updated_on=parsed.metadata.updated_on,
        periodicity=parsed.metadata.periodicity,
        holder_unit=parsed.metadata.holder_unit,
        responsible=parsed.metadata.responsible,
        email=parsed.metadata.email,
        phone=parsed.metadata.phone,
        link_text=parsed.metadata.link_text,
        link_url=parsed.metadata.link_url,
        goal_count=len(parsed.goals),
        published_by=user if getattr(user, "pk", None) else None,
    )


def get_institution(name: str, place: TerritoryChoice) -> Institution:
    institution = Institution.objects.filter(name=name).first()
    if institution is None:
        institution = Institution.objects.create(
            name=name, slug=Slugs(Institution, None, [slugify(name)]).new(slugify(name)),
            kind=place.kind, **place.fields(),
        )
    elif place.changes:
        Institution.objects.filter(pk=institution.pk).update(**place.fields())
    # Serialises imports of one institution (PostgreSQL; SQLite serialises all writes anyway).
    return Institution.objects.select_for_update().get(pk=institution.pk)


def replace_existing(institution: Institution, period: date) -> bool:
    """Deletes the institution's report of that period, if any, with its goals and tags."""
    existing = Report.objects.filter(institution=institution, period=period).first()
    if existing is None:
        return False
    old_files = list(existing.files.values_list("file", flat=True))
    ReplacedGoal.objects.remember(existing)  # their addresses lead to the goals replacing them
    delete_goals([existing.pk])
    existing.delete()
    transaction.on_commit(lambda: delete_unreferenced(old_files))
    return True


def store_goals(report, parsed, plan: Plan, levels, units, files) -> list[int]:
    """Inserts the goals; returns their ids in report order."""
    fold_repeated = cached(fold)  # units, levels, indicators and targets repeat
    series_unit = cached(lambda unit: history.series_unit_key(unit.code, unit.published_name))
    occurrences = Counter()
    rows = []
    for position, (goal, identity, tag) in enumerate(
        zip(parsed.goals, plan.unit_identities, plan.tags), start=1
    ):
        unit = units[identity]
        # The series metas.history gives a goal that starts here, so that linking the first
        # month (or re-importing it) rewrites nothing; goals it links to earlier months get
        # that goal's series from it.
        series_key = (series_unit(unit), fold_repeated(goal.objective))
        occurrences[series_key] += 1
        source_file = files.get(goal.file)
        rows.append(goal_row(
            goal, report=report.pk, position=position, unit=unit,
            level_name=levels[fold_repeated(goal.level)].name if goal.level else "",
            coverage=tag.coverage,
            series=history.first_series(report, series_key, occurrences[series_key]),
            source_file=source_file.pk if source_file else None, fold=fold_repeated,
        ))
    insert_many(Goal, rows)
    ids = dict(Goal.objects.filter(report=report).values_list("position", "pk"))
    return [ids[position] for position in range(1, len(rows) + 1)]


def store_tags(goal_ids: list[int], tags: list) -> None:
    models = (GoalParish, GoalCanton, GoalNeighbourhood)
    if not any(tag.parishes or tag.cantons or tag.neighbourhoods for tag in tags):
        return
    ids = [dict(model.objects.values_list("slug", "pk")) for model in (Parish, Canton, Neighbourhood)]
    rows = ([], [], [])
    for goal_id, tag in zip(goal_ids, tags):
        for kind, goal_rows in zip(rows, tag_rows(goal_id, tag, *ids)):
            kind += goal_rows
    for model, model_rows in zip(models, rows):
        insert_many(model, model_rows)
