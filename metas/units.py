"""What makes a unit the same unit from month to month, and the code of its parent.

Pure functions (no database), used wherever units are counted or stored: the figures of a
report (metas.counts), the importer's plan and store (metas.importer), the demo data.
"""
from __future__ import annotations

from .text import fold


def unit_identity(level: str | None, code: str, published_name: str) -> tuple:
    """A unit's identity within an institution: its level, code and name, folded. One stored
    Unit per identity; every count of "units" counts these."""
    return (fold(level) if level else None, code, fold(published_name))


def parent_code(code: str) -> str:
    """ "6.1" -> "6", "23.2" -> "23"; a code without a dot is its own parent's code."""
    return code.rsplit(".", 1)[0] if "." in code else code
