"""What follows when an institution's published data changes (a report stored, replaced or
withdrawn), in one place:

    publication.changed(institution_id)   # inside the transaction that changed it
    publication.version()                 # the site's version: its latest publication time
    publication.version(institution_id)   # one institution's

The version is each institution's `published_at`; pages and exports derive their HTTP
validators from it, and once the transaction commits the prebuilt downloads are rebuilt.
"""
from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Max

from .models import Institution

logger = logging.getLogger(__name__)


def changed(*institution_ids: int) -> None:
    """Mark these institutions' data as changed; rebuild the downloads after the commit."""
    Institution.objects.filter(pk__in=institution_ids).mark_published()
    transaction.on_commit(lambda: rebuild_downloads(list(institution_ids)))


def rebuild_downloads(institution_ids: list[int] | None = None) -> None:
    """The report is published whatever happens here: a failure leaves the previous files,
    which the exports then no longer serve (they stream instead), and is logged."""
    from .opendata import downloads

    try:
        downloads.rebuild(institution_ids)
    except Exception:
        logger.exception("The prebuilt downloads could not be rebuilt")


def version(institution_id: int | None = None):
    """The latest publication time of one institution, or of the whole site (None if none)."""
    institutions = Institution.objects.all()
    if institution_id is not None:
        institutions = institutions.filter(pk=institution_id)
    return institutions.aggregate(latest=Max("published_at"))["latest"]
