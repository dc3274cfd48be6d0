"""Publication: what follows when an institution's published data changes, and the writers of
published data that are not imports (metas.importer stores reports and calls the door itself).

    publication.changed(institution.pk)   # the one door, inside the transaction (door)
    with publication.together(): ...      # several changes, the files rebuilt once (door)
    publication.retry_files(build)        # a failed rebuild by the worker, again (files)
    publication.build_files_now()         # the waiting rebuilds, in this process (files)
    publication.withdraw(report, user=…, reason="…")   # off the public pages (withdrawal)
    publication.restore(report, user=…)
    publication.retag([institution])      # its goals tagged again with its territory (retag)
    publication.refresh_accountability()  # the accountability figures computed again (refresh)
"""
from .door import changed, together
from .files import build_now as build_files_now
from .files import retry as retry_files
from .refresh import Refreshed, refresh_accountability
from .retag import Retagged, retag
from .withdrawal import restore, withdraw

__all__ = [
    "Refreshed",
    "Retagged",
    "build_files_now",
    "changed",
    "refresh_accountability",
    "restore",
    "retag",
    "retry_files",
    "together",
    "withdraw",
]
