"""The one door of published data: every writer of it (an import, a withdrawal or restoration,
a re-tagging, a refresh of the accountability figures, the demo data) calls changed() inside
the transaction that changed it.

    changed(institution.pk)        # inside the transaction that changed its data
    with together():               # several transactions, the files rebuilt once at the end
        ...                        # (re-tagging every institution, the demo data)

changed() gives the institutions a new `published_at`: the version every page and file that
shows them is derived from (read by Institution.objects.version()), so no cached page or
prebuilt file of the old data is served once it commits. After the commit the prebuilt
downloads are rebuilt, then each month's ZIP of those institutions (metas.opendata.archives).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from ..models import Institution
from ..opendata import archives, downloads

logger = logging.getLogger(__name__)
# The institutions whose changes committed within the current together() block.
_together: ContextVar[set[int] | None] = ContextVar("publication_together", default=None)


def changed(*institution_ids: int) -> None:
    """Mark these institutions' data as changed; rebuild the downloads after the commit (or
    at the end of the together() block this is called in)."""
    Institution.objects.filter(pk__in=institution_ids).mark_published()
    batch = _together.get()
    if batch is None:
        transaction.on_commit(lambda: rebuild_downloads(list(institution_ids)))
    else:
        transaction.on_commit(lambda: batch.update(institution_ids))


@contextmanager
def together(*, files: bool = True):
    """Several changes, each in its own transaction (an institution at a time), whose files
    are rebuilt once, when the block ends, for every institution whose change committed: one
    rebuild rather than one per institution. With files=False they are not rebuilt (the
    exports stream until `manage.py build_downloads`). Within another together() block, that
    block's end rebuilds them."""
    if _together.get() is not None:
        yield
        return
    batch: set[int] = set()
    token = _together.set(batch)
    try:
        yield
    finally:
        _together.reset(token)
        if files:
            # Runs now, or after the commit of a transaction still open around the block.
            transaction.on_commit(lambda: _rebuild_batch(batch))


def _rebuild_batch(batch: set[int]) -> None:
    if batch:
        rebuild_downloads(sorted(batch))


def rebuild_downloads(institution_ids: list[int] | None = None) -> None:
    """The report is published whatever happens here: a failure leaves the previous files,
    which the exports then no longer serve (they stream instead), and is logged. The month
    ZIPs come after the downloads, whose parts they reuse; a failure there is logged too."""
    try:
        downloads.rebuild(institution_ids)
    except Exception:
        logger.exception("The prebuilt downloads could not be rebuilt")
    try:
        archives.rebuild(institution_ids)
    except Exception:
        logger.exception("The month archives could not be rebuilt")
