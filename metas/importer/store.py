"""store_report: a validated ParsedReport into the database, all or nothing.

Everything that can be checked is checked before the first write. Then ONE transaction
replaces the institution's report for that period (and only that one) with the new report,
its files, goals and territory tags. If anything fails, the database is as it was and the
files this import saved are removed again.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from metas import history, periods
from metas.history import link_history
from metas.models import (
    Goal,
    GoalNeighbourhood,
    GoalParish,
    Institution,
    Neighbourhood,
    Parish,
    ProcessLevel,
    Report,
    SourceFile,
    Unit,
)
from metas.text import fold

from .parsed import ParsedGoal, ParsedReport, Problem, ReportInvalid
from .reader import read_report
from .result import ImportResult
from .territory import Gazetteer

# Rows per INSERT: the whole report in a handful of statements, memory kept flat.
INSERT_BATCH = 2000

# "Gestión Ambiental - Gestión de Calidad Ambiental", "Gestión de Higiene- Mercados": a dash
# with a space on at least one side ("Voz-IP" is one word).
_SEPARATOR = re.compile(r"\s+[-–—]\s*|\s*[-–—]\s+")


def import_report(files, **options) -> ImportResult:
    """read_report, then store_report with the same keyword arguments."""
    return store_report(read_report(files), **options)


def store_report(
    parsed: ParsedReport,
    *,
    institution: str | None = None,
    period: str | date | None = None,
    user=None,
    dry_run: bool = False,
) -> ImportResult:
    """Stores the report (see the module's docstring). With dry_run, writes nothing and
    returns what it would store, its `report` an unsaved Report (pk None) for a preview.
    Raises ReportInvalid, with nothing stored, when the institution or period cannot be
    settled or a value does not fit the database."""
    name = (institution or parsed.institution or settings.METAS_DEFAULT_INSTITUTION).strip()
    period_date = resolve_period(parsed, period)
    check_sizes(parsed, name)
    plan = Plan(parsed)
    result = count(parsed, name, period_date, plan, dry_run)
    result.parsed = parsed
    result.replaced = Report.objects.filter(
        institution__name=name, period=period_date
    ).exists()
    if dry_run:
        institution = Institution.objects.filter(name=name).first() or Institution(
            name=name, slug=slugify(name)
        )
        result.report = new_report(institution, parsed, period_date, user)
        return result

    saved = []  # files this import added to the storage, removed again on failure
    try:
        with transaction.atomic():
            result.report, result.replaced = write(parsed, plan, name, period_date, user, saved)
    except BaseException:
        for stored_name in saved:
            default_storage.delete(stored_name)
        raise
    return result


# --- Checks before writing --------------------------------------------------------------------

def resolve_period(parsed: ParsedReport, period) -> date:
    first_file = parsed.files[0].source.name if parsed.files else ""
    if period not in (None, ""):
        period_date = periods.parse(period)
        if period_date is None:
            raise ReportInvalid([Problem(first_file, _(
                "The period “%(value)s” is not a month. Write it as YYYY-MM, e.g. 2019-08."
            ) % {"value": period}, value=str(period))])
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
        problems.append(too_long(first_file, None, _("institution"), institution,
                                 limit(Institution, "name")))
    for field_name, (file, line) in parsed.metadata.locations.items():
        value = getattr(parsed.metadata, field_name)
        if isinstance(value, str) and len(value) > limit(Report, field_name):
            problems.append(too_long(file, line, None, value, limit(Report, field_name)))
    if len(parsed.metadata.link_url) > limit(Report, "link_url"):
        file, line = parsed.metadata.locations.get("link_text", (first_file, None))
        problems.append(too_long(file, line, None, parsed.metadata.link_url,
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
                problems.append(too_long(goal.file, goal.line, column, value, max_length))
    for level in parsed.levels:
        if len(level) > level_limit:
            problems.append(too_long(first_file, None, None, level, level_limit))
    if problems:
        raise ReportInvalid(problems)


def too_long(file, line, column, value, max_length) -> Problem:
    return Problem(file, _(
        "The text is too long (%(length)s characters; at most %(max)s). Shorten it."
    ) % {"length": len(value), "max": max_length}, line=line, column=column, value=value[:80])


# --- Planning: units, territory, search text, all before the first write -------------------

@dataclass
class PlannedUnit:
    level: str | None
    code: str
    published_name: str
    name: str  # its own part of the published name
    parent_key: tuple | None = None  # a unit named as the first part of this one's name
    parent_code: str = ""  # "10" for "10.5 Puerto Seco Comercial": any known unit "10"


class Plan:
    """What the report's goals need besides their own fields: their units (hierarchy
    included) and territory tags. Computed before any write, for a dry run as for an import."""

    def __init__(self, parsed: ParsedReport):
        self.units: dict[tuple, PlannedUnit] = {}
        keys: dict[tuple, tuple] = {}  # (level, code, name) as published -> unit key
        self.unit_keys = []
        for goal in parsed.goals:
            published = (goal.level, goal.unit_code, goal.unit_name)
            if published not in keys:
                keys[published] = self.plan_unit(*published)
            self.unit_keys.append(keys[published])
        self.tags = tag_goals(parsed.goals)

    def plan_unit(self, level, code, published_name) -> tuple:
        """"A - B" makes B a sub-unit of A (same level, parent code "6" for "6.1"); a dotted
        code without a separator ("10.5 Puerto Seco Comercial") goes under the unit of code
        "10" in the same level, if one is known. Parents are planned before their children."""
        key = unit_key(level, code, published_name)
        if key in self.units:
            return key
        unit = PlannedUnit(level, code, published_name, name=published_name)
        separators = list(_SEPARATOR.finditer(published_name))
        if separators:
            last = separators[-1]
            unit.name = published_name[last.end():].strip()
            parent_name = published_name[: last.start()].strip()
            unit.parent_key = self.plan_unit(level, parent_code(code), parent_name)
        elif "." in code:
            unit.parent_code = parent_code(code)
        self.units[key] = unit
        return key


def unit_key(level: str | None, code: str, published_name: str) -> tuple:
    """A unit's identity within an institution: its level, code and name, folded."""
    return (fold(level) if level else None, code, fold(published_name))


