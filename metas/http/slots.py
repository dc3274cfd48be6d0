"""How many files made on request (exports that are not prebuilt) a node makes at once.

Each takes seconds of a worker; the per-client rate (30 a minute) does not bound how many run
at once, and sixteen clients asking together held every worker while the home page waited 4 s
(bench/README.md, export-flood). A slot is a key in the shared cache, taken with add() (atomic
in Redis), named after the node, so that the node's processes share EXPORT_SLOTS of them; it is
given back when the answer's body has been sent (`Released`, closed by the WSGI server), or
when it expires (SECONDS: a process killed while it held one). Without the cache (Redis down)
nothing is limited: a cache is never needed.

    slot = take()
    if slot is None: ... answer "busy" ...
    StreamingHttpResponse(Released(rows, slot))     # or give_back(slot) when done
"""
from __future__ import annotations

import socket

from django.conf import settings
from django.core.cache import caches

# Longer than any export made on request may take (gunicorn's --timeout is 30 s).
SECONDS = 60
UNLIMITED = "unlimited"  # the cache did not answer


def take() -> str | None:
    """A slot's key, UNLIMITED when the cache cannot say, or None when every slot is taken."""
    cache = caches["default"]
    host = socket.gethostname()
    for index in range(settings.METAS_EXPORT_SLOTS):
        key = f"export-slot:{host}:{index}"
        taken = cache.add(key, 1, timeout=SECONDS)
        if taken is None:  # IGNORE_EXCEPTIONS: Redis did not answer
            return UNLIMITED
        if taken:
            return key
    return None


def give_back(slot: str | None) -> None:
    if slot and slot != UNLIMITED:
        caches["default"].delete(slot)


class Released:
    """A streamed body that gives its slot back when the response is closed (all sent, or the
    reader gone), whether or not it was read."""

    def __init__(self, body, slot: str | None):
        self.body, self.slot = body, slot

    def __iter__(self):
        return iter(self.body)

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            give_back(self.slot)
            self.slot = None
