"""cleanup_files: remove the stored files nothing refers to any more.

    python manage.py cleanup_files             # at start-up, and daily from cron
    python manage.py cleanup_files --dry-run   # only say what would be removed

Guarantees:
- Removes the originals under MEDIA_ROOT/reports/ that no report's SourceFile refers to (an
  import killed before its transaction committed leaves one), once older than an hour, so an
  import under way keeps its files.
- Discards the pending uploads nobody published or cancelled within a day, with their files,
  and the folders under MEDIA_ROOT/pending/ that no pending upload owns.
- Never touches a file a report or a pending upload refers to. Prints each file removed.

The rules are metas.importer.originals.unreferenced_files and metas.staff.pending.
"""
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metas.importer.originals import unreferenced_files
from metas.staff import pending


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Removes the original files no report refers to (left by an interrupted import) "
            "and the pending uploads nobody published or cancelled within a day."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true",
            help=_("only list what would be removed, removing nothing"),
        )

    def handle(self, *args, **options):
        dry_run, self.verbosity = options["dry_run"], options["verbosity"]
        for name in unreferenced_files():
            self.say(_("Would remove %(file)s (an original no report refers to)") if dry_run
                     else _("Removed %(file)s (an original no report refers to)"), name)
            if not dry_run:
                default_storage.delete(name)
        for folder in pending.orphan_folders():
            self.say(_("Would remove %(file)s (the files of an upload that no longer exists)")
                     if dry_run else
                     _("Removed %(file)s (the files of an upload that no longer exists)"), folder)
            if not dry_run:
                pending.delete_folder(folder)
        if dry_run:
            count = pending.expired().count()
            summary = ngettext(
                "Dry run: %(count)s pending upload older than a day would be discarded.",
                "Dry run: %(count)s pending uploads older than a day would be discarded.",
                count,
            )
        else:
            count = pending.discard_expired()
            summary = ngettext(
                "%(count)s pending upload older than a day was discarded.",
                "%(count)s pending uploads older than a day were discarded.",
                count,
            )
        if self.verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(summary % {"count": count}))

    def say(self, message, name):
        if self.verbosity >= 1:
            self.stdout.write(message % {"file": name})
