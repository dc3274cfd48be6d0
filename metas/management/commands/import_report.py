"""import_report: read a municipality's monthly LOTAIP "metas y objetivos" report and store it.

    python manage.py import_report fixtures/loja-lotaip-a4-2019-08.tsv
    python manage.py import_report datos.csv metadatos.csv diccionario.csv --period 2025-01
    python manage.py import_report reporte.zip --institution "Municipio de Loja" --dry-run
    python manage.py import_report informes/          # a folder: every report under it
    python manage.py import_report catamayo.tsv --territorio 1103

Guarantees:
- The format (Format A matrix; Format B data set, metadata and dictionary, maybe in a ZIP) and
  each file's encoding are detected from the bytes, never from the file names.
- Everything is validated before anything is written; then one transaction replaces the
  report of that institution and period, and only that one. Importing the same files twice
  gives the same report.
- Bad input: every problem of every file is printed (file, line or sheet row, column, value),
  nothing is stored, and the command exits with a non-zero status.
- --dry-run validates and prints what would be stored, storing nothing.
- What was accepted but deserves a look (control characters replaced, goal rows published
  twice) is printed as warnings, whatever the verbosity.
- --sheet chooses the sheet of a workbook in which more than one sheet looks like a report.
- Every attempt, accepted or not, is recorded in the import log (ImportLog).
- A folder (read recursively), or files of several reports: they are grouped into reports
  (metas.importer.batch: a month's portal files together), each imported in its own
  transaction; a progress bar on a terminal, then a table of every report (files,
  institution, period, outcome, goals, problems) and the problems of those refused. One bad
  report does not stop the others; the exit status is non-zero unless all were imported.
- --territorio sets the institution's territory by INEC code (province 2 digits, canton 4,
  parish 6); its goals are tagged with that territory's places, its other reports re-tagged.

The work is done by metas.importer, the same code the staff upload page uses.
"""
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from metas.importer import run_attempt
from metas.importer.batch import collect
from metas.importer.pdf import reporting_progress
from metas.models import ImportLog
from metas.territory import find_territory


class SpanishHelpFormatter(DjangoHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix=prefix or _("usage: "))


