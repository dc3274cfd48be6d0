"""Demo data at scale: many institutions × many months, varied from the sample report.

    summary = generate(institutions=100, months=12, seed=0)

Every demo institution ("Municipio de <cantón>") is the municipality of its real canton (its
territory, from the DPA) and has the sample's process levels and units, and the sample's goals
with their wording varied a little and their places moved to its own canton (each parish of
cantón Loja the sample names becomes one of the canton's, urban for urban, rural for rural, and
"Loja" the canton's name), then tagged by the canton's gazetteer as an import would tag them;
their progress moves month to month: mostly up or unchanged, now and
then corrected down, capped at 100; stuck where the sample says financing is lacking; now and
then "información no disponible"; a few goals appear in later months. Everything is written
through the models the importer fills, history fields included (`series`, `previous`,
`previous_progress`, `change`, `months_unchanged`), so every page, filter and export has
realistic data to show.

The same seed gives the same data. Planning (what to write) is plain Python with one
random.Random per institution; writing is a few bulk writes per institution (the importer's
own metas.bulk: COPY on PostgreSQL), each institution in its own transaction; the README has the
time 100 × 12 takes. The database's statistics are refreshed at the end (ANALYZE), as query
plans depend on them.

Demo institutions are recognised by name only. `generate()` refuses to touch an existing
institution of the same name unless `replace=True`, which deletes it first with all its reports
and goals. "Municipio de Loja", the sample's own institution, is never a demo name.
"""
from __future__ import annotations

import calendar
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, transaction
from django.utils.text import slugify

from . import history, periods, publication
from .accountability import reasons, record
from .bulk import delete_goals, insert_many, refresh_planner_statistics
from .importer import InputFile, ParsedGoal, ParsedReport, read_report
from .importer.plan import Plan, goal_row
from .importer.slugs import unit_slug_base, with_institution
from .models import (
    Canton,
    Goal,
    GoalCanton,
    GoalNeighbourhood,
    GoalParish,
    Institution,
    Neighbourhood,
    Parish,
    ProcessLevel,
    Report,
    Unit,
)
from .search import index as search_index
from .territory import Atlas, recognise
from .territory.dpa import LOJA_CANTON
from .territory.tagger import RURAL, SEAT, URBAN, Gazetteer, Tags
from .territory.tags import cached, tag_rows
from .text import fold
from .units import unit_identity

SAMPLE = settings.BASE_DIR / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
# The sample's own month: by default the demo's last month, so demo and sample line up.
DEFAULT_LAST_PERIOD = date(2019, 8, 1)

