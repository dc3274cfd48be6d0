"""refresh_accountability: compute again what the importer stores for accountability, from the
stored reports (metas.publication.refresh), then write the prebuilt downloads (their new
columns) and every month's ZIP.

    python manage.py refresh_accountability

Run it once after deploying the version that added these (reports imported before have no
check, no reasons and no "vigente" run), and after the reasons' rule file gets a new version.
Safe to run again: it writes the same values. Each report is refreshed in its own transaction,
which gives the pages that show it a new version.
"""
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from metas.publication import refresh_accountability


class Command(BaseCommand):
    @property
    def help(self):
        return _("Computes again each stored report's LOTAIP check, reasons and “vigente” run, "
                 "then writes the prebuilt downloads and every month's ZIP.")

    def handle(self, *args, **options):
        refreshed = refresh_accountability()
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(
                _("%(reports)s reports refreshed, %(archives)s monthly archives written.")
                % {"reports": refreshed.reports, "archives": refreshed.archives}
            ))
