"""The prebuilt files rebuilt by the worker, off the staff's request:

    request(institutions=[institution.pk], reports=[report.pk])  # the door, in the transaction
    retry(build)                                                 # "Reintentar" (staff)
    build_now()                       # what waits, in this process (generate_demo)

The door records a FileBuild ("pending") in the transaction that changed the data and, once it
commits, enqueues rebuild_files (Django's tasks framework, django-tasks' database backend),
which `manage.py db_worker` runs: it writes the parts of the reports that changed and their
month ZIPs, then describes the whole files again (metas.opendata.downloads, archives).
Until it is done the exports of those files stream from the database and their month ZIPs
say "se está preparando" (metas.views): never an older file. A failed build is tried again,
MAX_ATTEMPTS times in all (after METAS_FILE_BUILD_RETRY_SECONDS times the attempts made),
then recorded as a failure in the import log, where the staff see it and may retry it. A
build whose worker was killed is enqueued again when a worker starts on the same machine
(recover_abandoned: the process is known gone) or by anyone FileBuild.PATIENCE after it
started (recover_lost).
"""
from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task  # the backport of django.tasks (Django 6)
from django_tasks_db.models import DBTaskResult

from ..models import FileBuild, ImportLog, Institution, MonthArchive
from ..opendata import archives, downloads
from .workers import gone

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def request(*, institutions: list[int] | None, reports: list[int] | None = None) -> FileBuild:
    """A build of these institutions' files (every institution's when None), enqueued once
    the current transaction commits (now, outside one)."""
    build = FileBuild.objects.create(institutions=institutions, reports=reports)
    _forget_archives(institutions, reports)
    transaction.on_commit(lambda: _enqueue(build.pk))
    recover_lost()
    return build


def recover_lost() -> int:
    """Builds whose worker died halfway (still "building" FileBuild.PATIENCE after they
    started) are waiting again and enqueued, so that the next worker makes their files current
    without anyone having to press "Reintentar". Asked at each publication and each build."""
    lost = list(FileBuild.objects.filter(
        status=FileBuild.Status.BUILDING, started_at__lt=timezone.now() - FileBuild.PATIENCE,
    ).values_list("pk", flat=True))
    FileBuild.objects.filter(pk__in=lost, status=FileBuild.Status.BUILDING).update(
        status=FileBuild.Status.PENDING, created_at=timezone.now()
    )
    for pk in lost:
        transaction.on_commit(lambda pk=pk: _enqueue(pk))
    return len(lost)


def recover_abandoned() -> int:
    """Tasks whose worker process is gone (killed with SIGKILL, or its machine restarted): each
    is marked failed, and its build is waiting again and enqueued at once, without waiting
    FileBuild.PATIENCE, or recorded as failed once it has used MAX_ATTEMPTS. Asked when a worker
    starts (metas.management.commands.db_worker) and after each build; only the workers of
    this machine can be known gone (metas.publication.workers)."""
    abandoned = [result for result in DBTaskResult.objects.running()
                 if result.worker_ids and gone(result.worker_ids[-1])]
    for result in abandoned:
        DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED, finished_at=timezone.now(),
            exception_class_path="metas.publication.workers.gone",
            traceback=f"Worker {result.worker_ids[-1]} stopped while running this task.",
        )
        if result.task_path == rebuild_files.module_path:
            _requeue(result.args_kwargs["args"][0], result.worker_ids[-1])
    return len(abandoned)


def _requeue(build_pk: int, worker: str) -> None:
    """The build of a task whose worker is gone: enqueued again (it may have been killed
    before it started the build, which is then still waiting), or failed for good."""
    build = FileBuild.objects.filter(
        pk=build_pk, status__in=[FileBuild.Status.BUILDING, FileBuild.Status.PENDING]).first()
    if build is None:
        return
    if build.status == FileBuild.Status.PENDING:
        transaction.on_commit(lambda: _enqueue(build.pk))
        return
    if build.attempts >= MAX_ATTEMPTS:  # it kills its worker each time (memory, say)
        _failed(build, RuntimeError(f"The worker {worker} stopped while building the files"))
        return
    FileBuild.objects.filter(pk=build.pk).update(status=FileBuild.Status.PENDING,
                                                 created_at=timezone.now())
    transaction.on_commit(lambda: _enqueue(build.pk))


