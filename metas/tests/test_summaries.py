"""Plain-Spanish summaries from templates, for a report, a unit and a parish."""
from datetime import date

import pytest

from metas.accountability.summaries import parish_summary, report_summary, sentence, unit_summary
from metas.importer import import_report
from metas.models import Parish, Unit

from .factories import make_goal, make_report
from .importer_files import sample_file

pytestmark = pytest.mark.django_db
AUGUST = date(2019, 8, 1)


@pytest.fixture
def august():
    return import_report([sample_file()]).report


def test_the_sample_report_in_one_sentence(august):
    assert report_summary(august) == (
        "En agosto de 2019, 31 de 122 metas con porcentaje llegaron al 100\u00a0%; "
        "32 no avanzan por falta de financiamiento."
    )


def test_a_unit_counts_its_sub_units(august):
    # By hand: lines 13–20 of the sample, Gestión Ambiental's three sub-units; all at 100 %
    # but the zoo (70 %).
    assert unit_summary(Unit.objects.get(code="6.1", name="Gestión de Calidad Ambiental")) == (
        "En agosto de 2019, 6 de 6 metas con porcentaje llegaron al 100\u00a0%."
    )
    environment = Unit.objects.get(code="6", name="Gestión Ambiental")
    assert unit_summary(environment) == (
        "En agosto de 2019, 7 de 8 metas con porcentaje llegaron al 100\u00a0%."
    )


def test_a_parish_counts_the_goals_that_name_it(august):
    chantaco = Parish.objects.get(slug="chantaco")
    text = parish_summary(chantaco)
    assert text.startswith("En agosto de 2019, ") and "metas con porcentaje" in text


def test_singular_forms():
    assert sentence(with_percent=1, reached=1, no_financing=1, first=AUGUST, last=AUGUST) == (
        "En agosto de 2019, 1 de 1 meta con porcentaje llegó al 100\u00a0%; "
        "1 no avanza por falta de financiamiento."
    )


def test_no_percentage_and_several_months():
    assert sentence(with_percent=0, reached=0, no_financing=0, first=AUGUST,
                    last=date(2019, 9, 1)) == (
        "En los reportes más recientes, ninguna meta tiene porcentaje."
    )


def test_a_goal_at_100_percent_is_not_counted_as_stuck_for_financing():
    report = make_report()
    make_goal(report, progress=100, reason="falta-de-financiamiento")
    make_goal(report, objective="Otra", progress=10, reason="falta-de-financiamiento")
    assert report_summary(report) == (
        "En agosto de 2019, 1 de 2 metas con porcentaje llegó al 100\u00a0%; "
        "1 no avanza por falta de financiamiento."
    )