def parent_code(code: str) -> str:
    """ "6.1" -> "6", "23.2" -> "23"; a code without a dot is its own parent's code."""
    return code.rsplit(".", 1)[0] if "." in code else code


def tag_goals(goals: list[ParsedGoal]) -> list:
    """The territory tags of each goal's objective; each distinct objective is tagged once."""
    gazetteer = Gazetteer.from_database()
    tags_by_objective = {}
    for goal in goals:
        if goal.objective not in tags_by_objective:
            tags_by_objective[goal.objective] = gazetteer.tag(goal.objective)
    return [tags_by_objective[goal.objective] for goal in goals]


# --- Counting (also what a dry run reports) ---------------------------------------------------

def count(parsed, institution, period, plan: Plan, dry_run) -> ImportResult:
    statuses = Counter(goal.status for goal in parsed.goals)
    return ImportResult(
        report=None,
        institution=institution,
        period=period,
        format=parsed.format,
        files=[
            (f.source.name, f.detected_format, f.encoding, f.role, f.row_count)
            for f in parsed.files
        ],
        levels=len(parsed.levels),
        units=len(set(plan.unit_keys)),
        goals=len(parsed.goals),
        not_applicable=statuses[Goal.Status.NOT_APPLICABLE],
        not_available=statuses[Goal.Status.NOT_AVAILABLE],
        text_targets=statuses[Goal.Status.TEXT],
        lacking_financing=sum(goal.lacks_financing for goal in parsed.goals),
        parishes_tagged=sum(bool(tag.parishes) for tag in plan.tags),
        neighbourhoods_tagged=sum(bool(tag.neighbourhoods) for tag in plan.tags),
        dry_run=dry_run,
    )


