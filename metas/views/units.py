"""/unidades/: the goals by administrative unit, as a tree of units under their parents,
grouped by process level; /unidades/<unit>/: a unit's goals with its sub-units'.

The list counts the goals of the same scope as /metas/ (`institucion` and `periodo`; by default
each institution's latest report), with a fixed number of queries: counts and sums are
aggregated by the database, the tree is put together in Python.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy

from ..accountability import summaries
from ..filters import public_goals
from ..http.caching import publication_scope, whole_site
from ..models import Goal, Institution, Report, Unit
from ..text import fold
from .scope import SCOPE_PARAMETERS, goal_scope, render_scoped, scope_arguments


@dataclass
class Tally:
    """Goals counted, and the sum and number of those with a percentage, for averages."""

    goals: int = 0
    progress_sum: Decimal = Decimal(0)
    with_progress: int = 0

    def add(self, other: Tally):
        self.goals += other.goals
        self.progress_sum += other.progress_sum
        self.with_progress += other.with_progress

    @property
    def average(self):
        return self.progress_sum / self.with_progress if self.with_progress else None


TALLY = {
    "goal_count": Count("pk"),
    "progress_sum": Sum("progress"),
    "with_progress": Count("progress"),
}


def _tally(row) -> Tally:
    return Tally(row["goal_count"], row["progress_sum"] or Decimal(0), row["with_progress"])


@dataclass
class UnitNode:
    unit: Unit
    own: Tally = field(default_factory=Tally)
    children: list[UnitNode] = field(default_factory=list)

    @property
    def total(self) -> Tally:
        """This unit's goals and its sub-units', as /metas/?unidad= selects them."""
        total = Tally()
        total.add(self.own)
        for child in self.children:
            total.add(child.total)
        return total


@dataclass
class LevelGroup:
    name: str | None  # None: units of reports without process levels (format B)
    units: list[UnitNode]

    def rows(self):
        """Each unit with its depth, parents before their sub-units: the table's rows."""
        stack = [(node, 0) for node in reversed(self.units)]
        while stack:
            node, depth = stack.pop()
            yield {"node": node, "depth": depth}
            stack.extend((child, depth + 1) for child in reversed(node.children))


# ?orden= of /unidades/: column -> (label, sort key, first direction is descending). Sub-units
# are sorted among their siblings, under their parent; without `orden`, the report's order.
UNIT_COLUMNS = {
    "unidad": (gettext_lazy("Unit"), lambda node: fold(node.unit.published_name), False),
    "metas": (gettext_lazy("Goals"), lambda node: node.total.goals, True),
    "avance": (gettext_lazy("Average progress"), lambda node: node.total.average, True),
}


def unit_order(value: str) -> tuple[str, bool] | None:
    """`orden` as (column, descending): "avance" or "-avance"; None for anything else."""
    column = (value or "").removeprefix("-")
    if column not in UNIT_COLUMNS:
        return None
    return column, value.startswith("-")


def sorted_units(nodes: list[UnitNode], column: str, descending: bool) -> list[UnitNode]:
    """`nodes` and, recursively, their children in the column's order; units without an
    average come last either way, in the report's order."""
    key = UNIT_COLUMNS[column][1]
    for node in nodes:
        node.children = sorted_units(node.children, column, descending)
    known = [node for node in nodes if key(node) is not None]
    unknown = [node for node in nodes if key(node) is None]
    return sorted(known, key=key, reverse=descending) + unknown


def unit_columns(request, order) -> list[dict]:
    """The table's header: each column's label, the address that sorts by it (the other way
    round if it is the current order) and its aria-sort value."""
    query = {name: request.GET[name] for name in SCOPE_PARAMETERS if request.GET.get(name)}
    columns = []
    for column, (label, _key, first_descending) in UNIT_COLUMNS.items():
        current = order is not None and order[0] == column
        descending = (not order[1]) if current else first_descending
        link = QueryDict(mutable=True)
        link.update(query)
        link["orden"] = f"-{column}" if descending else column
        columns.append({
            "key": column,
            "label": label,
            "query": link.urlencode(),
            "sort": (("descending" if order[1] else "ascending") if current else ""),
            "numeric": column != "unidad",
        })
    return columns


