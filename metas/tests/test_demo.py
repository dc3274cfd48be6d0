"""generate_demo: realistic demo data at scale, varied from the sample report."""
import calendar
import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from metas import demo
from metas.history import link_history
from metas.models import (
    Canton, Goal, GoalNeighbourhood, GoalParish, Institution, ProcessLevel, Report,
)
from metas.territory import Atlas
from metas.text import fold

from .factories import make_goal, make_institution, make_report

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SAMPLE_GOALS = 137
SAMPLE_LEVELS = 5

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_by_three():
    """Two demo institutions with three monthly reports each (June to August 2019)."""
    return demo.generate(institutions=2, months=3, seed=7)


def snapshot():
    """Everything a reader sees of the demo goals, without database ids."""
    return sorted(
        Goal.objects.values_list(
            "report__institution__name",
            "report__period",
            "position",
            "source_line",
            "unit__published_name",
            "objective",
            "target",
            "progress",
            "status",
            "note",
            "series",
            "change",
            "months_unchanged",
        )
    )


# --- What is written ------------------------------------------------------------------------

def test_it_writes_each_institution_with_consecutive_monthly_reports(two_by_three):
    institutions = list(Institution.objects.order_by("pk"))
    assert [i.name for i in institutions] == ["Municipio de Cuenca", "Municipio de Guayaquil"]
    assert [i.slug for i in institutions] == ["municipio-de-cuenca", "municipio-de-guayaquil"]
    for institution in institutions:
        periods = list(institution.reports.order_by("period").values_list("period", flat=True))
        assert periods == [date(2019, 6, 1), date(2019, 7, 1), date(2019, 8, 1)]
        assert institution.levels.count() == SAMPLE_LEVELS
    for report in Report.objects.all():
        assert report.goal_count == report.goals.count() >= SAMPLE_GOALS
        last_day = calendar.monthrange(report.period.year, report.period.month)[1]
        assert report.updated_on == report.period.replace(day=last_day)
        assert report.periodicity == "Mensual"
        assert report.responsible and report.email and report.phone
    assert two_by_three.institutions == 2
    assert two_by_three.reports == 6
    assert two_by_three.goals == Goal.objects.count()
    assert two_by_three.parish_tags == GoalParish.objects.count()
    assert two_by_three.neighbourhood_tags == GoalNeighbourhood.objects.count()


def test_it_numbers_goals_in_report_order(two_by_three):
    for report in Report.objects.all():
        positions = list(report.goals.order_by("position").values_list("position", "source_line"))
        assert [p for p, _ in positions] == list(range(1, len(positions) + 1))
        lines = [line for _, line in positions]
        assert lines == sorted(lines) and len(set(lines)) == len(lines)


def test_it_keeps_the_sample_structure_for_each_institution(two_by_three):
    cuenca = Institution.objects.get(slug="municipio-de-cuenca")
    calidad = cuenca.units.get(code="6.1", name="Gestión de Calidad Ambiental")
    assert calidad.published_name == "Gestión Ambiental - Gestión de Calidad Ambiental"
    assert (calidad.parent.code, calidad.parent.name) == ("6", "Gestión Ambiental")
    assert calidad.level.name == "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO"
    # Globally unique slugs: the other institution has its own units and levels.
    guayaquil = Institution.objects.get(slug="municipio-de-guayaquil")
    assert guayaquil.units.filter(code="6.1", name="Gestión de Calidad Ambiental").exists()
    assert ProcessLevel.objects.filter(institution=guayaquil).count() == SAMPLE_LEVELS


def test_it_speaks_of_each_institution_own_canton(two_by_three):
    cuenca = Goal.objects.filter(report__institution__slug="municipio-de-cuenca")
    assert cuenca.filter(objective__contains="cantón Cuenca").exists()
    objectives = cuenca.values_list("objective", flat=True)
    assert not [text for text in objectives if re.search(r"\bLoja\b", text)]


def test_it_varies_the_wording_a_little_and_moves_the_places_to_its_canton(two_by_three):
    sample = demo.load_sample()
    sample_objectives = {goal.objective.replace("Loja", "Cuenca") for goal in sample.goals}
    cuenca = Goal.objects.filter(report__institution__slug="municipio-de-cuenca")
    objectives = set(cuenca.values_list("objective", flat=True))
    reworded = objectives - sample_objectives
    assert reworded, "some objectives are reworded"
    # The sample's parishes of cantón Loja become Cuenca's: none is named any more.
    assert not cuenca.filter(objective__contains="Vilcabamba").exists()
    assert not cuenca.filter(objective__contains="Chantaco").exists()
    # Every goal of the sample that names a parish of Loja names one of Cuenca's.
    loja = Atlas.from_database().gazetteer(("canton", Canton.objects.get(code="1101").pk))
    in_sample = sum(
        any(not m.via_coverage for m in loja.tag(goal.objective).parishes) for goal in sample.goals
    )
    named_in_cuenca = cuenca.filter(
        report__period=date(2019, 8, 1), parish_tags__via_coverage=False
    ).distinct()
    assert named_in_cuenca.count() >= in_sample >= 20