# Real cantones of Ecuador, in the order demo institutions take them. Left out: Loja (the
# sample's own institution) and the cantones named like a parish or JDB of cantón Loja
# (Santiago, Sucre, Santo Domingo, San Vicente, Pucará, 24 de Mayo, Isidro Ayora), so an
# institution's name never reads as a place its goals are tagged with.
CANTONS = [
    "Cuenca", "Guayaquil", "Quito", "Ambato", "Riobamba", "Machala", "Portoviejo", "Ibarra",
    "Latacunga", "Esmeraldas", "Manta", "Babahoyo", "Quevedo", "Tulcán", "Azogues", "Guaranda",
    "Zamora", "Tena", "Morona", "Pastaza", "Cuyabeno", "Orellana", "Santa Elena",
    "Catamayo", "Saraguro", "Macará", "Calvas", "Paltas", "Celica", "Zapotillo", "Gonzanamá",
    "Espíndola", "Puyango", "Sozoranga", "Chaguarpamba", "Quilanga", "Pindal", "Aguarico",
    "Gualaceo", "Paute", "Girón", "Sígsig", "Nabón", "Santa Isabel", "Chordeleg", "Oña",
    "Cañar", "La Troncal", "Biblián", "Déleg", "El Tambo", "Suscal", "Otavalo", "Cotacachi",
    "Antonio Ante", "Pimampiro", "Cayambe", "Mejía", "Rumiñahui", "Pedro Moncayo",
    "Puerto Quito", "Salcedo", "Pujilí", "Saquisilí", "Sigchos", "La Maná", "Pangua", "Alausí",
    "Guano", "Colta", "Chambo", "Chunchi", "Guamote", "Pallatanga", "Penipe", "Cumandá",
    "Baños de Agua Santa", "Cevallos", "Mocha", "Patate", "Quero", "Tisaleo",
    "Santiago de Píllaro", "San Pedro de Pelileo", "Chillanes", "Chimbo", "Echeandía",
    "San Miguel", "Caluma", "Las Naves", "Espejo", "Mira", "Montúfar", "Huaquillas", "Pasaje",
    "Santa Rosa", "Zaruma", "Piñas", "Portovelo", "Arenillas", "El Guabo", "Balsas", "Chilla",
    "Marcabelí", "Las Lajas", "Atahualpa", "Quinindé", "Muisne", "Atacames", "Rioverde",
    "San Lorenzo", "Eloy Alfaro", "Durán", "Milagro", "Daule", "Samborondón", "Naranjal",
    "Balzar", "El Empalme", "Playas", "Salitre", "Nobol", "Colimes", "Balao", "El Triunfo",
    "Naranjito", "Pedro Carbo", "Chone", "Jipijapa", "Montecristi", "El Carmen", "Pedernales",
    "Jaramijó", "Puerto López", "Rocafuerte", "Tosagua", "Paján", "Jama", "Ventanas",
    "Vinces", "Buena Fe", "Valencia", "Mocache", "Montalvo", "Puebloviejo", "Urdaneta",
    "Yantzaza", "El Pangui", "Palanda", "Chinchipe", "Nangaritza", "Yacuambi", "Gualaquiza",
    "Sucúa", "Limón Indanza", "Palora", "Archidona", "El Chaco", "Quijos", "Mera",
    "Shushufindi", "Lago Agrio", "Cascales", "La Joya de los Sachas", "Loreto", "La Libertad",
    "Salinas", "La Concordia", "San Cristóbal", "Santa Cruz", "Isabela",
]

# Small rewordings that leave place names alone. A series keeps its wording in every month.
SYNONYMS = [
    ("Construcción", "Edificación"),
    ("Mejoramiento", "Mejora"),
    ("Mantenimiento", "Conservación"),
    ("Implementación", "Puesta en marcha"),
    ("Adecuación", "Rehabilitación"),
    ("Fortalecimiento", "Consolidación"),
    ("Capacitación", "Formación"),
    ("Intervención", "Actuación"),
    ("Estudio", "Diseño"),
    ("Manejo", "Gestión"),
    ("Apoyo", "Acompañamiento"),
    ("Promoción", "Impulso"),
]
SUFFIXES = [" (segunda etapa)", " - fase II", ", con participación ciudadana", " (continuación)"]
# The wording of a goal that appears in a later month, so it is a new text, not a repeat.
NEW_GOAL_SUFFIXES = [" - ampliación", " (nueva etapa)", " - complementaria", " (fase final)"]
WORDING_WEIGHTS = {"original": 6, "synonym": 2, "suffix": 1, "both": 1}

NOT_AVAILABLE_TARGET = "INFORMACIÓN NO DISPONIBLE"
PROGRESS_STEPS = [5, 5, 10, 10, 10, 15, 20, 25]

TITLES = ["Ing.", "Econ.", "Arq.", "Mgs.", "Lic.", "Dra.", "Dr.", "Abg."]
FIRST_NAMES = [
    "María", "José", "Luis", "Ana", "Carlos", "Rosa", "Jorge", "Gabriela", "Diego", "Verónica",
    "Pablo", "Lucía", "Fernando", "Patricia", "Andrés", "Carmen", "Santiago", "Daniela",
]
SURNAMES = [
    "Jaramillo", "Ordóñez", "Castillo", "Torres", "Guamán", "Paredes", "Cueva", "Montesinos",
    "Chamba", "Vivanco", "Ochoa", "Córdova", "Espinosa", "Granda", "Carrión", "Tandazo",
]

