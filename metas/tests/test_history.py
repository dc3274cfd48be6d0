"""A goal's history across months: matching, linking, and what changed between reports."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from metas import history
from metas.history import Entry, link_history, match, stored_changes
from metas.importer.parsed import ParsedGoal
from metas.models import Goal, Institution, Report, Unit

PERCENT = Goal.Status.PERCENT
NOT_APPLICABLE = Goal.Status.NOT_APPLICABLE
NOT_AVAILABLE = Goal.Status.NOT_AVAILABLE

AMBIENTAL = ("6.1", "Gestión Ambiental - Gestión de Calidad Ambiental")
OBRAS = ("8.1", "Gestión de Obras Públicas - Vialidad Urbana y Rural")
TURISMO = ("9", "Gestión de Turismo")


# --- Small builders: a report as the importer would store it -------------------------------

def make_institution(name="Municipio de Loja"):
    return Institution.objects.create(name=name, slug=slugify(name))


def make_unit(institution, code, name):
    unit, _ = Unit.objects.get_or_create(
        institution=institution,
        code=code,
        published_name=name,
        defaults={"name": name, "slug": slugify(f"{institution.slug} {code} {name}")[:255]},
    )
    return unit


def make_report(institution, period, rows, link=True):
    """rows: (unit, objective, progress or None[, status]) in file order."""
    year, month = map(int, period.split("-"))
    report = Report.objects.create(
        institution=institution, period=date(year, month, 1), format=Report.Format.MATRIX
    )
    goals = []
    for position, row in enumerate(rows, start=1):
        (code, unit_name), objective, progress = row[:3]
        status = row[3] if len(row) > 3 else (PERCENT if progress is not None else NOT_APPLICABLE)
        goals.append(
            Goal(
                report=report,
                unit=make_unit(institution, code, unit_name),
                position=position,
                source_line=position + 4,
                objective=objective,
                target="" if progress is None else f"{progress}%",
                progress=None if progress is None else Decimal(progress),
                status=status,
            )
        )
    Goal.objects.bulk_create(goals)
    if link:
        link_history(report)
    return report


def goal_of(report, objective):
    return Goal.objects.get(report=report, objective=objective)


def entry(unit, objective, progress=None, status=PERCENT):
    return Entry(unit[0], unit[1], objective, progress, status)


@pytest.fixture
def loja(db):
    return make_institution()


# --- Matching -------------------------------------------------------------------------------

def test_it_matches_objectives_that_differ_in_case_accents_and_spacing():
    previous = [entry(AMBIENTAL, "Educación Ambiental en el cantón Loja")]
    current = [entry(AMBIENTAL, "  EDUCACION   ambiental en el Canton Loja ")]
    assert match(previous, current) == {0: 0}


def test_it_matches_an_objective_whose_typo_was_fixed():
    previous = [entry(AMBIENTAL, "Seguimiento de auditorias ambientales de proyectos municpales")]
    current = [entry(AMBIENTAL, "Seguimiento de auditorías ambientales de proyectos municipales.")]
    assert match(previous, current) == {0: 0}


def test_it_does_not_match_a_different_goal_of_the_same_unit():
    previous = [entry(OBRAS, "Pavimentación de vías")]
    current = [entry(OBRAS, "Pavimentación de vías urbanas y rurales")]
    assert match(previous, current) == {}


def test_it_never_matches_across_units():
    previous = [entry(AMBIENTAL, "Educación Ambiental en el cantón Loja")]
    current = [entry(TURISMO, "Educación Ambiental en el cantón Loja")]
    assert match(previous, current) == {}


def test_it_recognises_a_unit_whose_name_changed_only_in_accents_and_case():
    previous = [entry(("9", "Gestion de turismo"), "Promoción turística del cantón")]
    current = [entry(TURISMO, "Promoción turística del cantón")]
    assert match(previous, current) == {0: 0}


def test_it_matches_one_to_one_preferring_exact_then_the_closest_text():
    previous = [
        entry(OBRAS, "Mantenimiento vial de la parroquia Malacatos"),
        entry(OBRAS, "Mantenimiento vial de la parroquia Vilcabamba"),
        entry(OBRAS, "Mantenimiento vial de la parroquia Malacatos"),
    ]
    current = [
        entry(OBRAS, "Mantenimiento vial de la parroquia Vilcabanba"),  # a new typo
        entry(OBRAS, "Mantenimiento vial de la parroquia Malacatos"),
        entry(OBRAS, "Mantenimiento vial de la parroquia Malacatos"),
    ]
    assert match(previous, current) == {0: 1, 1: 0, 2: 2}


# --- Linking stored reports -----------------------------------------------------------------

def test_the_first_report_of_an_institution_has_no_change_and_a_series_per_goal(loja):
    rows = [(AMBIENTAL, "Educación Ambiental", 50), (OBRAS, "Vías", 10)]
    august = make_report(loja, "2019-08", rows)
    goals = list(august.goals.all())
    assert [g.change for g in goals] == ["", ""]
    assert [g.previous for g in goals] == [None, None]
    assert [g.months_unchanged for g in goals] == [0, 0]
    assert goals[0].series and goals[1].series and goals[0].series != goals[1].series


def test_it_links_the_same_goal_in_the_next_month_and_says_how_it_moved(loja):
    august = make_report(loja, "2019-08", [
        (AMBIENTAL, "Educación Ambiental en el cantón Loja", 50),
        (AMBIENTAL, "Regularización ambiental de proyectos municpales", 80),
        (OBRAS, "Pavimentación de vías", 30),
        (OBRAS, "Bacheo de la red vial", 100),
    ])
    september = make_report(loja, "2019-09", [
        (AMBIENTAL, "Educacion ambiental en el canton Loja", 70),
        (AMBIENTAL, "Regularización ambiental de proyectos municipales", 80),
        (OBRAS, "Pavimentación  de vías", 20),
        (OBRAS, "Construcción del puente sobre el río Zamora", 5),
    ])
    education = goal_of(september, "Educacion ambiental en el canton Loja")
    assert education.previous == goal_of(august, "Educación Ambiental en el cantón Loja")
    assert education.series == education.previous.series
    assert (education.previous_progress, education.change) == (Decimal("50"), "sube")
    assert education.months_unchanged == 0

    regularisation = goal_of(september, "Regularización ambiental de proyectos municipales")
    assert regularisation.previous.objective == "Regularización ambiental de proyectos municpales"
    assert (regularisation.change, regularisation.months_unchanged) == ("sin-cambio", 1)

    assert goal_of(september, "Pavimentación  de vías").change == "baja"
    bridge = goal_of(september, "Construcción del puente sobre el río Zamora")
    assert (bridge.change, bridge.previous, bridge.months_unchanged) == ("nueva", None, 0)
    assert bridge.series not in set(august.goals.values_list("series", flat=True))


def test_a_reimported_month_gives_its_goals_the_same_series(loja):
    rows = [(AMBIENTAL, "Educación Ambiental", 50), (OBRAS, "Vías", 10), (OBRAS, "Vías", 20)]
    make_report(loja, "2019-08", rows)
    first = list(Goal.objects.order_by("position").values_list("series", flat=True))
    august = replace_report(loja, "2019-08", rows)
    assert list(august.goals.order_by("position").values_list("series", flat=True)) == first
    assert len(set(first)) == 3  # a repeated objective is still two goals


def test_months_unchanged_add_up_the_months_between_reports(loja):
    rows = [(AMBIENTAL, "Educación Ambiental", 50)]
    make_report(loja, "2019-08", rows)
    make_report(loja, "2019-09", rows)
    november = make_report(loja, "2019-11", rows)  # October was never published
    assert goal_of(november, "Educación Ambiental").months_unchanged == 3
    january = make_report(loja, "2020-01", [(AMBIENTAL, "Educación Ambiental", 60)])
    assert goal_of(january, "Educación Ambiental").months_unchanged == 0


def test_a_goal_that_loses_its_percentage_is_neither_moved_nor_unchanged(loja):
    make_report(loja, "2019-08", [(AMBIENTAL, "Educación Ambiental", 40)])
    september = make_report(loja, "2019-09", [(AMBIENTAL, "Educación Ambiental", None)])
    goal = goal_of(september, "Educación Ambiental")
    assert (goal.change, goal.previous_progress, goal.months_unchanged) == ("", Decimal("40"), 0)


def test_a_goal_that_stays_without_a_percentage_is_unchanged(loja):
    make_report(loja, "2019-08", [(AMBIENTAL, "Educación Ambiental", None)])
    september = make_report(loja, "2019-09", [(AMBIENTAL, "Educación Ambiental", None)])
    goal = goal_of(september, "Educación Ambiental")
    assert (goal.change, goal.months_unchanged) == ("sin-cambio", 1)


def test_a_goal_that_moves_across_a_month_without_data_is_not_stalled(loja):
    """40 %, then "no disponible", then 55 %: it moved, so it is not stalled."""
    make_report(loja, "2019-08", [(AMBIENTAL, "Educación Ambiental", 40)])
    make_report(loja, "2019-09", [(AMBIENTAL, "Educación Ambiental", None, NOT_AVAILABLE)])
    october = make_report(loja, "2019-10", [(AMBIENTAL, "Educación Ambiental", 55)])
    goal = goal_of(october, "Educación Ambiental")
    assert (goal.change, goal.months_unchanged) == ("", 0)


def replace_report(institution, period, rows):
    """What the importer does on a re-import: the period's report goes, a new one comes."""
    Report.objects.filter(institution=institution, period=f"{period}-01").delete()
    return make_report(institution, period, rows)


