"""Publication: what follows when an institution's published data changes, and the writers of
published data that are not imports (metas.importer stores reports and calls the door itself).

    publication.changed(institution.pk)   # the one door, inside the transaction (door)
    publication.withdraw(report, user=…, reason="…")   # off the public pages (withdrawal)
    publication.restore(report, user=…)
"""
from .door import changed, rebuild_downloads
from .withdrawal import restore, withdraw

__all__ = ["changed", "rebuild_downloads", "restore", "withdraw"]
