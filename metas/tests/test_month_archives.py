"""Each published month as one ZIP at a fixed address, built at publication (never on request):
its original files, the normalised CSV, its datapackage.json and SHA256SUMS, whose checksums
verify; withdrawing the report removes it; /datos/archivos/ lists it."""
import hashlib
import io
import json
import zipfile

import pytest
from frictionless import validate

from metas import publication
from metas.importer import import_report
from metas.models import MonthArchive
from metas.opendata import downloads

from .importer_files import sample_bytes, sample_file
from .test_importer_store import september_file

pytestmark = pytest.mark.django_db
ADDRESS = "/datos/municipio-de-loja/2019-08.zip"
FOLDER = "municipio-de-loja-2019-08/"


@pytest.fixture(autouse=True)
def same_site_url(settings):
    settings.METAS_SITE_URL = "http://testserver"


@pytest.fixture
def publish(publishing):
    def publish(file, **options):
        with publishing():
            return import_report([file], **options).report
    return publish


@pytest.fixture
def august(publish):
    return publish(sample_file())


def downloaded(client) -> zipfile.ZipFile:
    response = client.get(ADDRESS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="municipio-de-loja-2019-08.zip"'
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_zip_holds_the_original_the_csv_its_datapackage_and_checksums(client, august):
    archive = downloaded(client)
    assert sorted(archive.namelist()) == [
        FOLDER + name for name in (
            "SHA256SUMS", "datapackage.json", "metas.csv",
            "originales/loja-lotaip-a4-2019-08.tsv",
        )
    ]
    assert archive.read(FOLDER + "originales/loja-lotaip-a4-2019-08.tsv") == sample_bytes()
    streamed = b"".join(client.get(
        "/metas.csv?institucion=municipio-de-loja&periodo=2019-08"
    ).streaming_content)
    assert archive.read(FOLDER + "metas.csv") == streamed


def test_its_checksums_verify(client, august):
    archive = downloaded(client)
    lines = archive.read(FOLDER + "SHA256SUMS").decode().splitlines()
    assert len(lines) == 3
    for line in lines:
        expected, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(FOLDER + name)).hexdigest() == expected, name
    stored = MonthArchive.objects.get(report=august)
    data = downloads.path_of(stored.name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == stored.sha256


def test_its_datapackage_validates(client, august, tmp_path):
    downloaded(client).extractall(tmp_path)
    descriptor = json.loads((tmp_path / FOLDER / "datapackage.json").read_text("utf-8"))
    assert descriptor["resources"][0]["path"] == "metas.csv"
    assert descriptor["resources"][0]["rows"] == 137
    assert descriptor["filters"] == {"institucion": "municipio-de-loja", "periodo": "2019-08"}
    report = validate(str(tmp_path / FOLDER / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])


def test_withdrawing_removes_it_and_restoring_builds_it_again(
    client, august, admin_user, publishing
):
    path = downloads.path_of("municipio-de-loja-2019-08.zip")
    with publishing():
        publication.withdraw(august, user=admin_user, reason="Archivo equivocado")
    assert client.get(ADDRESS).status_code == 404
    assert not path.exists() and not MonthArchive.objects.exists()
    with publishing():
        publication.restore(august, user=admin_user)
    assert client.get(ADDRESS).status_code == 200


def test_it_is_never_built_on_request(client, august):
    MonthArchive.objects.all().delete()
    assert client.get(ADDRESS).status_code == 404
    assert not MonthArchive.objects.exists()


def test_an_unchanged_month_is_not_written_again_and_a_replaced_one_is(client, august, publish):
    before = MonthArchive.objects.get(report=august)
    publish(september_file(), period="2019-09")
    assert MonthArchive.objects.get(report=august).built_at == before.built_at
    replaced = publish(september_file("12%"), period="2019-09")
    assert MonthArchive.objects.get(report=replaced).name == "municipio-de-loja-2019-09.zip"
    assert sorted(p.name for p in downloads.root().glob("*.zip")) == [
        "municipio-de-loja-2019-08.zip", "municipio-de-loja-2019-09.zip"
    ]


def test_the_archive_page_lists_each_month_with_its_hash(client, august):
    page = client.get("/datos/archivos/").content.decode()
    archive = MonthArchive.objects.get()
    assert f'href="{ADDRESS}">municipio-de-loja-2019-08.zip</a>' in page
    assert archive.sha256 in page
    assert "sha256sum -c SHA256SUMS" in page