# --- Writing ----------------------------------------------------------------------------------

def write(parsed, plan: Plan, institution_name, period, user, saved) -> tuple[Report, bool]:
    institution = get_institution(institution_name)
    replaced = replace_existing(institution, period)
    levels = store_levels(institution, parsed.levels)
    units = store_units(institution, levels, plan.units)
    report = new_report(institution, parsed, period, user)
    report.save()
    files = store_files(report, parsed, saved)
    goal_ids = store_goals(report, parsed, plan, levels, units, files)
    store_tags(goal_ids, plan.tags)
    link_history(report)  # the same goal in the previous and next months (metas.history)
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


def get_institution(name: str) -> Institution:
    institution = Institution.objects.filter(name=name).first()
    if institution is None:
        institution = Institution.objects.create(
            name=name, slug=Slugs(Institution, None, [slugify(name)]).new(slugify(name))
        )
    # Serialises imports of one institution (PostgreSQL; SQLite serialises all writes anyway).
    return Institution.objects.select_for_update().get(pk=institution.pk)


def replace_existing(institution: Institution, period: date) -> bool:
    """Deletes the institution's report of that period, if any, with its goals and tags."""
    existing = Report.objects.filter(institution=institution, period=period).first()
    if existing is None:
        return False
    old_files = list(existing.files.values_list("file", flat=True))
    delete_goals(existing)
    existing.delete()
    transaction.on_commit(lambda: delete_unreferenced(old_files))
    return True


# What refers to a goal, handled by delete_goals before its goals go in one statement.
_GOAL_REFERENCES = {
    (GoalParish, "goal"),
    (GoalNeighbourhood, "goal"),
    (Goal, "previous"),
}


def delete_goals(report: Report) -> None:
    """A report's goals, in a few statements: Django's cascade would load every goal first
    (seconds for 10,000) to look for rows pointing at them."""
    goals = Goal.objects.filter(report=report)
    references = {(r.related_model, r.field.name) for r in Goal._meta.related_objects}
    if references != _GOAL_REFERENCES:
        goals.delete()  # a new relation: let Django apply its on_delete
        return
    GoalParish.objects.filter(goal__report=report).delete()
    GoalNeighbourhood.objects.filter(goal__report=report).delete()
    Goal.objects.filter(previous__report=report).update(previous=None)  # on_delete=SET_NULL
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(Goal._meta.db_table)} WHERE {quote('report_id')} = %s",
            [report.pk],
        )


def delete_unreferenced(names: list[str]) -> None:
    """Removes replaced files that no report refers to any more (files are stored by
    content, so a re-imported file is shared with the new report)."""
    still_used = set(SourceFile.objects.filter(file__in=names).values_list("file", flat=True))
    for name in set(names) - still_used:
        default_storage.delete(name)


class Slugs:
    """Globally unique slugs for a model's new rows: the plain slug when free; if another
    institution has it, with this institution's slug appended; then a counter.

    The slugs a whole report may want are looked up in one query, not three per unit.
    """

    def __init__(self, model, institution: Institution | None, bases: list[str]):
        self.model, self.institution = model, institution
        self.max_length = model._meta.get_field("slug").max_length
        wanted = [self.trim(base) for base in bases]
        if institution is not None:
            wanted += [self.with_institution(base) for base in wanted]
        owner = "institution_id" if institution is not None else "pk"
        self.owners = dict.fromkeys(wanted)  # None: free
        self.owners.update(model.objects.filter(slug__in=wanted).values_list("slug", owner))

    def trim(self, base: str) -> str:
        return base[: self.max_length - 10].strip("-") or self.model._meta.model_name

    def with_institution(self, base: str) -> str:
        return self.trim(f"{base}-{self.institution.slug}")

    def taken(self, slug: str) -> bool:
        if slug not in self.owners:  # not looked up yet (a counter's)
            self.owners[slug] = self.model.objects.filter(slug=slug).exists() or None
        return self.owners[slug] is not None

    def new(self, base: str) -> str:
        slug = self.trim(base)
        if self.taken(slug):
            other_institution = (
                self.institution is not None and self.owners[slug] != self.institution.pk
            )
            stem = self.with_institution(slug) if other_institution else slug
            slug, number = stem, 2
            while self.taken(slug):
                slug, number = f"{stem}-{number}", number + 1
        self.owners[slug] = self.institution.pk if self.institution is not None else True
        return slug


