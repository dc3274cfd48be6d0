"""Public pages read from a PostgreSQL streaming replica (DATABASE_REPLICA_URL); everything
else reads the primary, so that nobody ever sees their own publication missing.

- `ReplicaRouter` sends a read to "replica" only inside a public request; writes, migrations,
  commands, the worker and the staff always use "default".
- `PublicReadsMiddleware` marks the public requests: GET or HEAD, without a session cookie,
  outside the staff area and the admin.
- The page cache (metas.http.caching) reads the publication version from the primary, and sends
  the request back to the primary when the replica has not replayed that publication yet (or
  does not answer), so a page is never rendered, nor kept, with older data under a newer
  version.

Without a replica configured none of this is installed (settings.py).
"""
from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings

PRIMARY = "default"
REPLICA = "replica"
STAFF_PATHS = ("/gestion/", "/admin/")
_public_read: ContextVar[bool] = ContextVar("public_read", default=False)


def has_replica() -> bool:
    return REPLICA in settings.DATABASES


def read_primary() -> None:
    """The rest of this request reads the primary."""
    _public_read.set(False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _public_read.get() else PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data, whichever server it was read from

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class PublicReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _public_read.set(self.is_public_read(request))
        try:
            return self.get_response(request)
        finally:
            _public_read.reset(token)

    @staticmethod
    def is_public_read(request) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path_info.startswith(STAFF_PATHS)
        )