def test_reimporting_a_middle_month_keeps_the_chain(loja):
    make_report(loja, "2019-08", [(AMBIENTAL, "Educación Ambiental", 50), (OBRAS, "Vías", 10)])
    make_report(loja, "2019-09", [(AMBIENTAL, "Educación Ambiental", 50), (OBRAS, "Vías", 10)])
    make_report(loja, "2019-10", [(AMBIENTAL, "Educación Ambiental", 50), (OBRAS, "Vías", 20)])
    november = make_report(
        loja, "2019-11", [(AMBIENTAL, "Educación Ambiental", 50), (OBRAS, "Vías", 20)]
    )
    assert goal_of(november, "Educación Ambiental").months_unchanged == 3

    # September is corrected: education had moved, and the road goal's text gets a typo.
    september = replace_report(loja, "2019-09", [
        (AMBIENTAL, "Educación Ambiental", 60), (OBRAS, "Vías", 10),
    ])
    october = Report.objects.get(institution=loja, period="2019-10-01")
    education_oct = goal_of(october, "Educación Ambiental")
    assert education_oct.previous == goal_of(september, "Educación Ambiental")
    assert (education_oct.previous_progress, education_oct.change) == (Decimal("60"), "baja")
    assert education_oct.months_unchanged == 0
    # ... and November, two reports later, follows.
    assert goal_of(november, "Educación Ambiental").months_unchanged == 1
    series = set(
        Goal.objects.filter(objective="Educación Ambiental").values_list("series", flat=True)
    )
    assert len(series) == 1
    assert Goal.objects.filter(report=october, previous__isnull=True).count() == 0


