"""Reading a monthly LOTAIP "metas y objetivos" report and storing it.

    from metas.importer import InputFile, run_attempt

    attempt = run_attempt([InputFile("reporte.csv.xlsx", data)], source="command")
    attempt.outcome                  # "accepted", "rejected"... as written to the import log
    attempt.result.summary_lines()   # what was stored; attempt.problems: what was wrong

run_attempt is the one entry point of the command and the staff area: read_report (validate
every file), then store_report (one transaction), then one import-log row, whatever happened.
import_report is read_report then store_report, without the log (for tests).

read_report needs no database (pure Python and pandas), so reading stays importable without
the ORM: the names that store or log are loaded on first use.
"""
from .parsed import InputFile, ParsedFile, ParsedGoal, ParsedReport, Problem, ReportInvalid
from .reader import read_report
from .result import ImportResult

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

_LAZY = {
    "store_report": "store",
    "import_report": "store",
    "record_attempt": "log",
    "run_attempt": "attempt",
}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
