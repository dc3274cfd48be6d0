"""The whole data set is a prebuilt file, rebuilt at each publication (hardening, item 8): it
is served with its size and hash, never truncated, and holds exactly what the streamed export
of the same filters holds."""
import csv
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from metas.importer import import_report
from metas.models import Download, Report

from .factories import make_goal
from .importer_files import sample_file
from .test_importer_store import september_file

pytestmark = pytest.mark.django_db

WHOLE = "/metas.csv?periodo=todos"


@pytest.fixture(autouse=True)
def same_site_url(settings):
    """The streamed exports link to the request's host; the files to SITE_URL."""
    settings.METAS_SITE_URL = "http://testserver"


@pytest.fixture
def published(publishing):
    """August and September of the sample, each published (its commit callbacks run)."""
    def publish(file, **options):
        with publishing():
            return import_report([file], **options).report

    august = publish(sample_file())
    september = publish(september_file(), period="2019-09")
    return august, september


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def streamed(client, path) -> bytes:
    """What the export streams from the database for the same filters."""
    Download.objects.all().delete()
    return body(client.get(path))


def test_the_whole_data_set_is_a_prebuilt_file_equal_to_the_streamed_export(client, published):
    response = client.get(WHOLE)
    assert response.status_code == 200
    download = Download.objects.get(name="metas-todos.csv")
    assert response["Content-Length"] == str(download.size)
    assert response["ETag"] == f'"{download.sha256}"'
    # Named as the streamed export would be (metas.opendata.filenames), with the day.
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="metas-todos-los-periodos-{today:%Y-%m-%d}.csv"'
    )
    prebuilt = body(response)
    assert len(prebuilt) == download.size
    records = list(csv.DictReader(io.StringIO(prebuilt.decode("utf-8-sig"))))
    assert len(records) == download.rows == 274
    assert [record["periodo"] for record in records[:1] + records[-1:]] == ["2019-09", "2019-08"]
    assert prebuilt == streamed(client, WHOLE)


@pytest.mark.parametrize("path, rows", [("/metas.json?periodo=todos", 274), ("/metas.json", 137)])
def test_the_json_files_hold_the_same_records_as_the_streamed_ones(client, published, path, rows):
    prebuilt = json.loads(body(client.get(path)))
    assert prebuilt["count"] == len(prebuilt["results"]) == rows
    assert prebuilt == json.loads(streamed(client, path))


def test_the_latest_reports_file_answers_the_export_without_filters(client, published):
    august, september = published
    records = list(csv.DictReader(io.StringIO(body(client.get("/metas.csv")).decode("utf-8-sig"))))
    assert {record["periodo"] for record in records} == {"2019-09"}
    assert client.get("/metas.csv")["ETag"] == f'"{Download.objects.get(name="metas-recientes.csv").sha256}"'


def test_a_repeated_download_is_not_sent_again(client, published):
    etag = client.get(WHOLE)["ETag"]
    assert client.get(WHOLE, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_publishing_again_rebuilds_the_files(client, published, publishing):
    before = Download.objects.get(name="metas-todos.csv")
    with publishing():
        import_report([september_file("12%")], period="2019-09")  # replaces September
    after = Download.objects.get(name="metas-todos.csv")
    assert after.sha256 != before.sha256 and after.rows == 274
    text = body(client.get(WHOLE)).decode("utf-8-sig")
    assert "\n" + text.split("\n")[1].split(",")[0] != ""  # still whole: a header and rows
    september = list(csv.DictReader(io.StringIO(text)))[:137]
    assert "12%" in {record["meta_publicada"] for record in september}


def test_data_changed_after_the_build_is_streamed_not_served_stale(client, published):
    august, september = published
    make_goal(september, objective="Meta añadida después")  # its institution publishes
    text = body(client.get(WHOLE)).decode("utf-8-sig")
    assert "Meta añadida después" in text


def test_filtered_exports_stream_from_the_database(client, published):
    response = client.get("/metas.csv?periodo=todos&avance=100")
    assert not response.has_header("Content-Length")  # streamed as it is read
    records = list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert records and {record["avance"] for record in records} == {"100"}


def test_behind_nginx_the_proxy_sends_a_month_zip(client, published, settings):
    settings.METAS_DOWNLOADS_ACCEL_PREFIX = "/_descargas/"
    response = client.get("/datos/municipio-de-loja/2019-08.zip")
    assert response["X-Accel-Redirect"] == "/_descargas/municipio-de-loja-2019-08.zip"
    assert response.content == b""


def test_behind_nginx_a_whole_file_is_sent_from_its_parts(client, published, settings):
    """A whole file is never written: its parts are, once each (nginx cannot join them)."""
    settings.METAS_DOWNLOADS_ACCEL_PREFIX = "/_descargas/"
    response = client.get(WHOLE)
    download = Download.objects.get(name="metas-todos.csv")
    data = body(response)
    assert "X-Accel-Redirect" not in response
    assert len(data) == download.size == int(response["Content-Length"])
    assert hashlib.sha256(data).hexdigest() == download.sha256


def test_the_command_builds_every_file(published, capsys):
    Download.objects.all().delete()
    call_command("build_downloads")
    assert set(Download.objects.values_list("name", flat=True)) == {
        "metas-todos.csv", "metas-todos.json", "metas-recientes.csv", "metas-recientes.json",
        "metas-2019-08.csv", "metas-2019-08.json", "metas-2019-09.csv", "metas-2019-09.json",
    }
    assert "metas-todos.csv: 274 filas" in capsys.readouterr().out
    assert Report.objects.count() == 2


def test_the_open_data_page_lists_the_files_with_their_hashes(client, published):
    page = client.get("/datos/").content.decode()
    whole = Download.objects.get(name="metas-todos.csv")
    assert 'href="/metas.csv?periodo=todos">metas-todos.csv</a>' in page
    assert whole.sha256 in page
    assert "todas las metas de todos los períodos" in page


@pytest.mark.parametrize("extension", ["csv", "json"])
def test_each_month_is_a_prebuilt_file_equal_to_the_streamed_export(client, published, extension):
    path = f"/metas.{extension}?periodo=2019-08"
    response = client.get(path)
    download = Download.objects.get(name=f"metas-2019-08.{extension}")
    assert response["Content-Length"] == str(download.size)  # a file, not a stream
    assert response["ETag"] == f'"{download.sha256}"'
    prebuilt = body(response)
    assert download.rows == 137
    assert prebuilt == streamed(client, path)


def test_a_month_withdrawn_leaves_no_file(client, published, publishing):
    from metas import publication

    august, september = published
    assert Download.objects.filter(name="metas-2019-09.csv").exists()
    with publishing():
        publication.withdraw(september, user=None, reason="Publicado por error")
    assert not Download.objects.filter(name__startswith="metas-2019-09").exists()
    response = client.get("/metas.csv?periodo=2019-09")
    assert not response.has_header("Content-Length")  # streamed: the header and no row
    assert body(response).decode("utf-8-sig").count("\n") == 1


def test_a_repeated_download_is_answered_before_the_filters_are_read(
    client, published, django_assert_max_num_queries
):
    path = "/metas.csv?periodo=2019-08"
    etag = client.get(path)["ETag"]
    with django_assert_max_num_queries(2):  # the site's version, the file's current row
        assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