def _forget_archives(institutions: list[int] | None, reports: list[int] | None) -> None:
    """The month ZIPs of the reports whose rows changed are no longer served: the worker
    writes them again (their file stays until then, unlisted)."""
    stale = MonthArchive.objects.all()
    if institutions is not None:
        stale = stale.filter(report__institution_id__in=institutions)
    if reports is not None:
        stale = stale.filter(report_id__in=reports)
    stale.delete()


def retry(build: FileBuild) -> None:
    """A failed build tried again, with as many attempts as a new one."""
    FileBuild.objects.filter(pk=build.pk).update(
        status=FileBuild.Status.PENDING, attempts=0, error="", finished_at=None
    )
    transaction.on_commit(lambda: _enqueue(build.pk))


def build_now() -> int:
    """Every build still waiting, done in this process rather than by the worker (a command
    that must leave the files current when it returns); how many were done."""
    pending = FileBuild.objects.filter(status=FileBuild.Status.PENDING).order_by("pk")
    return sum(rebuild_files.call(pk) == "done" for pk in pending.values_list("pk", flat=True))


def _enqueue(build_pk: int, delay: timedelta | None = None) -> None:
    if delay:
        rebuild_files.using(run_after=timezone.now() + delay).enqueue(build_pk)
    else:
        rebuild_files.enqueue(build_pk)


@task()
def rebuild_files(build_pk: int) -> str:
    """The task: one attempt at a build; its outcome is the FileBuild's status."""
    build = _start(build_pk)
    if build is None:
        return "skipped"  # already done, or being done by another worker
    try:
        written = _build(build)
    except Exception as error:
        logger.exception("The prebuilt files could not be rebuilt (build %s)", build.pk)
        return _failed(build, error)
    FileBuild.objects.filter(pk=build.pk).update(
        status=FileBuild.Status.DONE, bytes_written=written, finished_at=timezone.now()
    )
    recover_abandoned()
    recover_lost()
    return "done"


def _start(build_pk: int) -> FileBuild | None:
    with transaction.atomic():
        build = (FileBuild.objects.select_for_update()
                 .filter(pk=build_pk, status=FileBuild.Status.PENDING).first())
        if build is None:
            return None
        build.status, build.started_at = FileBuild.Status.BUILDING, timezone.now()
        build.attempts += 1
        build.save(update_fields=["status", "started_at", "attempts"])
        return build


def _build(build: FileBuild) -> int:
    """The bytes written: the parts of the reports asked for, and the month ZIPs written."""
    started = timezone.now()
    built = downloads.rebuild(build.institutions, reports=build.reports)
    zips = archives.rebuild(build.institutions, reports=build.reports)
    return built.bytes_written + sum(archive.size for archive in zips
                                     if archive.built_at >= started)


def _failed(build: FileBuild, error: Exception) -> str:
    text = "".join(traceback.format_exception_only(error)).strip()[:2000]
    if build.attempts < MAX_ATTEMPTS:
        FileBuild.objects.filter(pk=build.pk).update(status=FileBuild.Status.PENDING,
                                                     error=text)
        delay = settings.METAS_FILE_BUILD_RETRY_SECONDS * build.attempts
        _enqueue(build.pk, timedelta(seconds=delay))
        return "retry"
    FileBuild.objects.filter(pk=build.pk).update(
        status=FileBuild.Status.FAILED, error=text, finished_at=timezone.now()
    )
    ImportLog.objects.record(
        source=ImportLog.Source.WORKER, outcome=ImportLog.Outcome.UNBUILT,
        institution=_names(build),
        counts={"file_build": build.pk, "attempts": build.attempts, "error": text},
        error_count=1,
    )
    return "failed"


def _names(build: FileBuild) -> str:
    if build.institutions is None:
        return ""
    names = Institution.objects.filter(pk__in=build.institutions).order_by("name")
    return ", ".join(names.values_list("name", flat=True))