def store_levels(institution: Institution, names: list[str]) -> dict[str, ProcessLevel]:
    """The report's process levels by folded name, reused across months, in report order."""
    existing = {fold(level.name): level for level in institution.levels.all()}
    slugs = Slugs(ProcessLevel, institution, [slugify(name) for name in names])
    levels = {}
    for position, name in enumerate(names, start=1):
        level = existing.get(fold(name))
        if level is None:
            level = ProcessLevel.objects.create(
                institution=institution,
                name=name,
                slug=slugs.new(slugify(name)),
                position=position,
            )
        elif level.position != position:
            level.position = position
            level.save(update_fields=["position"])
        levels[fold(name)] = level
    return levels


def store_units(institution, levels, planned: dict[tuple, PlannedUnit]) -> dict[tuple, Unit]:
    """Every planned unit, reusing the institution's existing ones, parents first."""
    units = {
        unit_key(u.level.name if u.level else None, u.code, u.published_name): u
        for u in institution.units.select_related("level")
    }
    new = {key: plan for key, plan in planned.items() if key not in units}
    slugs = Slugs(Unit, institution, [unit_slug(plan) for plan in new.values()])
    stored = {}
    for key, plan in planned.items():
        unit = units.get(key)
        if unit is None:
            level = levels[fold(plan.level)] if plan.level else None
            unit = Unit.objects.create(
                institution=institution,
                level=level,
                parent=find_parent(plan, stored, units),
                code=plan.code,
                published_name=plan.published_name,
                name=plan.name,
                slug=slugs.new(unit_slug(plan)),
            )
            units[key] = unit
        stored[key] = unit
    return stored


def unit_slug(plan: PlannedUnit) -> str:
    """ "6.1" + "Gestión de Calidad Ambiental" -> "6-1-gestion-de-calidad-ambiental"."""
    return slugify(f"{plan.code.replace('.', '-')} {plan.name}")


def find_parent(plan: PlannedUnit, stored: dict, units: dict) -> Unit | None:
    if plan.parent_key is not None:
        return stored[plan.parent_key]
    if plan.parent_code:
        level = fold(plan.level) if plan.level else None
        for pool in (stored, units):  # this report's units first, then earlier months'
            for (unit_level, code, _name), unit in pool.items():
                if unit_level == level and code == plan.parent_code and unit.parent_id is None:
                    return unit
    return None


def store_files(report: Report, parsed: ParsedReport, saved: list) -> dict[str, SourceFile]:
    """The original bytes of each file, under a name the server chooses (its SHA-256)."""
    files = {}
    for parsed_file in parsed.files:
        source = parsed_file.source
        record = SourceFile(
            report=report,
            role=parsed_file.role,
            original_name=source.name[-SourceFile._meta.get_field("original_name").max_length:],
            sha256=source.sha256,
            size=len(source.data),
            detected_format=parsed_file.detected_format,
            encoding=parsed_file.encoding,
            row_count=parsed_file.row_count,
        )
        name = record.file.field.generate_filename(record, source.name)
        if default_storage.exists(name):
            record.file.name = name  # the same bytes are already stored
        else:
            record.file.save(source.name, ContentFile(source.data), save=False)
            saved.append(record.file.name)
        record.save()
        files[source.name] = record
    return files