def _code_key(code: str):
    """Natural order of unit codes: 2 before 10, 16.6 before 16.10."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[.\s]+", code)]


def _unit_order(node: UnitNode):
    return (_code_key(node.unit.code), node.unit.published_name)


def unit_tree(institution, goals) -> list[LevelGroup]:
    """The institution's units that have goals among `goals`, nested under their parents and
    grouped by process level in the report's order; units without a level come last."""
    tallies = {
        row["unit_id"]: _tally(row)
        for row in goals.order_by().values("unit_id").annotate(**TALLY)
    }
    nodes = {
        unit.pk: UnitNode(unit, tallies.get(unit.pk, Tally()))
        for unit in Unit.objects.filter(institution=institution).select_related("level")
    }
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_id)
        (parent.children if parent else roots).append(node)
    groups = {}
    for node in _pruned(roots):
        groups.setdefault(node.unit.level, []).append(node)
    ordered = sorted(groups, key=lambda level: (level is None, level.position if level else 0))
    return [LevelGroup(level.name if level else None, groups[level]) for level in ordered]


def _pruned(nodes):
    """Nodes with goals somewhere below them, in code order, recursively."""
    kept = []
    for node in sorted(nodes, key=_unit_order):
        node.children = _pruned(node.children)
        if node.own.goals or node.children:
            kept.append(node)
    return kept


def _reports_in_scope(goals):
    """[{institution, periods, tally}] of the institutions with goals in scope, by name, each
    with its periods newest first."""
    # Grouped by the report alone: grouping by its period and institution too made SQLite walk
    # every report of every month to read them in the GROUP BY's order.
    tallies = {
        row["report_id"]: _tally(row)
        for row in goals.order_by().values("report_id").annotate(**TALLY)
    }
    reports = (
        Report.objects.filter(pk__in=tallies)
        .order_by("-period")
        .values_list("pk", "institution_id", "period")
    )
    by_institution = {}
    for pk, institution_id, period in reports:
        entry = by_institution.setdefault(institution_id, {"periods": [], "tally": Tally()})
        entry["periods"].append(period)
        entry["tally"].add(tallies[pk])
    institutions = Institution.objects.filter(pk__in=by_institution).order_by("name")
    return [
        {"institution": institution, **by_institution[institution.pk]}
        for institution in institutions
    ]


@publication_scope(whole_site)
def unit_list(request):
    """The unit tree of one institution; with several in scope, first a choice among them."""
    scope = goal_scope(request)
    context = {"institutions": [], "tree": [], "chosen": None}
    if scope.is_valid():
        goals = Goal.objects.in_scope(**scope_arguments(scope))
        institutions = _reports_in_scope(goals)
        context["institutions"] = institutions
        if len(institutions) == 1:
            chosen = institutions[0]
            context["chosen"] = chosen
            context["tree"] = unit_tree(chosen["institution"], goals)
    order = unit_order(request.GET.get("orden", ""))
    if order is not None:
        for group in context["tree"]:
            group.units = sorted_units(group.units, *order)
    context["columns"] = unit_columns(request, order)
    return render_scoped(request, "metas/unit_list.html", context, scope)


@publication_scope(lambda request, slug: {"units__slug": slug})
def unit_detail(request, slug):
    unit = get_object_or_404(
        Unit.objects.select_related("institution", "level", "parent"), slug=slug
    )
    unit_ids = Unit.objects.with_descendants(unit)
    sub_units = sorted(
        Unit.objects.filter(parent=unit), key=lambda u: (_code_key(u.code), u.published_name)
    )
    # The latest report with goals of this unit: usually the institution's latest.
    report = (
        Report.objects.published().filter(goals__unit__in=unit_ids).order_by("-period").distinct()
        .first()
    )
    goals = []
    if report is not None:
        goals = list(
            public_goals().filter(report=report, unit__in=unit_ids).order_by("position")
        )
    tally = Tally(
        goals=len(goals),
        progress_sum=sum((g.progress for g in goals if g.progress is not None), Decimal(0)),
        with_progress=sum(1 for g in goals if g.progress is not None),
    )
    return render(
        request,
        "metas/unit_detail.html",
        {
            "unit": unit,
            "sub_units": sub_units,
            "report": report,
            "goals": goals,
            "tally": tally,
            "summary_text": summaries.summary(
                public_goals().filter(report=report, unit__in=unit_ids)
            ) if report is not None else "",
        },
    )
