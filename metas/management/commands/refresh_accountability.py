"""refresh_accountability: compute again what the importer stores for accountability, from the
stored reports (metas.accountability.record.refresh), then write the prebuilt downloads (their
new columns) and every month's ZIP.

    python manage.py refresh_accountability

Run it once after deploying the version that added these (reports imported before have no
check, no reasons and no "vigente" run), and after the reasons' rule file gets a new version.
Safe to run again: it writes the same values. Each report is refreshed in its own transaction.
"""
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from metas.accountability.record import refresh
from metas.models import Report
from metas.opendata import archives, downloads


class Command(BaseCommand):
    @property
    def help(self):
        return _("Computes again each stored report's LOTAIP check, reasons and “vigente” run, "
                 "then writes the prebuilt downloads and every month's ZIP.")

    def handle(self, *args, **options):
        reports = Report.objects.select_related("institution").order_by("institution", "period")
        count = 0
        for report in reports.iterator():
            refresh(report)
            count += 1
        downloads.rebuild()  # the parts archives reuse, with the refreshed columns
        built = archives.rebuild()
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(
                _("%(reports)s reports refreshed, %(archives)s monthly archives written.")
                % {"reports": count, "archives": len(built)}
            ))
