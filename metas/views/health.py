"""Health endpoints for load balancers, orchestrators and monitoring (django-health-check).

    /salud/vivo/    liveness: the process answers; touches nothing else.
    /salud/listo/   readiness: what this node needs to serve pages: the database answers, every
                    migration is applied, the file store is writable. 503 otherwise.
    /salud/         the same plus the shared cache and the publication worker, for monitoring:
                    neither takes a node out of service (pages render without the cache, and
                    from the database while files wait for the worker), but someone should know.

Plain text, one line per check, no versions, addresses or secrets; never cached.
"""
import asyncio
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


WORKER_LAG = timedelta(minutes=5)


class MigrationsApplied(HealthCheck):
    """A node started before `migrate` ran would answer with a schema the code does not know."""

    def run(self):
        connection = connections[DEFAULT_DB_ALIAS]
        # Checks run in an executor's thread: its connection is closed after, not left open.
        with connection.temporary_connection():
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise ServiceUnavailable("Migrations not applied")

    def __repr__(self):
        return "MigrationsApplied"


class WorkerKeepsUp(HealthCheck):
    """The publication worker runs: no task has waited for it longer than WORKER_LAG (it takes
    a waiting task within seconds; a queue that old means no worker is running)."""

    def run(self):
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.temporary_connection():
            oldest = DBTaskResult.objects.ready().order_by("enqueued_at").first()
        if oldest is not None and timezone.now() - oldest.enqueued_at > WORKER_LAG:
            raise ServiceUnavailable("Tasks waiting for the worker")

    def __repr__(self):
        return "WorkerKeepsUp"


class PlainHealthCheckView(HealthCheckView):
    """Always plain text, and 503 (what a load balancer expects) rather than 500 on failure."""

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        failing = any(result.error for result in self.results)
        return self.render_to_response_text(503 if failing else 200)


READINESS = (Database, MigrationsApplied, Storage)

readiness = PlainHealthCheckView.as_view(checks=READINESS)
status = PlainHealthCheckView.as_view(
    checks=(*READINESS, (Cache, {"alias": "pages"}), WorkerKeepsUp)
)


@never_cache
def liveness(request):
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
