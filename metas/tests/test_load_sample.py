"""load_sample, what `make run` calls: the sample goes into an empty database only."""
import io

import pytest
from django.core.management import call_command

from metas.importer import import_report
from metas.models import Goal, Report

from .test_importer_store import september_file

pytestmark = pytest.mark.django_db


def load_sample() -> str:
    out = io.StringIO()
    call_command("load_sample", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_an_empty_database_gets_the_sample_report():
    load_sample()
    report = Report.objects.get()
    assert (report.institution.name, report.period_slug) == ("Municipio de Loja", "2019-08")
    assert Goal.objects.count() == 137


def test_a_database_with_reports_is_left_as_it_is():
    load_sample()
    august = Report.objects.get()
    import_report([september_file()])
    goals = sorted(Goal.objects.values_list("pk", flat=True))

    said = load_sample()
    assert "ya tiene 2 reportes: el ejemplo no se carga" in said
    assert Report.objects.get(period="2019-08-01").pk == august.pk  # not replaced
    assert sorted(Goal.objects.values_list("pk", flat=True)) == goals
