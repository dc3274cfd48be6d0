"""Publication: what follows when an institution's published data changes, and the writers of
published data that are not imports (metas.importer stores reports and calls the door itself).

    publication.changed(institution.pk)   # the one door, inside the transaction (door)
    with publication.together(): ...      # several changes, the files rebuilt once (door)
    publication.withdraw(report, user=…, reason="…")   # off the public pages (withdrawal)
    publication.restore(report, user=…)
    publication.retag([institution])      # its goals tagged again with its territory (retag)
"""
from .door import changed, rebuild_downloads, together
from .retag import Retagged, retag
from .withdrawal import restore, withdraw

__all__ = ["Retagged", "changed", "rebuild_downloads", "restore", "retag", "together", "withdraw"]
