"""Is a goal on track: its percentage against the share of the plan year gone by at its
report's month; the Python rule and the database condition agree."""
import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest

from metas.accountability import pace
from metas.accountability.pace import pace_of
from metas.history import link_history
from metas.importer import InputFile, import_report
from metas.models import Goal

from .factories import make_goal, make_institution, make_report
from .importer_files import sample_rows, tsv_bytes

OCTOBER, AUGUST = date(2019, 10, 1), date(2019, 8, 1)


def test_30_percent_in_october_is_behind_schedule():
    found = pace_of(Decimal(30), "percent", 0, OCTOBER)
    assert found.slug == "atrasada"
    assert found.label == "atrasada"
    assert found.expected_text == "83,3\u00a0%"


def test_100_percent_is_achieved_whatever_the_month():
    for month in (1, 6, 12):
        assert pace_of(Decimal(100), "percent", 5, date(2019, month, 1)).slug == "cumplida"


def test_at_most_one_month_behind_is_on_track():
    # August: 66,7 % of the year gone by; one month less is 58,33 %.
    assert pace_of(Decimal("58.34"), "percent", 0, AUGUST).slug == "en-ritmo"
    assert pace_of(Decimal("58.33"), "percent", 0, AUGUST).slug == "atrasada"
    assert pace_of(Decimal(0), "percent", 0, date(2019, 1, 1)).slug == "en-ritmo"


def test_a_goal_without_a_percentage_has_no_data():
    assert pace_of(None, "not_applicable", 0, AUGUST).label == "sin dato"
    assert pace_of(None, "text", 0, AUGUST).slug == "sin-dato"


def report_of(period: str, progress: str):
    """The sample, published for `period`, its line 13 at `progress`."""
    rows = [list(row) for row in sample_rows()]
    rows[12][4] = progress
    return import_report([InputFile(f"loja-{period}.tsv", tsv_bytes(rows))], period=period).report


@pytest.mark.django_db
def test_three_identical_months_give_stalled_for_3_months():
    for period in ("2019-06", "2019-07", "2019-08"):
        report = report_of(period, "40%")
    goal = Goal.objects.select_related("report").get(report=report, source_line=13)
    assert goal.months_unchanged == 2
    found = pace.of_goal(goal)
    assert (found.slug, found.months, found.label) == ("estancada", 3, "estancada 3 meses")
    july = Goal.objects.select_related("report").get(report__period=date(2019, 7, 1),
                                                     source_line=13)
    assert pace.of_goal(july).slug == "atrasada"  # two months alike are not stalled yet


@pytest.mark.django_db
def test_the_database_condition_agrees_with_the_rule_for_every_class():
    loja = make_institution()
    august, october = make_report(loja, "2019-08"), make_report(loja, "2019-10")
    cases = [
        (october, 30, 0, "atrasada"),
        (october, 80, 0, "en-ritmo"),
        (august, Decimal("58.34"), 0, "en-ritmo"),
        (august, Decimal("58.33"), 0, "atrasada"),
        (august, 100, 4, "cumplida"),
        (august, 40, 2, "estancada"),
        (august, 40, 1, "atrasada"),
        (august, None, 0, "sin-dato"),
    ]
    goals = [
        make_goal(report, objective=f"Meta {index}", progress=progress, months_unchanged=months)
        for index, (report, progress, months, _slug) in enumerate(cases)
    ]
    for goal, (_report, _progress, _months, slug) in zip(goals, cases):
        goal = Goal.objects.select_related("report").get(pk=goal.pk)
        assert pace.of_goal(goal).slug == slug
        assert Goal.objects.filter(pace.condition(slug), pk=goal.pk).exists(), slug
    counts = pace.counts(Goal.objects.all())
    assert counts == {"en-ritmo": 2, "atrasada": 3, "estancada": 1, "cumplida": 1, "sin-dato": 1}
    assert sum(counts.values()) == len(cases)  # every goal in exactly one class


@pytest.mark.django_db
def test_the_database_condition_agrees_at_every_month_s_threshold():
    """The condition is written as 12 × progress >= 100 × (month - 1); the rule as
    progress >= on_track_from(month): both agree at each month's boundary, on either side."""
    loja = make_institution()
    goals = []
    for month in range(1, 13):
        report = make_report(loja, f"2019-{month:02d}")
        threshold = pace.on_track_from(month)
        for progress in {threshold, max(threshold - Decimal("0.01"), Decimal(0))}:
            goals.append(make_goal(report, objective=f"Meta {month} {progress}",
                                   progress=progress))
    for goal in Goal.objects.select_related("report").filter(pk__in=[g.pk for g in goals]):
        slug = pace.of_goal(goal).slug
        assert slug in ("en-ritmo", "atrasada")
        assert Goal.objects.filter(pace.condition(slug), pk=goal.pk).exists(), (
            goal.report.period, goal.progress, slug)


@pytest.fixture
def stalled_and_just_below(db):
    """Loja's June, July and August: "Vivero municipal" at 40 % in all three (estancada 3
    meses in August), "Parque lineal" at 40 % in the last two only (one report short)."""
    loja = make_institution()
    for period, park in (("2019-06", 30), ("2019-07", 40), ("2019-08", 40)):
        report = make_report(loja, period)
        make_goal(report, objective="Vivero municipal", progress=40)
        make_goal(report, objective="Parque lineal", progress=park)
        link_history(report)
    return Goal.objects.select_related("report").filter(report=report)


def test_the_badge_the_filter_the_facet_and_the_export_agree_on_stalled(
    client, stalled_and_just_below
):
    stalled = stalled_and_just_below.get(objective="Vivero municipal")
    below = stalled_and_just_below.get(objective="Parque lineal")
    assert pace.of_goal(stalled).label == "estancada 3 meses"
    assert pace.of_goal(below).slug == "atrasada"

    page = client.get("/metas/", {"estancada": "3"}).content.decode()
    assert "Vivero municipal" in page and "Estancada 3 meses" in page  # its row's badge
    assert "Parque lineal" not in page
    assert re.search(r'href="/metas/\?estancada=3&amp;ritmo=estancada"><span class="facet-label">'
                     r'estancada</span> <span class="facet-count">1</span>', page)

    everything = client.get("/metas/").content.decode()
    assert re.search(r'href="/metas/\?ritmo=estancada"><span class="facet-label">'
                     r'estancada</span> <span class="facet-count">1</span>', everything)

    export = client.get("/metas.csv", {"estancada": "3"})
    rows = list(csv.DictReader(io.StringIO(
        b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert [(row["objetivo"], row["ritmo"], row["meses_estancada"]) for row in rows] == [
        ("Vivero municipal", "estancada", "3")]
    assert set(stalled_and_just_below.filter(pace.stalled_for(3))) == {stalled}
    assert set(stalled_and_just_below.filter(pace.stalled_for(2))) == {stalled, below}
