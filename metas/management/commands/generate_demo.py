"""generate_demo: write demo data at scale, varied from the sample report (see metas/demo.py).

    python manage.py generate_demo --institutions 100 --months 12 --seed 0

Guarantees: the same arguments always write the same data; each institution is written in its
own transaction; institutions already named like a demo institution are refused, untouched,
unless --replace is given, which deletes them (with their reports and goals) first. The
sample's own "Municipio de Loja" is never a demo name.
"""
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metas import demo, periods, publication

MAX_MONTHS = 120
NAMES_SHOWN = 5


def _plain(text):
    return text


def _count(number: int) -> str:
    """165937 -> "165.937", grouped as the active language writes numbers."""
    return number_format(number, force_grouping=True)


class Command(BaseCommand):
    @property
    def help(self):
        # Translated when the parser is built: argparse wants a plain string.
        return _(
            "Writes demo data: N institutions (“Municipio de <cantón>”) with K consecutive "
            "monthly reports each, varied from the sample report, with parish tags and history "
            "across months. The same --seed always gives the same data. Institutions that "
            "already have a demo name are refused unless --replace is given, which deletes them "
            "with all their reports first."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--institutions",
            type=int,
            default=3,
            help=_("number of institutions (default 3)"),
        )
        parser.add_argument(
            "--months",
            type=int,
            default=12,
            help=_("monthly reports per institution (default 12)"),
        )
        parser.add_argument(
            "--seed", type=int, default=0, help=_("random seed (default 0)")
        )
        parser.add_argument(
            "--last-period",
            default=periods.slug(demo.DEFAULT_LAST_PERIOD),
            metavar="YYYY-MM",
            help=_("the last month generated (default: the sample's month, 2019-08)"),
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help=_(
                "delete institutions that already have a demo name, then write them anew"
            ),
        )

    def handle(self, *args, institutions, months, seed, last_period, replace, verbosity, **options):
        if institutions < 1:
            raise CommandError(_("--institutions must be 1 or more."))
        if not 1 <= months <= MAX_MONTHS:
            raise CommandError(_("--months must be between 1 and %(max)s.") % {"max": MAX_MONTHS})
        last = self._period(last_period)

        started = time.perf_counter()
        try:
            summary = demo.generate(
                institutions=institutions,
                months=months,
                seed=seed,
                last_period=last,
                replace=replace,
                progress=self._progress_bar() if verbosity >= 1 else None,
            )
        except demo.DemoInstitutionsExist as error:
            raise CommandError(self._exist_message(error.names)) from None
        seconds = time.perf_counter() - started
        # The download files, which a publication leaves to the worker, are built here before
        # the command returns: benchmarks read them at once (the queued task then has nothing
        # left to do).
        publication.build_files_now()

        if verbosity >= 1:
            self._print_summary(summary, seconds)

    @staticmethod
    def _period(text: str) -> date:
        period = periods.parse(text)
        if period is None:
            raise CommandError(
                _("--last-period must be a month written YYYY-MM, e.g. 2019-08, not “%(value)s”.")
                % {"value": text}
            )
        return period

    def _progress_bar(self):
        """One line per institution; on a terminal, one line rewritten in place."""
        on_terminal = self.stderr.isatty()

        def show(number, total, name, goals):
            line = _("Institution %(number)s/%(total)s: %(name)s, %(goals)s goals") % {
                "number": number,
                "total": total,
                "name": name,
                "goals": _count(goals),
            }
            if on_terminal:
                ending = "\n" if number == total else ""
                self.stderr.write("\r\033[K" + line, style_func=_plain, ending=ending)
                self.stderr.flush()
            else:
                self.stderr.write(line, style_func=_plain)

        return show

    @staticmethod
    def _exist_message(names: list[str]) -> str:
        shown = ", ".join(names[:NAMES_SHOWN]) + ("…" if len(names) > NAMES_SHOWN else "")
        return ngettext(
            "%(count)s institution already has a demo name (%(names)s). Run again with --replace "
            "to delete it, with all its reports and goals, and write it anew.",
            "%(count)s institutions already have demo names (%(names)s). Run again with --replace "
            "to delete them, with all their reports and goals, and write them anew.",
            len(names),
        ) % {"count": len(names), "names": shown}

    def _print_summary(self, summary: demo.Summary, seconds: float) -> None:
        if summary.replaced:
            self.stdout.write(
                ngettext(
                    "Replaced %(count)s existing demo institution.",
                    "Replaced %(count)s existing demo institutions.",
                    summary.replaced,
                )
                % {"count": summary.replaced}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo data written in %(seconds)s s: %(institutions)s institutions, "
                    "%(reports)s reports (%(first)s to %(last)s), %(goals)s goals, "
                    "%(parish_tags)s parish tags and %(neighbourhood_tags)s JDB tags."
                )
                % {
                    "seconds": number_format(seconds, 1),
                    "institutions": _count(summary.institutions),
                    "reports": _count(summary.reports),
                    "first": periods.slug(summary.periods[0]),
                    "last": periods.slug(summary.periods[-1]),
                    "goals": _count(summary.goals),
                    "parish_tags": _count(summary.parish_tags),
                    "neighbourhood_tags": _count(summary.neighbourhood_tags),
                }
            )
        )