ProgressCallback = Callable[[int, int, str, int], None]


# --- The sample, as the templates of every institution's goals ---------------------------------

@dataclass(frozen=True)
class TemplateGoal:
    level: str
    unit_code: str
    unit_name: str
    objective: str
    indicator: str
    target: str
    progress: Decimal | None
    status: str
    note: str
    lacks_financing: bool
    line: int


@dataclass(frozen=True)
class Sample:
    levels: tuple[str, ...]
    goals: tuple[TemplateGoal, ...]
    periodicity: str
    holder_unit: str
    link_text: str
    report: ParsedReport


@lru_cache(maxsize=1)
def load_sample() -> Sample:
    """The sample report, read by the importer's own reader."""
    parsed = read_report([InputFile(SAMPLE.name, SAMPLE.read_bytes())])
    goals = tuple(
        TemplateGoal(
            level=g.level,
            unit_code=g.unit_code,
            unit_name=g.unit_name,
            objective=g.objective,
            indicator=g.indicator,
            target=g.target,
            progress=g.progress,
            status=g.status,
            note=g.note,
            lacks_financing=g.lacks_financing,
            line=g.line,
        )
        for g in parsed.goals
    )
    metadata = parsed.metadata
    return Sample(
        levels=tuple(parsed.levels),
        goals=goals,
        periodicity=metadata.periodicity or "Mensual",
        holder_unit=metadata.holder_unit,
        link_text=metadata.link_text,
        report=parsed,
    )


@dataclass(frozen=True)
class UnitSpec:
    identity: tuple  # metas.units.unit_identity
    level: str
    code: str
    published_name: str
    name: str  # its own part of the published name
    parent: tuple | None  # the parent's identity
    depth: int


def sample_units(sample: Sample) -> list[UnitSpec]:
    """The sample's units with their parents, as the importer plans them, parents first."""
    plan = Plan(sample.report)

    def depth(identity):
        parent = plan.parent_of(identity)
        return 0 if parent is None else depth(parent) + 1

    specs = [
        UnitSpec(identity, u.level, u.code, u.published_name, u.name, plan.parent_of(identity),
                 depth(identity))
        for identity, u in plan.units.items()
    ]
    return sorted(specs, key=lambda spec: spec.depth)


# --- Planning: what one institution publishes, month by month (no database) --------------------

@dataclass(frozen=True)
class MonthValue:
    """What a goal reports in one month."""

    status: str
    progress: Decimal | None
    target: str
    note: str
    lacks_financing: bool


@dataclass
class Series:
    """One goal followed across months: fixed wording, a value for each month it appears."""

    template: TemplateGoal
    objective: str  # in the sample's words ("Loja"), as tagged
    uuid: uuid.UUID
    first_month: int
    values: list[MonthValue]  # index 0 is first_month
    added: bool = False  # not in the sample: a clone that appears in a later month

    def value(self, month: int) -> MonthValue | None:
        if month < self.first_month:
            return None
        return self.values[month - self.first_month]


@dataclass
class InstitutionPlan:
    name: str
    slug: str
    canton: str
    responsible: str
    email: str
    phone: str
    series: list[Series] = field(default_factory=list)  # in report order


def institution_name(index: int) -> tuple[str, str]:
    """The index-th demo institution's name and its cantón: "Municipio de Cuenca"; past the
    list, "Municipio de Cuenca (2)"."""
    canton = CANTONS[index % len(CANTONS)]
    round_ = index // len(CANTONS)
    name = f"Municipio de {canton}"
    return (f"{name} ({round_ + 1})" if round_ else name), canton


def demo_names(institutions: int) -> list[str]:
    return [institution_name(index)[0] for index in range(institutions)]