def test_it_moves_progress_month_to_month_within_bounds(two_by_three):
    changes = set(Goal.objects.values_list("change", flat=True))
    assert {"", Goal.Change.UP, Goal.Change.SAME} <= changes
    assert Goal.objects.filter(status=Goal.Status.PERCENT, progress__isnull=True).count() == 0
    assert not Goal.objects.filter(progress__gt=100).exists()
    assert not Goal.objects.filter(progress__lt=0).exists()
    assert Goal.objects.filter(status=Goal.Status.NOT_APPLICABLE).exists()
    lacking = Goal.objects.filter(lacks_financing=True, note__contains="falta de financiamiento")
    assert lacking.exists()
    for goal in Goal.objects.filter(status=Goal.Status.PERCENT):
        assert goal.target.startswith(f"{goal.progress:.0f}%")
    for goal in Goal.objects.filter(status=Goal.Status.NOT_AVAILABLE):
        assert goal.progress is None and goal.target == "INFORMACIÓN NO DISPONIBLE"


def test_it_writes_the_search_text_the_importer_would(two_by_three):
    goals = Goal.objects.select_related("unit__level")
    for goal in goals:
        unit = goal.unit
        parts = [goal.objective, goal.indicator, goal.target, unit.published_name, unit.level.name]
        assert goal.search_text == fold(" ".join(parts))


# --- History across months ------------------------------------------------------------------

def test_it_fills_the_history_fields_consistently(two_by_three):
    goals = Goal.objects.select_related("report", "previous__report")
    checked_links = 0
    for goal in goals:
        first_report = goal.report.period == date(2019, 6, 1)
        if first_report:
            assert (goal.change, goal.previous, goal.months_unchanged) == ("", None, 0)
            continue
        if goal.previous is None:
            assert goal.change == Goal.Change.NEW
            assert goal.months_unchanged == 0 and goal.previous_progress is None
            continue
        before = goal.previous
        checked_links += 1
        assert before.report.institution_id == goal.report.institution_id
        assert demo_months_between(before.report.period, goal.report.period) == 1
        assert before.series == goal.series
        assert goal.previous_progress == before.progress
        both_known = None not in (before.progress, goal.progress)
        if both_known and goal.progress > before.progress:
            assert (goal.change, goal.months_unchanged) == (Goal.Change.UP, 0)
        elif both_known and goal.progress < before.progress:
            assert (goal.change, goal.months_unchanged) == (Goal.Change.DOWN, 0)
        elif (goal.status, goal.progress) == (before.status, before.progress):
            assert goal.change == Goal.Change.SAME
            assert goal.months_unchanged == before.months_unchanged + 1
        else:  # a percentage on one side only: not comparable
            assert (goal.change, goal.months_unchanged) == ("", 0)
    assert checked_links > SAMPLE_GOALS * 2


def demo_months_between(earlier, later):
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def test_it_gives_each_goal_one_series_shared_across_months(two_by_three):
    for report in Report.objects.all():
        series = list(report.goals.values_list("series", flat=True))
        assert None not in series and len(set(series)) == len(series)
    cuenca = Goal.objects.filter(report__institution__slug="municipio-de-cuenca")
    june = set(cuenca.filter(report__period=date(2019, 6, 1)).values_list("series", flat=True))
    august = set(cuenca.filter(report__period=date(2019, 8, 1)).values_list("series", flat=True))
    assert june <= august, "no goal disappears"
    new_in_august = cuenca.filter(report__period=date(2019, 8, 1)).exclude(series__in=june)
    assert new_in_august.count() == cuenca.filter(
        report__period__gt=date(2019, 6, 1), change=Goal.Change.NEW
    ).count()


def test_it_agrees_with_the_history_the_importer_links(two_by_three):
    """metas.history re-links the reports by matching texts and finds the same history (its
    series are UUIDs of its own, so only how goals group into series is compared)."""
    fields = ("previous_id", "previous_progress", "change", "months_unchanged")
    generated = {g["pk"]: g for g in Goal.objects.values("pk", *fields)}
    generated_series = series_groups()
    for report in Report.objects.order_by("institution", "period"):
        link_history(report)
    assert {g["pk"]: g for g in Goal.objects.values("pk", *fields)} == generated
    assert series_groups() == generated_series


def series_groups():
    groups = {}
    for pk, series in Goal.objects.values_list("pk", "series"):
        groups.setdefault(series, set()).add(pk)
    return sorted(sorted(group) for group in groups.values())


