"""The publication worker killed with SIGKILL in the middle of a build (issue 19): the worker
started again (as its supervisor starts it) notices at once that the build's process is gone and
makes the files current, with no publication after it, no staff action and no wait of
FileBuild.PATIENCE. The worker here is `manage.py db_worker` in a process of its own, killed for
real; the build is held halfway by an original file that cannot be read yet (a named pipe)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django_tasks_db.models import DBTaskResult

from metas.importer import import_report
from metas.models import FileBuild, SourceFile
from metas.publication import workers

from .importer_files import sample_file
from .test_importer_store import september_file
from .test_two_nodes import database_url

pytestmark = pytest.mark.django_db(transaction=True)

SEPTEMBER_ZIP = "/datos/municipio-de-loja/2019-09.zip"


def start_worker() -> subprocess.Popen:
    """`manage.py db_worker` as production runs it: it waits for tasks until stopped."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ENV_FILE": "", "DEBUG": "false",
           "STATIC_ROOT": str(settings.STATIC_ROOT), "DATABASE_URL": database_url(),
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "SECRET_KEY": settings.SECRET_KEY,
           "FILE_BUILD_RETRY_SECONDS": "0"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def status_within(build_pk: int, wanted: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        status = FileBuild.objects.get(pk=build_pk).status
        if status == wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


@pytest.fixture
def published(territory):
    """August built; September published, its build waiting for the worker."""
    import_report([sample_file()])
    worker = start_worker()
    try:
        assert status_within(FileBuild.objects.get().pk, "done", 60) == "done"
    finally:
        stop(worker)
    september = import_report([september_file()], period="2019-09").report
    return FileBuild.objects.get(status="pending"), september


def hold_original(report) -> tuple[Path, bytes]:
    """The report's original file replaced by a named pipe: the build blocks on reading it."""
    path = Path(default_storage.path(SourceFile.objects.get(report=report).file.name))
    content = path.read_bytes()
    path.unlink()
    os.mkfifo(path)
    return path, content


def test_a_worker_killed_mid_build_is_made_good_by_the_worker_started_again(published, client):
    build, september = published
    original, content = hold_original(september)
    worker = start_worker()
    try:
        assert status_within(build.pk, "building", 60) == "building"
        time.sleep(0.5)  # reading the pipe: halfway through the build
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop(worker)
    task = DBTaskResult.objects.get(status="RUNNING")
    assert workers.gone(task.worker_ids[-1]), "a worker of this machine, no longer running"
    assert FileBuild.objects.get(pk=build.pk).status == "building"
    assert client.get(SEPTEMBER_ZIP).status_code == 503, "still being prepared"

    original.unlink()
    original.write_bytes(content)
    started = time.monotonic()
    worker = start_worker()
    try:
        assert status_within(build.pk, "done", 30) == "done"
    finally:
        stop(worker)
    assert time.monotonic() - started < 30
    build.refresh_from_db()
    assert build.attempts == 2
    task.refresh_from_db()
    assert (task.status, task.exception_class_path) == ("FAILED", "metas.publication.workers.gone")
    assert client.get(SEPTEMBER_ZIP).status_code == 200
    assert not DBTaskResult.objects.filter(status__in=["RUNNING", "READY"]).exists()


def test_only_a_process_of_this_machine_that_stopped_is_called_gone():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = workers._started(process.pid)
    host = workers.worker_id().split(":")[0]
    alive = f"{host}:{process.pid}:{started}"
    assert not workers.gone(alive)
    assert workers.gone(f"{host}:{process.pid}:{int(started) + 1}"), "the pid of another process"
    process.kill()
    process.wait()
    assert workers.gone(alive)
    assert not workers.gone(f"another-machine:{process.pid}:{started}")
    assert not workers.gone("a3f9c2d1e8b74f0aa5d6c7b8e9f01234"), "the library's own ids"
    assert not workers.gone(workers.worker_id())