def test_importing_a_month_between_two_linked_ones_takes_its_place_in_the_chain(loja):
    august = make_report(loja, "2019-08", [(AMBIENTAL, "Educación Ambiental", 50)])
    october = make_report(loja, "2019-10", [(AMBIENTAL, "Educación Ambiental", 50)])
    assert goal_of(october, "Educación Ambiental").previous == goal_of(
        august, "Educación Ambiental"
    )

    september = make_report(loja, "2019-09", [(AMBIENTAL, "Educación Ambiental", 40)])
    september_goal = goal_of(september, "Educación Ambiental")
    october_goal = goal_of(october, "Educación Ambiental")
    assert september_goal.previous == goal_of(august, "Educación Ambiental")
    assert october_goal.previous == september_goal
    assert (october_goal.change, october_goal.previous_progress) == ("sube", Decimal("40"))


def test_an_earlier_month_imported_late_becomes_the_first(loja):
    september = make_report(
        loja, "2019-09", [(AMBIENTAL, "Educación Ambiental", 50), (OBRAS, "Vías", 5)]
    )
    assert goal_of(september, "Vías").change == ""
    make_report(loja, "2019-08", [(AMBIENTAL, "Educación Ambiental", 50)])
    assert goal_of(september, "Vías").change == "nueva"
    assert goal_of(september, "Educación Ambiental").change == "sin-cambio"


def test_two_institutions_never_share_a_history(loja):
    catamayo = make_institution("Municipio de Catamayo")
    make_report(loja, "2019-08", [(AMBIENTAL, "Educación Ambiental", 50)])
    other = make_report(catamayo, "2019-09", [(AMBIENTAL, "Educación Ambiental", 80)])
    assert goal_of(other, "Educación Ambiental").change == ""


def test_linking_reads_the_same_number_of_times_whatever_the_number_of_goals(loja):
    def rows(count, progress):
        return [(AMBIENTAL, f"Objetivo número {n}", progress) for n in range(count)]

    make_report(loja, "2019-08", rows(10, 10))
    small = make_report(loja, "2019-09", rows(10, 20), link=False)
    catamayo = make_institution("Municipio de Catamayo")
    make_report(catamayo, "2019-08", rows(400, 10))
    large = make_report(catamayo, "2019-09", rows(400, 20), link=False)

    with CaptureQueriesContext(connection) as small_queries:
        link_history(small)
    with CaptureQueriesContext(connection) as large_queries:
        link_history(large)

    def reads(context):
        return [q for q in context.captured_queries if q["sql"].startswith("SELECT")]

    assert len(reads(large_queries)) == len(reads(small_queries)) <= 5
    # Writes go in batches of at least a hundred goals.
    assert len(large_queries) - len(reads(large_queries)) <= 400 // 100
    assert Goal.objects.filter(report=large, change="sube").count() == 400


