"""Publication off the request (issue 21): "Publicar" stores the report and returns; the worker
(`manage.py db_worker`, run here for real) rebuilds the files that depend on it, writing only
that report's parts and ZIP; until then no older file is served; a failed build is retried,
then logged for the staff, who may retry it."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from metas.importer import import_report
from metas.models import Download, FileBuild, ImportLog, Report
from metas.opendata import downloads
from metas.views import exports

from .conftest import run_worker
from .staff_helpers import alicia, import_august, loja  # noqa: F401 (fixtures)
from .test_importer_store import september_file
from .test_staff_upload import preview_of, text_of

pytestmark = pytest.mark.django_db

SEPTEMBER_ZIP = "/datos/municipio-de-loja/2019-09.zip"
SEPTEMBER_CSV = "/metas.csv?periodo=2019-09"


@pytest.fixture(autouse=True)
def same_site_url(settings):
    settings.METAS_SITE_URL = "http://testserver"
    settings.METAS_FILE_BUILD_RETRY_SECONDS = 0  # the worker's retries run in the same batch


@pytest.fixture
def signed_in(client, alicia):  # noqa: F811
    client.force_login(alicia)
    return client


@pytest.fixture
def august(loja, publishing):  # noqa: F811
    with publishing():
        return import_august().report


def publish_september(client, loja, capture):  # noqa: F811
    pending, _page = preview_of(client, loja)
    with capture(execute=True):
        response = client.post(reverse("metas:staff-publish", args=[pending.pk]))
    assert response.status_code == 302
    return pending


def test_publicar_returns_before_the_files_are_rebuilt_and_no_older_file_is_served(
    signed_in, loja, august, django_capture_on_commit_callbacks  # noqa: F811
):
    pending = publish_september(signed_in, loja, django_capture_on_commit_callbacks)

    assert FileBuild.objects.get(status="pending").reports == [
        Report.objects.get(period="2019-09-01").pk
    ]
    page = text_of(signed_in.get(reverse("metas:staff-published", args=[pending.pk])))
    assert "Archivos de descarga pendiente" in page
    waiting = signed_in.get(SEPTEMBER_ZIP)
    assert (waiting.status_code, waiting["Retry-After"]) == (503, "15")
    assert "Este archivo se está preparando" in text_of(waiting)
    streamed = signed_in.get(SEPTEMBER_CSV)
    assert streamed.streaming and "ETag" not in streamed, "from the database, not a file"

    run_worker()

    page = text_of(signed_in.get(reverse("metas:staff-published", args=[pending.pk])))
    assert "Archivos de descarga listo" in page
    assert signed_in.get(SEPTEMBER_ZIP).status_code == 200
    month = Download.objects.get(name="metas-2019-09.csv")
    assert signed_in.get(SEPTEMBER_CSV)["ETag"] == f'"{month.sha256}"'


def part_files():
    """(name, inode, modification time) of every part written so far."""
    return {(path.name, path.stat().st_ino, path.stat().st_mtime_ns)
            for path in (downloads.root() / "partes").glob("*/*.*") if path.name != downloads.INDEX}


def test_a_publication_writes_its_own_report_only(august, publishing):
    before = part_files()
    whole = Download.objects.get(name="metas-todos.csv").size

    with publishing():
        september = import_report([september_file()], period="2019-09").report

    after = part_files()
    assert before < after, "August's parts are kept as they were, not written again"
    new = after - before
    assert {name.split("-")[0] for name, _inode, _time in new} == {str(september.pk)}
    build = FileBuild.objects.latest("pk")
    written = sum((downloads.root() / "partes" / str(september.institution_id) / name)
                  .stat().st_size for name, _inode, _time in new)
    zip_size = september.archive.size
    assert build.status == "done"
    assert build.bytes_written == written + zip_size
    assert Download.objects.get(name="metas-todos.csv").size > whole
    assert not (downloads.root() / "metas-todos.csv").exists(), "a whole file is never written"


def test_a_failed_build_is_retried_then_logged_and_the_staff_retry_it(
    signed_in, loja, august, django_capture_on_commit_callbacks  # noqa: F811
):
    # The ZIP cannot be moved into place: a folder took its name.
    blocked = downloads.root() / "municipio-de-loja-2019-09.zip"
    blocked.mkdir(parents=True)
    publish_september(signed_in, loja, django_capture_on_commit_callbacks)

    run_worker()

    build = FileBuild.objects.latest("pk")
    assert (build.status, build.attempts) == ("failed", 3)
    assert "IsADirectoryError" in build.error
    assert not list(downloads.root().rglob("*.tmp")), "no temporary file stays behind"
    log = ImportLog.objects.filter(outcome="unbuilt").get()
    assert (log.institution, log.source) == ("Municipio de Loja", "worker")
    assert "archivos no preparados" in text_of(signed_in.get(reverse("metas:staff-import-log")))
    files_page = text_of(signed_in.get(reverse("metas:staff-files")))
    assert "Municipio de Loja falló" in files_page and "Reintentar" in files_page

    blocked.rmdir()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("metas:staff-files-retry", args=[build.pk]),
                                  follow=True)
    assert "Los archivos se prepararán de nuevo en un momento." in text_of(response)
    run_worker()

    build.refresh_from_db()
    assert (build.status, build.attempts) == ("done", 1)
    assert signed_in.get(SEPTEMBER_ZIP).status_code == 200
    assert "Municipio de Loja listo" in text_of(signed_in.get(reverse("metas:staff-files")))


def test_a_whole_file_over_the_stream_budget_is_being_prepared_not_refused(
    client, august, monkeypatch, django_capture_on_commit_callbacks  # noqa: F811
):
    """Between "Publicar" and the worker's build, the whole data set is not current: within
    the stream budget it streams from the database; beyond it, 503 "se está preparando"
    (never the older file, never the 400 that names the file being rebuilt)."""
    monkeypatch.setattr(exports, "STREAM_MAX_ROWS", 100)  # the sample has 137 goals
    with django_capture_on_commit_callbacks(execute=True):
        import_report([september_file()], period="2019-09")

    for address in ("/metas.csv?periodo=todos", "/metas.json?periodo=todos", "/metas.csv"):
        waiting = client.get(address)
        assert (waiting.status_code, waiting["Retry-After"]) == (503, "15"), address
        assert "Este archivo se está preparando" in text_of(waiting)
    assert client.get("/metas.csv?periodo=todos&sep=;").status_code == 400, "never prebuilt"

    run_worker()

    whole = client.get("/metas.csv?periodo=todos")
    assert whole["ETag"] == f'"{Download.objects.get(name="metas-todos.csv").sha256}"'


def test_a_build_whose_worker_was_killed_can_be_retried_after_a_while(
    signed_in, loja, august, django_capture_on_commit_callbacks  # noqa: F811
):
    publish_september(signed_in, loja, django_capture_on_commit_callbacks)
    build = FileBuild.objects.get(status="pending")
    retry = reverse("metas:staff-files-retry", args=[build.pk])
    assert "Reintentar" not in text_of(signed_in.get(reverse("metas:staff-files")))
    response = signed_in.post(retry, follow=True)
    assert "Estos archivos ya se están preparando." in text_of(response)

    # Its worker was killed while building it, a quarter of an hour ago.
    FileBuild.objects.filter(pk=build.pk).update(
        status="building", created_at=timezone.now() - FileBuild.PATIENCE - timedelta(minutes=1))
    assert signed_in.get(SEPTEMBER_ZIP).status_code == 404, "nobody waits for it any more"
    assert "Reintentar" in text_of(signed_in.get(reverse("metas:staff-files")))
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(retry)
    run_worker()
    assert signed_in.get(SEPTEMBER_ZIP).status_code == 200


def test_a_build_whose_worker_was_killed_is_done_again_by_the_next_worker_run(
    signed_in, loja, august, django_capture_on_commit_callbacks  # noqa: F811
):
    publish_september(signed_in, loja, django_capture_on_commit_callbacks)
    build = FileBuild.objects.get(status="pending")
    # Its worker, on another machine, was killed while building it a quarter of an hour ago:
    # what a kill -9 leaves (the kill itself, on this machine: test_worker_killed.py).
    long_ago = timezone.now() - FileBuild.PATIENCE - timedelta(minutes=1)
    FileBuild.objects.filter(pk=build.pk).update(status="building", started_at=long_ago,
                                                 created_at=long_ago)
    DBTaskResult.objects.filter(status="READY").update(
        status="RUNNING", started_at=long_ago, worker_ids=["another-machine:4127:889214"])
    assert signed_in.get(SEPTEMBER_ZIP).status_code == 404

    # The next worker to start finds the lost build and enqueues it again.
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    run_worker()
    assert FileBuild.objects.get(pk=build.pk).status == "done"
    assert signed_in.get(SEPTEMBER_ZIP).status_code == 200


def test_a_whole_file_never_built_over_the_budget_is_prepared_not_sent_to_itself(
    client, db, monkeypatch
):
    """No build waits (it failed, or the data were loaded some other way): the whole data set's
    address must not answer a 400 that names that same address."""
    monkeypatch.setattr(exports, "STREAM_MAX_ROWS", 100)  # the sample has 137 goals
    import_report([september_file()], period="2019-09")
    FileBuild.objects.all().delete()
    waiting = client.get("/metas.csv?periodo=todos")
    assert (waiting.status_code, waiting["Retry-After"]) == (503, "15")
    assert "Este archivo se está preparando" in text_of(waiting)
