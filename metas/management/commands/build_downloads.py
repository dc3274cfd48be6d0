"""build_downloads: write the prebuilt files of the whole data set (metas.opendata.downloads).

    python manage.py build_downloads

Every publication rebuilds them by itself; run this after deploying a version whose exports
have new columns, or once after loading data some other way. Until they are built, the same
addresses stream the data from the database.
"""
from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from metas.opendata import downloads


class Command(BaseCommand):
    @property
    def help(self):
        return _("Writes the prebuilt files of the whole data set (CSV and JSON).")

    def handle(self, *args, **options):
        for download in downloads.rebuild().downloads:
            if options["verbosity"] >= 1:
                self.stdout.write(_("%(name)s: %(rows)s rows, %(size)s") % {
                    "name": download.name, "rows": download.rows,
                    "size": filesizeformat(download.size),
                })