def store_goals(report, parsed, plan: Plan, levels, units, files) -> list[int]:
    """Inserts the goals; returns their ids in report order."""
    fold_repeated = cached(fold)  # units, levels, indicators and targets repeat
    history_unit_key = cached(lambda unit: history.unit_key(unit.code, unit.published_name))
    occurrences = Counter()
    rows = []
    for position, (goal, key, tag) in enumerate(
        zip(parsed.goals, plan.unit_keys, plan.tags), start=1
    ):
        unit = units[key]
        level_name = levels[fold_repeated(goal.level)].name if goal.level else ""
        objective = fold(goal.objective)
        # The series metas.history gives a goal that starts here, so that linking the first
        # month (or re-importing it) rewrites nothing; goals it links to earlier months get
        # that goal's series from it.
        series_key = (history_unit_key(unit), objective)
        occurrences[series_key] += 1
        search_text = " ".join(filter(None, (
            objective,
            fold_repeated(goal.indicator),
            fold_repeated(goal.target),
            fold_repeated(unit.published_name),
            fold_repeated(level_name),
        )))
        source_file = files.get(goal.file)
        rows.append({
            "report": report.pk,
            "unit": unit.pk,
            "position": position,
            "source_file": source_file.pk if source_file else None,
            "source_line": goal.line,
            "objective": goal.objective,
            "indicator": goal.indicator,
            "target": goal.target,
            "progress": goal.progress,
            "status": goal.status,
            "note": goal.note,
            "lacks_financing": goal.lacks_financing,
            "verification_link": goal.verification_link,
            "coverage": tag.coverage,
            "search_text": search_text,
            "series": history.first_series(report, series_key, occurrences[series_key]),
            "previous": None,
            "previous_progress": None,
            "change": "",
            "months_unchanged": 0,
        })
    insert_many(Goal, rows)
    ids = dict(Goal.objects.filter(report=report).values_list("position", "pk"))
    return [ids[position] for position in range(1, len(rows) + 1)]


def store_tags(goal_ids: list[int], tags: list) -> None:
    parish_ids = dict(Parish.objects.values_list("slug", "pk"))
    neighbourhood_ids = dict(Neighbourhood.objects.values_list("slug", "pk"))
    parish_rows, neighbourhood_rows = [], []
    for goal_id, tag in zip(goal_ids, tags):
        parish_rows += [
            {"goal": goal_id, "parish": parish_ids[place.slug],
             "matched_text": place.matched_text[:300], "via_coverage": place.via_coverage}
            for place in tag.parishes
        ]
        neighbourhood_rows += [
            {"goal": goal_id, "neighbourhood": neighbourhood_ids[place.slug],
             "matched_text": place.matched_text[:300]}
            for place in tag.neighbourhoods
        ]
    insert_many(GoalParish, parish_rows)
    insert_many(GoalNeighbourhood, neighbourhood_rows)


def insert_many(model, rows: list[dict]) -> None:
    """INSERTs rows given as {field name: value}, in large batches of one statement each.

    bulk_create would build a model instance per row and, on SQLite, send at most 999 values
    per statement: for 10,000 goals that was most of an import's time. Decimals and UUIDs go
    through their field's conversion for the database; text, numbers and booleans need none.
    """
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in rows[0]]
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    converted = [
        (index, field) for index, field in enumerate(fields)
        if not isinstance(field, _PLAIN_FIELDS)
    ]

    def database_values(row: dict) -> list:
        values = list(row.values())
        for index, field in converted:
            if values[index] is not None:
                values[index] = field.get_db_prep_save(values[index], connection)
        return values

    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start: start + INSERT_BATCH]
            cursor.executemany(sql, [database_values(row) for row in batch])


# Fields whose Python values every database driver takes as they are.
_PLAIN_FIELDS = (
    models.CharField, models.TextField, models.IntegerField, models.BooleanField,
    models.ForeignKey,
)


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def cached(function):
    """`function` computed once per distinct argument (a plain dict: no size limit, no lock,
    for the duration of one import)."""
    results = {}

    def lookup(argument):
        if argument not in results:
            results[argument] = function(argument)
        return results[argument]

    return lookup
