"""Reading a monthly LOTAIP "metas y objetivos" report and storing it.

    from metas.importer import InputFile, run_attempt

    attempt = run_attempt([InputFile("reporte.csv.xlsx", data)], source="command")
    attempt.outcome                  # "accepted", "rejected"... as written to the import log
    attempt.result.summary_lines()   # what was stored; attempt.problems: what was wrong

run_attempt is the one entry point of the command and the staff area: read_report (validate
every file), then store_report (one transaction), then one import-log row, whatever happened.
import_report is read_report then store_report, without the log (for tests).

read_report itself needs no database (pure Python and pandas), but this package also stores
and logs, so importing it needs Django's apps loaded, as in every entry point (manage.py, the
WSGI application, pytest-django, the bench scripts' set-up).
"""
from .attempt import run_attempt
from .log import record_attempt
from .parsed import InputFile, ParsedFile, ParsedGoal, ParsedReport, Problem, ReportInvalid
from .reader import read_report
from .result import ImportResult
from .store import import_report, store_report

__all__ = [
    "ImportResult",
    "InputFile",
    "ParsedFile",
    "ParsedGoal",
    "ParsedReport",
    "Problem",
    "ReportInvalid",
    "import_report",
    "read_report",
    "record_attempt",
    "run_attempt",
    "store_report",
]
