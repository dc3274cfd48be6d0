"""Small factories for tests: each makes one valid object with sensible defaults.

    loja = make_institution("Municipio de Loja")
    august = make_report(loja, "2019-08")
    make_goal(august, objective="Pavimentación de vías", progress=80, parishes=["vilcabamba"])

Names and slugs are made unique, so tests may call them freely. Goals get the `search_text`
the importer would give them.
"""
from __future__ import annotations

import hashlib
import itertools
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils.text import slugify

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

_sequence = itertools.count(1)


def _unique_slug(model, text):
    base = slugify(text)[:150] or "x"
    slug = base
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{next(_sequence)}"
    return slug


def make_institution(name="Municipio de Loja", **fields):
    fields.setdefault("slug", _unique_slug(Institution, name))
    return Institution.objects.create(name=name, **fields)


def _period(value) -> date:
    if isinstance(value, date):
        return value.replace(day=1)
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def make_report(institution=None, period="2019-08", **fields):
    """A report with the Loja sample's metadata unless told otherwise."""
    institution = institution or make_institution()
    period = _period(period)
    defaults = {
        "format": Report.Format.MATRIX,
        "updated_on": date(period.year, period.month, 28),
        "periodicity": "Mensual",
        "holder_unit": "DIRECCIÓN DE PLANIFICACIÓN",
        "responsible": "Mgs. Econ. Víctor Pucha",
        "email": "vhpucha@loja.gob.ec",
        "phone": "(593-7) 2570407 EXT 206",
        "link_text": "Reporte del GPR",
        "link_url": "https://www.loja.gob.ec/gpr",
    }
    report = Report.objects.create(institution=institution, period=period, **{**defaults, **fields})
    Institution.objects.filter(pk=institution.pk).mark_published()  # as an import does
    return report


def make_source_file(report, name="loja-lotaip-a4-2019-08.tsv", data=b"No.\tObjetivo\n", **fields):
    """An original file of `report`, stored under MEDIA_ROOT like the importer stores it."""
    fields.setdefault("role", SourceFile.Role.MATRIX)
    fields.setdefault("detected_format", name.rsplit(".", 1)[-1])
    source = SourceFile(
        report=report,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        **fields,
    )
    source.file.save(name, ContentFile(data), save=True)
    return source


def make_level(institution=None, name="PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO", **fields):
    """The institution's level of that name: made the first time, then the same one."""
    institution = institution or make_institution()
    existing = institution.levels.filter(name=name).first()
    if existing:
        return existing
    fields.setdefault("slug", _unique_slug(ProcessLevel, f"{institution.slug}-{name}"))
    fields.setdefault("position", institution.levels.count() + 1)
    return ProcessLevel.objects.create(institution=institution, name=name, **fields)


def make_unit(
    institution=None, name="Gestión Ambiental", *, level=None, parent=None, code="", **fields
):
    """A unit; with a parent, `name` is its own part and the published name joins both.

    A sub-unit takes its parent's institution and level unless told otherwise. Asking twice
    for the same unit (level, code and name) gives the same one.
    """
    if parent is not None:
        institution = institution or parent.institution
        level = level or parent.level
    institution = institution or (level.institution if level else make_institution())
    published = f"{parent.published_name} - {name}" if parent else name
    fields.setdefault("published_name", published)
    existing = institution.units.filter(
        level=level, code=code, published_name=fields["published_name"]
    ).first()
    if existing:
        return existing
    fields.setdefault("slug", _unique_slug(Unit, f"{code} {published}"))
    return Unit.objects.create(
        institution=institution, level=level, parent=parent, code=code, name=name, **fields
    )


def _default_unit(institution):
    return make_unit(institution, "Gestión Ambiental", level=make_level(institution))


def make_goal(
    report=None,
    unit=None,
    *,
    objective="Educación Ambiental en el cantón Loja",
    progress=100,
    parishes=(),
    neighbourhoods=(),
    **fields,
):
    """A goal; `parishes` and `neighbourhoods` are slugs (or objects) tagged on it.

    `progress=None` with no `status` makes a goal that does not apply.
    """
    report = report or make_report()
    unit = unit or _default_unit(report.institution)
    if progress is not None:
        progress = Decimal(progress)
    fields.setdefault(
        "status", Goal.Status.PERCENT if progress is not None else Goal.Status.NOT_APPLICABLE
    )
    fields.setdefault("indicator", "Porcentaje de avance")
    fields.setdefault("target", f"{progress:g}%" if progress is not None else "NO APLICA")
    fields.setdefault("position", report.goals.count() + 1)
    fields.setdefault("source_line", fields["position"] + 7)
    fields.setdefault(
        "search_text",
        fold(" ".join([objective, fields["indicator"], fields["target"], unit.published_name])),
    )
    goal = Goal.objects.create(
        report=report, unit=unit, objective=objective, progress=progress, **fields
    )
    for parish in parishes:
        if isinstance(parish, str):
            parish = Parish.objects.get(slug=parish)
        GoalParish.objects.create(goal=goal, parish=parish, matched_text=parish.name)
    for neighbourhood in neighbourhoods:
        if isinstance(neighbourhood, str):
            neighbourhood = Neighbourhood.objects.get(slug=neighbourhood)
        GoalNeighbourhood.objects.create(
            goal=goal, neighbourhood=neighbourhood, matched_text=neighbourhood.name
        )
    report.goal_count = report.goals.count()
    report.save(update_fields=["goal_count"])
    Institution.objects.filter(pk=report.institution_id).mark_published()  # as an import does
    return goal