def plan_institution(sample: Sample, index: int, months: int, seed: int) -> InstitutionPlan:
    rng = random.Random(f"demo:{seed}:{index}")
    name, canton = institution_name(index)
    slug = slugify(name)
    plan = InstitutionPlan(
        name=name,
        slug=slug,
        canton=canton,
        responsible=(
            f"{rng.choice(TITLES)} {rng.choice(FIRST_NAMES)} "
            f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
        ),
        email=f"planificacion@{slug}.example",
        phone=(
            f"(593-{rng.randint(2, 7)}) {rng.randint(2000000, 2999999)} "
            f"EXT {rng.randint(100, 299)}"
        ),
    )
    # A few goals appear after the first month, each right after the row it is cloned from.
    added: dict[int, list[int]] = {}  # sample position -> first month of each clone
    percent_positions = [i for i, t in enumerate(sample.goals) if t.status == Goal.Status.PERCENT]
    if months > 1 and percent_positions:
        for _ in range(rng.randint(1, len(NEW_GOAL_SUFFIXES))):
            added.setdefault(rng.choice(percent_positions), []).append(rng.randrange(1, months))
    for position, template in enumerate(sample.goals):
        plan.series.append(_series(rng, template, _reword(rng, template.objective), 0, months))
        for suffix, first in zip(NEW_GOAL_SUFFIXES, added.get(position, [])):
            objective = template.objective.rstrip(" .") + suffix
            plan.series.append(_series(rng, template, objective, first, months, added=True))
    return plan


def _reword(rng: random.Random, objective: str) -> str:
    kinds, weights = zip(*WORDING_WEIGHTS.items())
    kind = rng.choices(kinds, weights)[0]
    text = objective
    if kind in ("synonym", "both"):
        present = [pair for pair in SYNONYMS if re.search(rf"\b{pair[0]}\b", text)]
        if present:
            word, synonym = rng.choice(present)
            text = re.sub(rf"\b{word}\b", synonym, text, count=1)
    if kind in ("suffix", "both"):
        text = text.rstrip(" .") + rng.choice(SUFFIXES)
    return text


def _series(rng, template, objective: str, first: int, months: int, added=False) -> Series:
    return Series(
        template=template,
        objective=objective,
        added=added,
        uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
        first_month=first,
        values=_progress_over_time(rng, template, months - first),
    )


def _progress_over_time(rng, template: TemplateGoal, months: int) -> list[MonthValue]:
    """The goal's value in each of `months` months, as a municipality would publish it."""
    unchanged = MonthValue(
        template.status, template.progress, template.target, template.note, template.lacks_financing
    )
    if template.status != Goal.Status.PERCENT:
        return [unchanged] * months  # does not apply, text targets... stay as published
    # Goals without financing do not move; about one in eight others stalls too.
    if template.lacks_financing or rng.random() < 0.12:
        return [unchanged] * months
    progress = max(0, int(template.progress) - rng.choice([0, 10, 20, 30, 40, 50, 60]))
    values = []
    for _ in range(months):
        roll = rng.random()
        if roll < 0.03:
            values.append(NOT_AVAILABLE)
            continue
        if roll < 0.05:
            progress = max(0, progress - 5)  # a correction
        elif roll < 0.50 and progress < 100:
            progress = min(100, progress + rng.choice(PROGRESS_STEPS))
        values.append(_percent_value(progress, template.note, template.lacks_financing))
    return values


NOT_AVAILABLE = MonthValue(Goal.Status.NOT_AVAILABLE, None, NOT_AVAILABLE_TARGET, "", False)


def _percent_value(progress: int, note: str, lacks_financing: bool) -> MonthValue:
    target = f"{progress}% {note}" if note else f"{progress}%"
    return MonthValue(Goal.Status.PERCENT, _decimal(progress), target, note, lacks_financing)


@lru_cache(maxsize=None)
def _decimal(value: int) -> Decimal:
    return Decimal(value)


# --- History fields --------------------------------------------------------------------------