class Command(BaseCommand):
    # Django's options for developers, not for the staff who import reports: left out of --help.
    suppressed_base_arguments = {
        "--version", "--settings", "--pythonpath", "--traceback", "--no-color", "--force-color",
    }

    def create_parser(self, prog_name, subcommand, **kwargs):
        """--help in Spanish throughout: argparse's and Django's own words too."""
        kwargs.setdefault("formatter_class", SpanishHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser._positionals.title = _("positional arguments")
        parser._optionals.title = _("options")
        helps = {
            "help": _("show this help and exit"),
            "verbosity": _(
                "how much to print: 0 only problems and warnings, 1 a summary (the default), 2 "
                "also the goals by process level"
            ),
            "skip_checks": _("skip Django's system checks"),
        }
        for action in parser._actions:
            if action.dest in helps:
                action.help = helps[action.dest]
        return parser

    @property
    def help(self):
        # Translated when the parser is built: argparse wants a plain string, not a lazy one.
        return _(
            "Imports the monthly report of goals and objectives (LOTAIP, numeral 1.3; old "
            "literal a4) as the institution published it: a report matrix as a spreadsheet "
            "(.xlsx, .xls, .ods), a PDF (with its text, or scanned: read by OCR), a TSV or CSV "
            "file; or the transparency portal's three CSV files (data set, metadata, "
            "dictionary), or a ZIP of them. A folder is read with everything under it, each "
            "report imported on its own. Format and encoding are read from the bytes, not from "
            "the names. Importing the same institution and period again replaces that report; "
            "bad input is refused with every problem (file, row, column) and stores nothing."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="RUTA",
            help=_(
                "the report's file(s) or folder(s): a matrix (.xlsx, .xls, .ods, .pdf, .tsv, "
                ".csv), the portal's three files, a ZIP, or a folder of reports"
            ),
        )
        parser.add_argument(
            "--institution", metavar="NOMBRE",
            help=_(
                "the institution's name (default: the portal dictionary's, else the "
                "METAS_DEFAULT_INSTITUTION setting)"
            ),
        )
        parser.add_argument(
            "--period", metavar="YYYY-MM",
            help=_("the month reported on (default: the month of the update date)"),
        )
        parser.add_argument(
            "--sheet", metavar="HOJA",
            help=_("the sheet to read, in a workbook with more than one report"),
        )
        parser.add_argument(
            "--dry-run", action="store_true",
            help=_("validate and show what would be stored, storing nothing"),
        )
        parser.add_argument(
            "--territorio", metavar="CÓDIGO",
            help=_(
                "the institution's territory, by INEC code: province (2 digits), canton (4) "
                "or parish (6), e.g. 1103 for Catamayo"
            ),
        )

    def scan_progress(self, done: int, total: int) -> None:
        self.stderr.write(_("Reading the scan by OCR: page %(done)s of %(total)s") % {
            "done": done, "total": total})

    def pdf_progress(self, done: int, total: int) -> None:
        self.stderr.write(_("Reading the PDF: page %(done)s of %(total)s") % {
            "done": done, "total": total})

    def handle(self, *args, **options):
        territory = self.territory(options["territorio"])
        batch = collect(options["paths"])
        several = len(batch.reports) > 1 or any(Path(p).is_dir() for p in options["paths"])
        if several:
            return self.import_several(batch, territory, options)
        files = batch.reports[0].files if batch.reports else []
        # A scanned PDF is read by OCR first (tens of seconds), saying how far it is.
        # Imported here: metas.importer.ocr loads OpenCV, which only a scan needs.
        from metas.importer.ocr import read_scans

        files = read_scans(files, self.scan_progress if options["verbosity"] >= 1 else None)
        with reporting_progress(self.pdf_progress if options["verbosity"] >= 1 else None):
            attempt = run_attempt(
                files,
                source=ImportLog.Source.COMMAND,
                institution=options["institution"],
                period=options["period"],
                sheet=options["sheet"],
                dry_run=options["dry_run"],
                problems=batch.problems,
                territory=territory,
            )
        if not attempt.accepted:
            self.refuse(attempt.problems)
        result = attempt.result
        if options["verbosity"] >= 1:
            first, *rest = result.summary_lines()
            self.stdout.write(self.style.SUCCESS(first))
            for line in rest:
                self.stdout.write(f"  {line}")
        for warning in result.parsed.warnings:  # accepted, but worth a look: always shown
            self.stderr.write(self.style.WARNING(_("Warning: %(warning)s") % {"warning": warning}))
        if options["verbosity"] >= 2:
            for level, count in Counter(goal.level for goal in result.parsed.goals).items():
                self.stdout.write("    " + ngettext(
                    "%(level)s: %(count)s goal", "%(level)s: %(count)s goals", count
                ) % {"level": level or _("(no process level)"), "count": count})

    @staticmethod
    def territory(code):
        if code is None:
            return None
        territory = find_territory(code)
        if territory is None:
            raise CommandError(_(
                "There is no province, canton or parish with INEC code “%(code)s”. Write 2 "
                "digits for a province, 4 for a canton, 6 for a parish (e.g. 1103, Catamayo)."
            ) % {"code": code})
        return territory

    def import_several(self, batch, territory, options):
        """Each report in its own attempt, a progress bar, a table, the refused ones' problems."""
        if not batch.reports:
            raise CommandError(_("No file was found there. Give a folder or files of reports."))
        if options["period"]:
            raise CommandError(_(
                "--period applies to one report; these files hold %(count)s. Import them one "
                "by one, or leave the period to each report's update date."
            ) % {"count": len(batch.reports)})
        if territory is not None and not options["institution"]:
            raise CommandError(_(
                "--territorio applies to one institution: give it with --institution, or import "
                "one report."
            ))
        rows = []
        bar = tqdm(batch.reports, unit=_("report"), file=self.stderr._out,
                   disable=not self.stderr.isatty() or options["verbosity"] < 1)
        for report in bar:
            attempt = run_attempt(
                report.files, source=ImportLog.Source.COMMAND,
                institution=options["institution"], dry_run=options["dry_run"],
                territory=territory,
            )
            rows.append((report, attempt))
        for problem in batch.problems:
            self.stderr.write(str(problem))
        if options["verbosity"] >= 1:
            self.print_table(rows)
        refused = [(report, attempt) for report, attempt in rows if not attempt.accepted]
        for report, attempt in refused:
            for problem in attempt.problems:
                self.stderr.write(str(problem))
        failed, total = len(refused) + len(batch.problems), len(rows) + len(batch.problems)
        if failed and failed == total:
            raise CommandError(ngettext(
                "The report was not imported (problems listed above). Correct it and import it "
                "again.",
                "None of the %(total)s reports was imported (problems listed above). Correct "
                "them and import them again.",
                total,
            ) % {"total": total})
        if failed:
            raise CommandError(ngettext(
                "%(failed)s of %(total)s report was not imported (problems listed above); the "
                "others were. Correct it and import it again.",
                "%(failed)s of %(total)s reports were not imported (problems listed above); the "
                "others were. Correct them and import them again.",
                failed,
            ) % {"failed": failed, "total": total})

    def print_table(self, rows):
        header = [_("Files"), _("Institution"), _("Period"), _("Outcome"), _("Goals"),
                  _("Problems")]
        lines = [header]
        for report, attempt in rows:
            result = attempt.result
            lines.append([
                ", ".join(path.name for path in report.paths),
                result.institution if result else "",
                result.period_slug if result else "",
                str(ImportLog.Outcome(attempt.outcome).label),
                str(result.goals) if result else "",
                str(len(attempt.problems)),
            ])
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        for number, line in enumerate(lines):
            text = "  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
            self.stdout.write(self.style.MIGRATE_HEADING(text) if number == 0 else text)

    def refuse(self, problems):
        for problem in problems:
            self.stderr.write(str(problem))
        raise CommandError(ngettext(
            "The report was not imported (%(count)s problem, listed above); nothing was "
            "stored. Correct the file and run the command again.",
            "The report was not imported (%(count)s problems, listed above); nothing was "
            "stored. Correct the files and run the command again.",
            len(problems),
        ) % {"count": len(problems)})
