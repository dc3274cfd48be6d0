"""Every writer of published data goes through metas.publication.changed: once it commits, the
pages that show the institution have a new version (their ETag) and the prebuilt downloads
hold what the pages show. Re-tagging from the admin or the command used to change the tags
without it: the cached pages and the prebuilt CSV kept the old parishes."""
import csv
import io

import pytest
from django.core.management import call_command

from metas.importer import import_report
from metas.models import Canton, Download, Institution

from .importer_files import sample_file

pytestmark = pytest.mark.django_db

WHOLE = "/metas.csv?periodo=todos"
CATAMAYO = "1103"


@pytest.fixture(autouse=True)
def same_site_url(settings):
    settings.METAS_SITE_URL = "http://testserver"


@pytest.fixture
def loja(publishing):
    """The sample report of Municipio de Loja, published: its goals tagged with cantón Loja's
    parishes, its downloads built."""
    with publishing():
        return import_report([sample_file()]).report.institution


def prebuilt_parishes(client) -> set[str]:
    """The parishes named in the prebuilt CSV of every period, checking it is the file."""
    response = client.get(WHOLE)
    download = Download.objects.get(name="metas-todos.csv")
    assert response["ETag"] == f'"{download.sha256}"', "served from the prebuilt file"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {parish for row in csv.DictReader(io.StringIO(text))
            for parish in row["parroquias"].split("; ") if parish}


def test_the_retag_command_gives_the_pages_a_new_version_and_rebuilds_the_files(
    client, loja, publishing
):
    etag = client.get("/metas/")["ETag"]
    assert "Vilcabamba" in prebuilt_parishes(client)
    # The territory changed some other way (a correction of the data, say), then re-tagged.
    Institution.objects.filter(pk=loja.pk).update(canton=Canton.objects.get(code=CATAMAYO))

    with publishing():
        call_command("retag", stdout=io.StringIO())

    assert client.get("/metas/")["ETag"] != etag
    assert client.get("/metas/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert "Vilcabamba" not in prebuilt_parishes(client), "Vilcabamba is not in Catamayo"


def test_a_territory_set_in_the_admin_re_tags_through_the_publication(
    client, admin_client, loja, publishing
):
    etag = client.get("/metas/")["ETag"]
    catamayo = Canton.objects.get(code=CATAMAYO)

    with publishing():
        response = admin_client.post(
            f"/admin/metas/institution/{loja.pk}/change/",
            {"kind": loja.kind, "province": "", "canton": catamayo.pk, "parish": "",
             "_save": "Guardar"},
        )

    assert response.status_code == 302
    assert client.get("/metas/")["ETag"] != etag
    assert "Vilcabamba" not in prebuilt_parishes(client)


def test_a_dry_run_of_the_retag_command_changes_no_version(client, loja):
    etag = client.get("/metas/")["ETag"]
    call_command("retag", "--dry-run", stdout=io.StringIO())
    assert client.get("/metas/")["ETag"] == etag


def test_refreshing_accountability_gives_the_pages_a_new_version(
    client, loja, publishing
):
    etag = client.get("/metas/")["ETag"]
    with publishing():
        call_command("refresh_accountability", stdout=io.StringIO())
    assert client.get("/metas/")["ETag"] != etag
    assert "Vilcabamba" in prebuilt_parishes(client)


def test_demo_data_is_published_through_the_door(client, publishing):
    from metas import demo

    etag = client.get("/metas/")["ETag"]
    with publishing():
        summary = demo.generate(institutions=1, months=2, seed=3)

    assert Institution.objects.get().published_at is not None
    assert client.get("/metas/")["ETag"] != etag
    assert Download.objects.get(name="metas-todos.csv").rows == summary.goals
    assert prebuilt_parishes(client), "the demo municipality's goals name its parishes"


def test_a_kind_changed_in_the_admin_gives_the_directory_a_new_version(
    client, admin_client, loja, publishing
):
    etag = client.get("/instituciones/")["ETag"]
    with publishing():
        admin_client.post(f"/admin/metas/institution/{loja.pk}/change/", {
            "kind": Institution.Kind.OTHER, "province": "", "canton": loja.canton_id,
            "parish": "", "_save": "Guardar"})
    page = client.get("/instituciones/")
    assert page["ETag"] != etag
    assert "<td>Otra institución</td>" in page.content.decode()