def history_fields(before: dict | None, value: MonthValue, has_previous_report: bool):
    """`change`, `previous_progress` and `months_unchanged` of a goal, given the same goal in
    the previous (consecutive) report, by metas.history's rules."""
    if not has_previous_report:
        return {"change": "", "previous_progress": None, "months_unchanged": 0}
    if before is None:
        return {"change": Goal.Change.NEW, "previous_progress": None, "months_unchanged": 0}
    change = history.change_between(SimpleNamespace(**before), value)
    return {
        "change": change,
        "previous_progress": before["progress"],
        "months_unchanged": history.months_unchanged_after(change, before["months_unchanged"], 1),
    }


# --- Writing ---------------------------------------------------------------------------------

@dataclass
class Summary:
    institutions: int = 0
    reports: int = 0
    goals: int = 0
    parish_tags: int = 0
    neighbourhood_tags: int = 0
    replaced: int = 0
    periods: list[date] = field(default_factory=list)


class DemoInstitutionsExist(Exception):
    """Some demo names are taken and replacing them was not asked for."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__(", ".join(names))


def generate(
    institutions: int,
    months: int,
    seed: int = 0,
    last_period: date = DEFAULT_LAST_PERIOD,
    replace: bool = False,
    progress: ProgressCallback | None = None,
    build_downloads: bool = True,
) -> Summary:
    """Write `institutions` demo institutions with `months` consecutive monthly reports each.

    Raises DemoInstitutionsExist, before writing anything, if an institution of a demo name
    exists and `replace` is false. `progress(number, total, name, goals)` is called after each
    institution is written. The prebuilt downloads are rebuilt at the end unless
    `build_downloads` is false.
    """
    if institutions < 1 or months < 1:
        raise ValueError("institutions and months must be at least 1")
    names = demo_names(institutions)
    existing = list(Institution.objects.filter(name__in=names).values_list("name", flat=True))
    if existing and not replace:
        raise DemoInstitutionsExist(sorted(existing))

    sample = load_sample()
    writer = _Writer(sample, periods.ending_with(last_period, months))
    summary = Summary(replaced=len(existing), periods=writer.periods)
    # The files are rebuilt once, at the end (after the statistics), not once per institution.
    with publication.together(files=build_downloads):
        with search_index.suspended(connection):  # indexed once at the end, not row by row
            for index in range(institutions):
                plan = plan_institution(sample, index, months, seed)
                with transaction.atomic():
                    _delete_institution(plan.name)
                    counts = writer.write(plan)
                summary.institutions += 1
                summary.reports += months
                summary.goals += counts["goals"]
                summary.parish_tags += counts["parish_tags"]
                summary.neighbourhood_tags += counts["neighbourhood_tags"]
                if progress:
                    progress(index + 1, institutions, plan.name, counts["goals"])
                if _is_power_of_two(index + 1):
                    # As the tables double, so that each institution's queries (its tallies,
                    # the check of its reports) are planned for the data now there, not for
                    # the first few rows: where autovacuum is off, or slower than the load.
                    refresh_planner_statistics()
        refresh_planner_statistics()  # query plans depend on them
    return summary


def _is_power_of_two(number: int) -> bool:
    return number & (number - 1) == 0


def _delete_institution(name: str) -> None:
    """Delete an institution and everything it published (goals first: Goal.unit protects)."""
    delete_goals(list(Report.objects.filter(institution__name=name).values_list("pk", flat=True)))
    Institution.objects.filter(name=name).delete()


class _Writer:
    """Writes institution plans; caches what every institution shares (the country's places,
    folded text) and each canton's gazetteer."""

    def __init__(self, sample: Sample, periods: list[date]):
        self.sample = sample
        self.periods = periods
        self.units = sample_units(sample)
        self.atlas = Atlas.from_database()
        loja = Canton.objects.get(code=LOJA_CANTON)
        self.loja = self.atlas.gazetteer(("canton", loja.pk))
        self.loja_tags = cached(self.loja.tag)  # the sample's objectives, as Loja's
        self.ids = tuple(
            dict(model.objects.values_list("slug", "pk"))
            for model in (Parish, Canton, Neighbourhood)
        )
        self.tags = {}  # (canton pk, objective) -> Tags

    def write(self, plan: InstitutionPlan) -> dict[str, int]:
        territory = recognise(plan.name, self.atlas).territory
        institution = Institution.objects.create(
            name=plan.name, slug=plan.slug, kind=Institution.Kind.MUNICIPALITY,
            canton_id=territory[1] if territory else None,
        )
        gazetteer = self.atlas.gazetteer(territory)
        places = _PlaceNames(self.loja, gazetteer)
        units = self._units(institution, self._levels(institution))
        rows = [
            self._series_row(plan, series, units, gazetteer, places) for series in plan.series
        ]
        reports = self._reports(institution, plan)
        goals_written, tag_rows_by_model = 0, ([], [], [])
        previous: dict[int, dict] = {}  # series index -> its goal last month
        for month, report in enumerate(reports):
            goals = self._goals(plan, rows, month, report, previous)
            insert_many(Goal, list(goals.values()))
            ids = dict(Goal.objects.filter(report=report).values_list("position", "pk"))
            for series_index, goal in goals.items():
                goal["pk"] = ids[goal["position"]]
                for kind, new_rows in zip(
                    tag_rows_by_model, tag_rows(goal["pk"], rows[series_index].tags, *self.ids)
                ):
                    kind += new_rows
            goals_written += len(goals)
            previous = goals
        record.record_written(reports)
        for model, model_rows in zip((GoalParish, GoalCanton, GoalNeighbourhood), tag_rows_by_model):
            insert_many(model, model_rows)
        publication.changed(institution.pk)  # once its goals and tags are all written
        return {
            "goals": goals_written,
            "parish_tags": len(tag_rows_by_model[0]),
            "neighbourhood_tags": len(tag_rows_by_model[2]),
        }

    def _series_row(self, plan, series: Series, units, gazetteer, places) -> _SeriesRow:
        """What every month of a series shares in this institution, computed once."""
        template = series.template
        unit = units[unit_identity(template.level, template.unit_code, template.unit_name)]
        objective = places.moved(_LOJA.sub(plan.canton, series.objective),
                                 self.loja_tags(series.objective))
        key = (id(gazetteer), objective)
        if key not in self.tags:
            self.tags[key] = gazetteer.tag(objective)
        return _SeriesRow(unit=unit, objective=objective, tags=self.tags[key])

    def _levels(self, institution) -> dict[str, ProcessLevel]:
        levels = ProcessLevel.objects.bulk_create(
            ProcessLevel(
                institution=institution,
                name=name,
                slug=_slug(ProcessLevel, slugify(name), institution),
                position=position,
            )
            for position, name in enumerate(self.sample.levels)
        )
        return {level.name: level for level in levels}

    def _units(self, institution, levels) -> dict[tuple, Unit]:
        """The sample's units by the importer's unit_identity, written parents first."""
        units: dict[tuple, Unit] = {}
        for depth in sorted({spec.depth for spec in self.units}):
            specs = [spec for spec in self.units if spec.depth == depth]
            written = Unit.objects.bulk_create(
                Unit(
                    institution=institution,
                    level=levels[spec.level],
                    parent=units[spec.parent] if spec.parent else None,
                    code=spec.code,
                    published_name=spec.published_name,
                    name=spec.name,
                    slug=_slug(Unit, unit_slug_base(spec.code, spec.name), institution),
                )
                for spec in specs
            )
            units.update((spec.identity, unit) for spec, unit in zip(specs, written))
        return units

    def _reports(self, institution, plan: InstitutionPlan) -> list[Report]:
        counts = [sum(1 for s in plan.series if s.value(m)) for m in range(len(self.periods))]
        return Report.objects.bulk_create(
            Report(
                institution=institution,
                period=period,
                format=Report.Format.MATRIX,
                updated_on=period.replace(day=calendar.monthrange(period.year, period.month)[1]),
                periodicity=self.sample.periodicity,
                holder_unit=self.sample.holder_unit,
                responsible=plan.responsible,
                email=plan.email,
                phone=plan.phone,
                link_text=self.sample.link_text,
                goal_count=count,
            )
            for period, count in zip(self.periods, counts)
        )

    def _goals(self, plan, rows, month, report, previous) -> dict[int, dict]:
        """The month's goals as {field name: value}, by series index, in report order."""
        goals = {}
        added_rows = 0  # rows published that the sample does not have, shifting lines down
        for series_index, series in enumerate(plan.series):
            value = series.value(month)
            if value is None:
                continue
            added_rows += series.added
            row = rows[series_index]
            template = series.template
            before = previous.get(series_index)
            goal = _month_goal(template, row.objective, value, template.line + added_rows)
            goals[series_index] = {
                **goal_row(
                    goal, report=report.pk, position=len(goals) + 1, unit=row.unit,
                    level_name=template.level, coverage=row.tags.coverage, series=series.uuid,
                    fold=_folded,
                ),
                "previous": before["pk"] if before else None,
                **history_fields(before, value, month > 0),
                **_reason_fields(value),
            }
        return goals


