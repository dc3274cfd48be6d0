"""Reading a monthly LOTAIP "metas y objetivos" report and storing it.

    from metas.importer import InputFile, read_report, store_report, record_attempt

    parsed = read_report([InputFile("reporte.csv.xlsx", data)])   # or ReportInvalid(problems)
    result = store_report(parsed, period="2019-08")               # one transaction
    print("\n".join(result.summary_lines()))

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
    "store_report",
]

_LAZY = {"store_report": "store", "import_report": "store", "record_attempt": "log"}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
