"""A report's change list as one flat list of rows, for its CSV and JSON exports
(/reportes/<institution>/<YYYY-MM>/cambios.csv; columns.change_columns() are their fields):

    change_rows(history.compare(...))   # [ChangeRow], in the page's order
"""
from __future__ import annotations

from dataclasses import dataclass

from ..history import Changes, Entry
from ..models import Goal


@dataclass(frozen=True)
class ChangeRow:
    """One line of the change list: `kind` is a stable code, never translated."""

    kind: str
    unit_code: str
    unit_name: str
    before: Entry | None = None
    after: Entry | None = None

    @property
    def entry(self) -> Entry | None:
        return self.after or self.before


def change_rows(changes: Changes) -> list[ChangeRow]:
    """The changes as one flat list, in the page's order."""
    rows = []
    for before, after in changes.progress:
        kind = Goal.Change.UP if after.progress > before.progress else Goal.Change.DOWN
        rows.append(ChangeRow(str(kind), after.unit_code, after.unit_name, before, after))
    new = str(Goal.Change.NEW)
    rows += [ChangeRow(new, e.unit_code, e.unit_name, after=e) for e in changes.new]
    rows += [ChangeRow("eliminada", e.unit_code, e.unit_name, before=e) for e in changes.removed]
    rows += [
        ChangeRow("no-aplica", after.unit_code, after.unit_name, before, after)
        for before, after in changes.not_applicable
    ]
    rows += [ChangeRow("unidad-nueva", code, name) for code, name in changes.units_added]
    rows += [ChangeRow("unidad-eliminada", code, name) for code, name in changes.units_removed]
    return rows
