"""A withdrawn report leaves every public page and export, stays stored and in the import log,
and comes back when restored (the query layer; the staff pages that do it are tested apart)."""
import csv
import io

import pytest
from django.contrib.auth import get_user_model

from metas import publication
from metas.importer import import_report
from metas.models import Goal, ImportLog, Institution, Report

from .importer_files import sample_file
from .test_importer_store import september_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(db):
    august = import_report([sample_file()]).report
    september = import_report([september_file()], period="2019-09").report
    return august, september


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("alicia", password="x-Secret-42")


def csv_periods(client, query):
    text = b"".join(client.get(f"/metas.csv?{query}").streaming_content).decode("utf-8-sig")
    return {record["periodo"] for record in csv.DictReader(io.StringIO(text))}


def test_a_withdrawn_report_leaves_every_public_page_and_export(client, reports, staff):
    august, september = reports
    goal = september.goals.first()
    publication.withdraw(september, user=staff, reason="Se publicó con porcentajes de julio.")

    assert csv_periods(client, "periodo=todos") == {"2019-08"}
    assert csv_periods(client, "") == {"2019-08"}  # the latest report is August's again
    for path in [f"/metas/{goal.pk}/", "/reportes/municipio-de-loja/2019-09/cambios/"]:
        assert client.get(path).status_code == 404, path
    # The report's own address says it was withdrawn, and why.
    gone = client.get("/reportes/municipio-de-loja/2019-09/")
    assert gone.status_code == 410
    assert "Se publicó con porcentajes de julio." in gone.content.decode()
    listed = client.get("/reportes/").content.decode()
    assert "septiembre de 2019" not in listed.lower()
    overview = client.get("/municipio-de-loja/").content.decode()
    assert "agosto de 2019" in overview.lower()
    assert "septiembre" not in client.get("/metas/").content.decode().lower()
    assert "septiembre" not in client.get("/metas.atom").content.decode().lower()


def test_nothing_is_deleted_and_restoring_brings_it_back(client, reports, staff):
    august, september = reports
    goals = Goal.objects.count()
    publication.withdraw(september, user=staff, reason="Error en el archivo.")
    assert Goal.objects.count() == goals
    report = Report.objects.get(pk=september.pk)
    assert report.withdrawal_reason == "Error en el archivo." and report.withdrawn_by == staff

    publication.restore(report, user=staff)
    assert csv_periods(client, "") == {"2019-09"}
    assert client.get(f"/metas/{september.goals.first().pk}/").status_code == 200
    outcomes = list(ImportLog.objects.order_by("pk").values_list("outcome", "period"))
    assert outcomes[-2:] == [("withdrawn", "2019-09"), ("restored", "2019-09")]


def test_withdrawing_changes_the_institution_s_publication_version(reports, staff):
    august, september = reports
    before = Institution.objects.filter(pk=august.institution_id).version()
    publication.withdraw(september, user=staff, reason="Duplicado.")
    assert Institution.objects.filter(pk=august.institution_id).version() > before
