"""`manage.py db_worker`: django-tasks-db's worker, unchanged, with two additions.

- Its default worker id names this machine, this process and its start time
  (metas.publication.workers), so that a worker killed with SIGKILL is known gone.
- Before it takes its first task, the tasks that a gone worker of this machine left "running"
  are marked failed and their file builds enqueued again (files.recover_abandoned), with those
  given up for lost after FileBuild.PATIENCE (files.recover_lost): a worker restarted after a
  kill -9 makes the files current with no publication and no staff action.
"""
from django.db import transaction
from django_tasks_db.management.commands import db_worker

from metas.publication import files
from metas.publication.workers import worker_id


class Command(db_worker.Command):
    help = db_worker.Command.help + " (first enqueuing again what a killed worker left)"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=worker_id())

    def handle(self, *args, **options):
        with transaction.atomic():
            files.recover_abandoned()
            files.recover_lost()
        return super().handle(*args, **options)
