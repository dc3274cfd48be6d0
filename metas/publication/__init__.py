"""Publication: what follows when an institution's published data changes, and the writers of
published data that are not imports (metas.importer stores reports and calls the door itself).

    publication.changed(institution.pk)   # the one door, inside the transaction (door)
    with publication.together(): ...      # several changes, the files rebuilt once (door)
    publication.withdraw(report, user=…, reason="…")   # off the public pages (withdrawal)
    publication.restore(report, user=…)
    publication.retag([institution])      # its goals tagged again with its territory (retag)
    publication.refresh_accountability()  # the accountability figures computed again (refresh)
"""
from .door import changed, together
from .refresh import Refreshed, refresh_accountability
from .retag import Retagged, retag
from .withdrawal import restore, withdraw

__all__ = [
    "Refreshed",
    "Retagged",
    "changed",
    "refresh_accountability",
    "restore",
    "retag",
    "together",
    "withdraw",
]
