"""The one door of published data: every writer of it (an import, a withdrawal or restoration,
a re-tagging, a refresh of the accountability figures, the demo data) calls changed() inside
the transaction that changed it.

    changed(institution.pk, reports=[report.pk])   # inside the transaction that changed it
    with together():               # several transactions, the files rebuilt once at the end
        ...                        # (re-tagging every institution, the demo data)

changed() gives the institutions a new `published_at`: the version every page and file that
shows them is derived from (read by Institution.objects.version()), so no cached page or
prebuilt file of the old data is served once it commits. It counts the goals of the
reports that changed for the goal list's facets (metas.filters.tallies), and records, in the
same transaction, that their prebuilt files are to be rebuilt: the worker does it once the
transaction commits (metas.publication.files), so the request that published returns at once.
`reports`: the only reports whose rows changed (an import), else every report of those
institutions is written again (a re-tagging); a withdrawal names none (reports=[]): its parts
stay as they are, the whole files only leave it out.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from ..filters import tallies
from ..models import Institution, Report
from . import files

# The institutions whose changes committed within the current together() block.
_together: ContextVar[set[int] | None] = ContextVar("publication_together", default=None)


def changed(*institution_ids: int, reports: list[int] | None = None) -> None:
    """Mark these institutions' data as changed; their files are rebuilt by the worker after
    the commit (or after the together() block this is called in)."""
    Institution.objects.filter(pk__in=institution_ids).mark_published()
    _recount(institution_ids, reports)
    batch = _together.get()
    if batch is None:
        files.request(institutions=sorted(institution_ids), reports=reports)
    else:
        transaction.on_commit(lambda: batch.update(institution_ids))


@contextmanager
def together(*, files: bool = True):
    """Several changes, each in its own transaction (an institution at a time), whose files
    are rebuilt once, when the block ends, for every institution whose change committed: one
    build rather than one per institution. With files=False they are not rebuilt (the
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
            # Now, or after the commit of a transaction still open around the block.
            transaction.on_commit(lambda: _request_batch(batch))


def _recount(institution_ids, reports: list[int] | None) -> None:
    """The facet tallies of the reports whose goals changed, in the same transaction (an
    import's report and the later months whose history it moved; every report of the
    institutions when none are named), and every report of theirs marked current."""
    if reports is None:
        reports = Report.objects.filter(institution__in=institution_ids).values_list(
            "pk", flat=True)
    elif reports:
        reports = tallies.following(reports)
    tallies.recount(reports)
    tallies.stamp(institution_ids)


def _request_batch(batch: set[int]) -> None:
    if batch:
        files.request(institutions=sorted(batch))