def test_it_marks_stalled_goals_with_the_months_without_change(two_by_three):
    stalled = Goal.objects.filter(report__period=date(2019, 8, 1), months_unchanged=2)
    assert stalled.exists()
    for goal in stalled.select_related("previous__previous"):
        assert goal.change == goal.previous.change == Goal.Change.SAME
        # A month without a figure ("información no disponible") is not a change either way.
        progress = [g.progress for g in (goal, goal.previous, goal.previous.previous)]
        if None not in progress:
            assert len(set(progress)) == 1


def test_it_leaves_the_database_statistics_fresh_for_the_query_planner(two_by_three):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # "<rows in the table> <rows per value of each indexed column>..."
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'metas_goal' LIMIT 1")
            rows = int(cursor.fetchone()[0].split()[0])
        else:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'metas_goal'")
            rows = int(cursor.fetchone()[0])
    assert rows == Goal.objects.count()


# --- Territory ------------------------------------------------------------------------------

def test_it_tags_the_places_of_each_institution_own_canton(two_by_three):
    """Cuenca's goals name Cuenca's parishes and are tagged with them, never with Loja's; the
    JDB are cantón Loja's, so "JDB La Banda" tags nothing in Cuenca."""
    august = Goal.objects.filter(
        report__institution__slug="municipio-de-cuenca", report__period=date(2019, 8, 1)
    )
    cuenca = Institution.objects.get(slug="municipio-de-cuenca")
    assert (cuenca.kind, cuenca.canton.code) == (Institution.Kind.MUNICIPALITY, "0101")
    yangana = august.filter(objective__contains="de calles de la parroquia ")
    assert yangana.exists()
    for goal in yangana:
        [(canton, words, collective)] = goal.parish_tags.values_list(
            "parish__canton__code", "matched_text", "via_coverage"
        )
        assert (canton, collective) == ("0101", False)
        assert f"de calles de la parroquia {words}" in goal.objective
    assert not GoalParish.objects.exclude(parish__canton__code__in=["0101", "0901"]).exists()
    la_banda = august.filter(objective__contains="JDB La Banda")
    assert la_banda.count() >= 3
    assert not GoalNeighbourhood.objects.filter(goal__in=la_banda).exists()
    urban = august.filter(objective__contains="las 6 parroquias urbanas")
    assert urban.exists()
    cuenca_urban = cuenca.canton.parishes.filter(kind="urbana").count()
    for goal in urban:
        assert goal.coverage == Goal.Coverage.URBAN
        assert goal.parish_tags.filter(via_coverage=True).count() == cuenca_urban == 15


def test_it_tags_with_the_objective_own_words(two_by_three):
    named = GoalParish.objects.filter(via_coverage=False).select_related("goal")
    assert named.exists()
    for tag in named:
        assert tag.matched_text in tag.goal.objective
    for tag in GoalNeighbourhood.objects.select_related("goal"):
        assert tag.matched_text in tag.goal.objective
    for tag in GoalParish.objects.filter(via_coverage=True).select_related("goal"):
        assert tag.goal.coverage != Goal.Coverage.NAMED


def test_it_tags_every_month_of_a_goal_alike(two_by_three):
    by_series = {}
    for goal in Goal.objects.prefetch_related("parishes", "neighbourhoods"):
        tags = (
            sorted(p.slug for p in goal.parishes.all()),
            sorted(n.slug for n in goal.neighbourhoods.all()),
        )
        by_series.setdefault(goal.series, set()).add(repr(tags))
    assert all(len(tags) == 1 for tags in by_series.values())


# --- Determinism and re-runs ----------------------------------------------------------------

def test_it_gives_the_same_data_for_the_same_seed():
    demo.generate(institutions=2, months=3, seed=11)
    first = snapshot()
    demo.generate(institutions=2, months=3, seed=11, replace=True)
    assert snapshot() == first
    demo.generate(institutions=2, months=3, seed=12, replace=True)
    assert snapshot() != first


def test_it_refuses_to_overwrite_institutions_without_replace(two_by_three):
    before = snapshot()

    with pytest.raises(demo.DemoInstitutionsExist) as refused:
        demo.generate(institutions=3, months=2, seed=1)

    assert refused.value.names == ["Municipio de Cuenca", "Municipio de Guayaquil"]
    assert snapshot() == before
    assert not Institution.objects.filter(name="Municipio de Quito").exists()


def test_it_replaces_demo_institutions_with_all_their_reports():
    demo.generate(institutions=1, months=4, seed=3)
    summary = demo.generate(institutions=1, months=2, seed=3, replace=True)

    assert summary.replaced == 1
    cuenca = Institution.objects.get(name="Municipio de Cuenca")
    assert cuenca.reports.count() == 2
    assert Goal.objects.filter(report__institution=cuenca).count() == summary.goals