# --- What changed -----------------------------------------------------------------------------

def test_it_lists_what_changed_since_the_previous_report(loja):
    make_report(loja, "2019-08", [
        (AMBIENTAL, "Educación Ambiental", 50),
        (AMBIENTAL, "Vivero municipal", 100),
        (OBRAS, "Pavimentación de vías", 30),
        (OBRAS, "Bacheo", 70),
    ])
    september = make_report(loja, "2019-09", [
        (AMBIENTAL, "Educación ambiental", 70),
        (AMBIENTAL, "Vivero municipal", 100),
        (OBRAS, "Pavimentación de vías", None, NOT_APPLICABLE),
        (TURISMO, "Promoción turística", 0),
    ])
    changes = stored_changes(september)
    assert changes.previous_period == date(2019, 8, 1)
    assert [e.objective for e in changes.new] == ["Promoción turística"]
    assert [e.objective for e in changes.removed] == ["Bacheo"]
    assert [(b.progress, a.progress, a.objective) for b, a in changes.progress] == [
        (Decimal("50"), Decimal("70"), "Educación ambiental")
    ]
    assert [a.objective for b, a in changes.not_applicable] == ["Pavimentación de vías"]
    assert changes.units_added == [TURISMO]
    assert changes.units_removed == []
    assert (changes.went_up, changes.went_down) == (1, 0)


def test_a_first_report_has_nothing_to_compare_with(loja):
    august = make_report(loja, "2019-08", [(AMBIENTAL, "Educación Ambiental", 50)])
    changes = stored_changes(august)
    assert not changes.has_previous
    assert changes.total == 0


def parsed(unit, objective, progress, status=PERCENT):
    return ParsedGoal(
        level=None, unit_code=unit[0], unit_name=unit[1], objective=objective, indicator="",
        target=f"{progress}%" if progress is not None else "NO APLICA",
        progress=None if progress is None else Decimal(progress), status=status, note="",
        lacks_financing=False, verification_link="", file="septiembre.csv", line=5,
    )


def test_the_preview_compares_parsed_goals_with_the_stored_previous_month(loja):
    make_report(loja, "2019-08", [
        (AMBIENTAL, "Educación Ambiental", 50),
        (OBRAS, "Bacheo", 70),
    ])
    make_report(loja, "2019-10", [(AMBIENTAL, "Educación Ambiental", 90)])
    changes = history.compare(
        [parsed(AMBIENTAL, "Educacion  ambiental", 60), parsed(TURISMO, "Promoción turística", 0)],
        loja,
        date(2019, 9, 1),
    )
    assert changes.previous_period == date(2019, 8, 1)
    progress = [(before.progress, after.progress) for before, after in changes.progress]
    assert progress == [(Decimal("50"), Decimal("60"))]
    assert [e.objective for e in changes.new] == ["Promoción turística"]
    assert [e.objective for e in changes.removed] == ["Bacheo"]
    assert changes.units_added == [TURISMO]
    assert changes.units_removed == [OBRAS]


def test_reimporting_a_middle_month_through_the_importer_keeps_the_chain(db):
    from metas.importer import InputFile, import_report

    from .staff_helpers import LOJA, LOWERED, RAISED, import_august, september_text

    def month(text, name, period):
        return import_report([InputFile(name, text.encode())], institution=LOJA, period=period)

    import_august()
    september = september_text()
    month(september, "septiembre.tsv", "2019-09")
    month(september, "octubre.tsv", "2019-10")  # October repeats September
    october = Report.objects.get(period="2019-10-01")
    assert goal_of(october, RAISED).months_unchanged == 1

    # September is published again with the zoo back at 70 %: October now went up from it.
    zoo = f"{RAISED}\tPorcentaje de avance\t"
    corrected = september.replace(f"{zoo}85%", f"{zoo}70%")
    assert corrected != september
    month(corrected, "septiembre-corregido.tsv", "2019-09")

    raised = goal_of(october, RAISED)
    assert raised.previous.report.period == date(2019, 9, 1)
    assert raised.previous.report.files.get().original_name == "septiembre-corregido.tsv"
    assert (raised.change, raised.previous_progress, raised.months_unchanged) == ("sube", 70, 0)
    assert goal_of(october, LOWERED).months_unchanged == 1
    assert Goal.objects.filter(report=october, change="").count() == 0
    august_goals = Goal.objects.filter(report__period="2019-08-01")
    august_series = set(august_goals.values_list("series", flat=True))
    assert raised.series in august_series
