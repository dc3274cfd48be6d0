"""import_report: read a municipality's monthly LOTAIP "metas y objetivos" report and store it.

    python manage.py import_report fixtures/loja-lotaip-a4-2019-08.tsv
    python manage.py import_report datos.csv metadatos.csv diccionario.csv --period 2025-01
    python manage.py import_report reporte.zip --institution "Municipio de Loja" --dry-run

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

The work is done by metas.importer, the same code the staff upload page uses.
"""
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metas.importer import InputFile, Problem, run_attempt
from metas.models import ImportLog


class Command(BaseCommand):
    @property
    def help(self):
        # Translated when the parser is built: argparse wants a plain string, not a lazy one.
        return _(
            "Imports a monthly report of goals and objectives (LOTAIP): a Format A matrix (TSV, "
            "CSV or XLSX) or the three Format B files of the transparency portal (or a ZIP of "
            "them). Importing the same institution and period again replaces that report."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="PATH",
            help=_("the report's file(s): a matrix, or the portal's files or a ZIP"),
        )
        parser.add_argument(
            "--institution",
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
            "--sheet", metavar="NAME",
            help=_("the sheet to read, in a workbook with more than one report"),
        )
        parser.add_argument(
            "--dry-run", action="store_true",
            help=_("validate and show what would be stored, storing nothing"),
        )

    def handle(self, *args, **options):
        files, problems = read_paths(options["paths"])
        attempt = run_attempt(
            files,
            source=ImportLog.Source.COMMAND,
            institution=options["institution"],
            period=options["period"],
            sheet=options["sheet"],
            dry_run=options["dry_run"],
            problems=problems,
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


def read_paths(paths) -> tuple[list[InputFile], list[Problem]]:
    """The files as the importer takes them, named by their base name as an upload would be."""
    files, problems = [], []
    for path in map(Path, paths):
        try:
            files.append(InputFile(name=path.name, data=path.read_bytes()))
        except FileNotFoundError:
            problems.append(Problem(str(path), _("The file does not exist. Check the path.")))
        except IsADirectoryError:
            problems.append(Problem(str(path), _(
                "This is a folder. Give the report's files, or a ZIP of them."
            )))
        except OSError:
            problems.append(Problem(str(path), _(
                "The file cannot be read. Check that you may read it."
            )))
    return files, problems
