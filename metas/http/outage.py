"""What readers get while a part of the site is down.

A cache is an optimisation: with Redis down or hung, django-redis (IGNORE_EXCEPTIONS, short
timeouts in settings) answers every call as a miss and pages render from the database; after
one failure the cache is skipped for a few seconds (metas.http.breaker), so that a hung Redis
costs one timeout, not one per call. The
database is not: while it cannot be reached, a page that was rendered before is served from its
last copy in the shared cache, marked with the date of its data (`stale_copy`), and any other
page answers a Spanish 503 with Retry-After (`unavailable`), never a 500. Both recover by
themselves: nothing here keeps state about the outage but the log's last line.
"""
from __future__ import annotations

import gzip
import logging
import time
from datetime import datetime

import brotli
import zstandard
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

# What a database that cannot be reached raises (connection refused or lost, "database is
# locked" on SQLite): a moment's unavailability, unlike an IntegrityError, which is a bug.
OUTAGE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# Loggers that report a part being down on every call (the cache's ignored errors, the health
# checks' failures): kept to one line per interval like the outages.
THROTTLED_LOGGERS = {"metas.cache", "health_check"}
# Where the page says the data's date; the base template holds the marker inside <main>.
NOTICE_MARKER = b"<!-- stale-notice -->"
DECOMPRESS = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": lambda content: zstandard.ZstdDecompressor().decompressobj().decompress(content),
}


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, OUTAGE_ERRORS)


def unavailable(request=None) -> HttpResponse:
    """The Spanish 503 page: rendered without the database (no request context, no user)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def stale_copy(copy, data_version: datetime | None) -> HttpResponse:
    """A page's last rendered copy, uncompressed, with the line that dates its data."""
    content, status, headers = copy
    headers = dict(headers)
    encoding = headers.pop("Content-Encoding", None)
    if encoding in DECOMPRESS:
        content = DECOMPRESS[encoding](content)
    content = content.replace(NOTICE_MARKER, notice(data_version).encode(), 1)
    response = HttpResponse(content, status=status)
    for name, value in headers.items():
        if name not in ("Content-Length", "ETag", "Last-Modified", "Vary", "Cache-Control"):
            response[name] = value
    # Not to be kept by a proxy: the line goes away as soon as the database answers again.
    response["Cache-Control"] = "no-store"
    return response


def notice(data_version: datetime | None) -> str:
    if data_version is None:
        text = _("This copy was saved earlier; the site is being updated.")
    else:
        date = formats.date_format(timezone.localtime(data_version), "DATETIME_FORMAT")
        text = _("Data of %(date)s; the site is being updated.") % {"date": date}
    return render_to_string("metas/_stale_notice.html", {"text": text})


class OncePerInterval(logging.Filter):
    """A part that is down fails every request the same way: say so in one line per interval
    (per logger and kind of error), not a traceback per request, which would add to the load.
    The designed 503s (every export slot taken, a file being prepared, the database down) are
    counted the same way: a flood of refused exports is one line a minute."""

    def __init__(self, seconds: float = 60):
        super().__init__()
        self.seconds = seconds
        self.last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        designed = getattr(record, "status_code", None) == 503  # "busy", "preparing", "down"
        if record.name not in THROTTLED_LOGGERS and not is_outage(error) and not designed:
            return True
        key = (record.name, "503" if designed else type(error).__name__)
        now = time.monotonic()
        if now - self.last.get(key, -self.seconds) < self.seconds:
            return False
        self.last[key] = now
        detail = f": {type(error).__name__}: {error}" if error else ""
        record.msg = f"{record.getMessage()}{detail}"
        record.args, record.exc_info, record.exc_text = (), None, None
        record.msg += f" (repeated errors of this kind are left out for {self.seconds:g} s)"
        return True