def _month_goal(
    template: TemplateGoal, objective: str, value: MonthValue, line: int
) -> ParsedGoal:
    """A series' goal in one month, as the importer would have read it from the report."""
    return ParsedGoal(
        level=template.level, unit_code=template.unit_code, unit_name=template.unit_name,
        objective=objective, indicator=template.indicator, target=value.target,
        progress=value.progress, status=value.status, note=value.note,
        lacks_financing=value.lacks_financing, verification_link="", file="", line=line,
    )


def _reason_fields(value: MonthValue) -> dict[str, str]:
    found = reasons.reason_of(value.status, value.note, value.target)
    return {"reason": found.reason, "reason_words": found.words}


@dataclass
class _SeriesRow:
    unit: Unit
    objective: str  # in the institution's own words, naming its own canton's places
    tags: Tags  # as its canton's gazetteer tags it


class _PlaceNames:
    """Cantón Loja's parishes as one canton's: the i-th urban (rural) parish of Loja becomes
    the canton's i-th (round the list), named so that the canton's gazetteer finds it."""

    def __init__(self, loja: Gazetteer, canton: Gazetteer):
        names = [p for p in canton.parishes if p.name_is_spelling and not p.guarded]
        urban = [p for p in names if p.kind in (URBAN, SEAT)] or names
        rural = [p for p in names if p.kind == RURAL] or urban
        self.names = {}
        if not names:
            return
        loja_urban = [p for p in loja.parishes if p.kind == URBAN]
        loja_rural = [p for p in loja.parishes if p.kind == RURAL]
        for places, theirs in ((loja_urban, urban), (loja_rural, rural)):
            for index, place in enumerate(places):
                self.names[place.slug] = theirs[index % len(theirs)].name

    def moved(self, objective: str, loja_tags: Tags) -> str:
        """The objective with each parish of Loja it names replaced by the canton's."""
        named = [m for m in loja_tags.parishes if not m.via_coverage and m.slug in self.names]
        for match in sorted(named, key=lambda m: len(m.matched_text), reverse=True):
            words = re.compile(rf"(?<!\w){re.escape(match.matched_text)}(?!\w)")
            objective = words.sub(self.names[match.slug], objective)
        return objective


def _slug(model, base: str, institution: Institution) -> str:
    """The importer's slug for the same name in a second institution: globally unique because
    the institution's slug is part of it, so no lookup is needed."""
    max_length = model._meta.get_field("slug").max_length
    return with_institution(base, institution.slug, max_length, model._meta.model_name)


# "cantón Loja", "Municipio de Loja": demo institutions speak of their own cantón.
_LOJA = re.compile(r"\bLoja\b")


@lru_cache(maxsize=65536)
def _folded(text: str) -> str:
    return fold(text)
