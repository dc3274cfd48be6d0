"""load_sample: the sample report into an empty database, as `make run` does on a new machine.

    python manage.py load_sample

A database that holds any report is left exactly as it is: running `make run` again never
replaces what the staff published through /gestion/.
"""
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metas.demo import SAMPLE
from metas.models import Report


class Command(BaseCommand):
    @property
    def help(self):
        return _("Loads the sample report when the database holds no report yet.")

    def handle(self, *args, **options):
        stored = Report.objects.count()
        if stored:
            self.stdout.write(ngettext(
                "The database already holds %(count)d report: the sample is not loaded.",
                "The database already holds %(count)d reports: the sample is not loaded.",
                stored,
            ) % {"count": stored})
            return
        call_command("import_report", str(SAMPLE), stdout=self.stdout, stderr=self.stderr)
