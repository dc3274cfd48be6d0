"""retag: tag the stored goals again with their institution's territory, without re-importing.

    python manage.py retag                                  # every institution
    python manage.py retag --institution municipio-de-catamayo --dry-run

Guarantees: each institution is re-tagged in its own transaction (its goals' parish, canton
and council tags replaced by what its territory's gazetteer finds now, their coverage
updated), which goes through metas.publication.changed: its pages get a new version and the
prebuilt downloads are rebuilt at the end; reports and goals are otherwise untouched;
--dry-run counts and writes nothing.
Run it after changing the territory data; the importer and the admin re-tag an institution
themselves when its territory changes.
"""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from metas.models import Institution
from metas.publication import retag


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Tags the stored goals again with the places of their institution's territory "
            "(its canton, province or parish), without importing anything again."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--institution", action="append", metavar="SLUG",
            help=_("only this institution (its slug, as in its address); may be repeated"),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("count the tags, storing nothing")
        )

    def handle(self, *args, institution, dry_run, verbosity, **options):
        institutions = None
        if institution:
            institutions = list(Institution.objects.filter(slug__in=institution))
            unknown = sorted(set(institution) - {i.slug for i in institutions})
            if unknown:
                raise CommandError(
                    _("There is no institution “%(slug)s”. Use the slug of its address, e.g. "
                      "municipio-de-loja.") % {"slug": unknown[0]}
                )
        result = retag(institutions, dry_run=dry_run)
        if verbosity >= 1:
            message = _(
                "%(institutions)s institutions, %(goals)s goals: %(parishes)s parish tags, "
                "%(cantons)s canton tags and %(councils)s JDB tags; %(coverage)s goals changed "
                "their coverage."
            ) % {
                "institutions": result.institutions,
                "goals": result.goals,
                "parishes": result.parish_tags,
                "cantons": result.canton_tags,
                "councils": result.neighbourhood_tags,
                "coverage": result.coverage_changed,
            }
            prefix = _("Dry run, nothing stored: ") if dry_run else _("Re-tagged: ")
            self.stdout.write(self.style.SUCCESS(prefix + message))