def test_it_never_touches_other_institutions():
    loja = make_institution("Municipio de Loja")
    goal = make_goal(make_report(loja, "2019-08"), progress=40, parishes=["vilcabamba"])

    demo.generate(institutions=2, months=2, seed=0, replace=True)

    assert Goal.objects.get(pk=goal.pk).progress == 40
    assert list(loja.reports.values_list("goal_count", flat=True)) == [1]
    assert Institution.objects.count() == 3


def test_it_numbers_the_names_once_the_cantones_run_out():
    assert demo.institution_name(0) == ("Municipio de Cuenca", "Cuenca")
    assert demo.institution_name(len(demo.CANTONS)) == ("Municipio de Cuenca (2)", "Cuenca")
    names = demo.demo_names(len(demo.CANTONS) * 2)
    assert len(set(names)) == len(names)


def test_it_names_no_institution_after_loja_or_a_place_of_its_territory():
    places = set()
    for filename in ("parroquias_loja.csv", "jdb_loja.csv"):
        with open(FIXTURES / filename, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                spellings = [row["nombre"], *row["variantes"].split("|")]
                places |= {fold(name) for name in spellings if name}
    cantons = {fold(canton) for canton in demo.CANTONS}
    assert len(cantons) == len(demo.CANTONS) >= 100, "100 distinct real cantones"
    assert "loja" not in cantons
    assert not cantons & places


# --- The command ----------------------------------------------------------------------------

def run(*args, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("generate_demo", *args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def test_it_shows_progress_per_institution_and_a_summary():
    stdout, stderr = run("--institutions", "2", "--months", "3", "--seed", "5")

    goals = Goal.objects.filter(report__institution__slug="municipio-de-cuenca").count()
    assert f"Institución 1/2: Municipio de Cuenca, {goals} metas" in stderr
    assert "Institución 2/2: Municipio de Guayaquil" in stderr
    assert "2 instituciones, 6 reportes (2019-06 a 2019-08)" in stdout
    assert f"{Goal.objects.count()} metas" in stdout
    assert f"{GoalParish.objects.count():,} etiquetas de parroquia".replace(",", "\xa0") in stdout


def test_it_explains_itself_in_spanish():
    from metas.management.commands.generate_demo import Command

    text = " ".join(Command().create_parser("manage.py", "generate_demo").format_help().split())
    assert "Escribe datos de demostración" in text
    assert "salvo con --replace, que primero las borra con todos sus reportes" in text
    assert "--seed SEED semilla aleatoria (por omisión 0)" in text


def test_it_is_silent_with_verbosity_zero():
    assert run("--institutions", "1", "--months", "1", verbosity=0) == ("", "")
    assert Report.objects.count() == 1


def test_it_ends_the_months_where_asked():
    run("--institutions", "1", "--months", "2", "--last-period", "2025-01")
    periods = list(Report.objects.order_by("period").values_list("period", flat=True))
    assert periods == [date(2024, 12, 1), date(2025, 1, 1)]


def test_it_refuses_existing_names_with_a_clear_message(two_by_three):
    with pytest.raises(CommandError) as refused:
        run("--institutions", "2", "--months", "3")

    message = str(refused.value)
    assert message.startswith("2 instituciones ya tienen nombres de demostración")
    assert "Municipio de Cuenca, Municipio de Guayaquil" in message
    assert "--replace" in message


def test_it_replaces_on_request_and_says_so(two_by_three):
    stdout, _ = run("--institutions", "2", "--months", "3", "--seed", "7", "--replace")
    assert "Se reemplazaron 2 instituciones de demostración existentes." in stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--institutions", "0"], "--institutions debe ser 1 o más."),
        (["--months", "0"], "--months debe estar entre 1 y 120."),
        (
            ["--last-period", "agosto"],
            "--last-period debe ser un mes escrito AAAA-MM, por ejemplo 2019-08, no “agosto”.",
        ),
    ],
)
def test_it_refuses_bad_arguments_in_spanish(args, message):
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert str(refused.value) == message
    assert not Institution.objects.exists()


def test_it_stores_what_an_import_records_for_accountability(two_by_three):
    """Each goal's reason as the rule file reads its note, and each report's check and
    fingerprint, as refresh_accountability would compute them from the stored rows."""
    from metas.accountability import record

    stored = lambda: (  # noqa: E731
        list(Goal.objects.order_by("pk").values_list("reason", "reason_words")),
        list(Report.objects.order_by("pk").values_list("compliance", "content_sha256",
                                                       "unchanged_since")),
    )
    written = stored()
    assert {reason for reason, _ in written[0]} >= {"falta-de-financiamiento", "no-aplica"}
    assert all(check and sha for check, sha, _ in written[1])
    for report in Report.objects.all():
        record.refresh(report)
    assert stored() == written
