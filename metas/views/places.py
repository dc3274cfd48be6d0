"""/unidades/ and /parroquias/: the goals by administrative unit and by territory.

/parroquias/ shows the parishes of the one canton the goals in scope name (cantón Loja's, on a
site of one municipality); when they name places of several cantons, it lists those cantons,
each page of which (metas.views.territory) has its parishes.

The lists count the goals of the same scope as /metas/ (`institucion` and `periodo`; by default
each institution's latest report), with a fixed number of queries: counts and sums are
aggregated by the database, the tree and the tables are put together in Python.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum, Value, Window
from django.db.models.functions import RowNumber
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import periods
from ..accountability import summaries
from ..filters import GoalFilter, public_goals
from ..http.caching import publication_scope, whole_site
from ..models import (
    Canton,
    Goal,
    GoalNeighbourhood,
    GoalParish,
    Institution,
    Neighbourhood,
    Parish,
    Report,
    Unit,
)
from ..text import fold

SCOPE_PARAMETERS = ("institucion", "periodo")
# A parish page lists this many goals of each kind; the goal list has them all.
PARISH_GOALS_SHOWN = 20


# --- Scope: which goals a page counts ------------------------------------------------------


def goal_scope(request):
    """A GoalFilter over only `institucion` and `periodo` of the request: checks them with the
    same rules and messages as /metas/."""
    data = QueryDict(mutable=True)
    for name in SCOPE_PARAMETERS:
        if request.GET.get(name):
            data[name] = request.GET[name]
    return GoalFilter(data, queryset=Goal.objects.all())


def in_scope(scope) -> dict:
    """The arguments of Goal.objects.in_scope() (and its siblings) a valid scope gives."""
    data = scope.form.cleaned_data
    return {"institution": data.get("institucion"), "period": data.get("periodo") or None}


def _scope_context(request, scope):
    """The scope form's choices, written out by the template (a Django select widget renders
    each of a hundred institutions through a template of its own), and the period to keep in
    links to /metas/ ("" for the default)."""
    applied = scope.applied() if scope.is_valid() else {}
    months = (
        Report.objects.published().order_by("-period").values_list("period", flat=True).distinct()
    )
    return {
        "scope_form": scope.form,
        "scope_institutions": Institution.objects.order_by("name").values_list("slug", "name"),
        "scope_periods": [(periods.slug(month), periods.title(month)) for month in months],
        "chosen_institution": request.GET.get("institucion", ""),
        "chosen_period": request.GET.get("periodo", ""),
        "period": applied.get("periodo", ""),
    }


def _render(request, template, context, scope):
    status = 200 if scope.is_valid() else 400
    return render(request, template, {**_scope_context(request, scope), **context}, status=status)


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


# --- /unidades/ ----------------------------------------------------------------------------


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
        goals = Goal.objects.in_scope(**in_scope(scope))
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
    return _render(request, "metas/unit_list.html", context, scope)


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


# --- /parroquias/ --------------------------------------------------------------------------


@publication_scope(whole_site)
def parish_list(request):
    """The parishes and neighbourhood councils of the canton the goals name, with the goals
    that name each and, apart, those that cover it only as one of "the urban (or rural)
    parishes"; with several cantons named, the cantons."""
    from .territory import parish_rows

    scope = goal_scope(request)
    context = {}
    if scope.is_valid():
        named, collective = {}, {}
        # Grouped by the flag first: when every tag is counted SQLite then reads the table once
        # instead of through the parish index, looking each row up.
        parish_counts = (
            GoalParish.objects.in_scope(**in_scope(scope))
            .values("via_coverage", "parish_id", "parish__canton_id")
            .annotate(goal_count=Count("goal_id"))
            .order_by()
        )
        by_canton = {}
        for row in parish_counts:
            counts = collective if row["via_coverage"] else named
            counts[row["parish_id"]] = row["goal_count"]
            kind = "collective" if row["via_coverage"] else "named"
            canton = by_canton.setdefault(row["parish__canton_id"], {"named": 0, "collective": 0})
            canton[kind] += row["goal_count"]
        cantons = _cantons_in_scope(by_canton)
        if len(cantons) > 1:
            context["cantons"] = [
                {"canton": canton, **by_canton.get(canton.pk, {"named": 0, "collective": 0})}
                for canton in cantons
            ]
            return _render(request, "metas/parish_list.html", context, scope)
        canton = cantons[0] if cantons else None
        parishes = Parish.objects.filter(canton=canton).order_by("code", "pk")
        council_counts = dict(
            GoalNeighbourhood.objects.in_scope(**in_scope(scope))
            .values("neighbourhood_id")
            .annotate(goal_count=Count("goal_id"))
            .order_by()
            .values_list("neighbourhood_id", "goal_count")
        )
        context = {
            "canton": canton,
            **parish_rows(parishes, named, collective),
            "councils": [
                {"council": c, "named": council_counts.get(c.pk, 0)}
                for c in Neighbourhood.objects.filter(canton=canton)
            ],
        }
    return _render(request, "metas/parish_list.html", context, scope)


def _cantons_in_scope(tag_counts: dict) -> list[Canton]:
    """The cantons whose parishes the goals name; if none, those of the institutions with
    reports (the canton of a site of one municipality, before it names a place); if none
    either, the canton whose councils the site knows (cantón Loja)."""
    cantons = Canton.objects.select_related("province").order_by("province__name", "name")
    if tag_counts:
        return list(cantons.filter(pk__in=tag_counts))
    with_reports = list(cantons.filter(institutions__reports__isnull=False).distinct())
    return with_reports or list(cantons.filter(neighbourhoods__isnull=False).distinct())


@publication_scope(whole_site)
def parish_detail(request, slug):
    """A parish, or a neighbourhood council ("jdb-..." slugs): the goals that name it and,
    apart, the goals that cover it together with every urban or rural parish."""
    place = Parish.objects.select_related("canton__province").filter(slug=slug).first()
    is_parish = place is not None
    if not is_parish:
        place = Neighbourhood.objects.filter(slug=slug).first()
    if place is None:
        raise Http404(_("There is no parish or neighbourhood council with this address."))
    scope = goal_scope(request)
    context = {
        "place": place,
        "is_parish": is_parish,
        "filter_name": "parroquia" if is_parish else "jdb",
    }
    if scope.is_valid():
        if is_parish:
            tags = GoalParish.objects.in_scope(**in_scope(scope)).filter(parish=place)
            kind = F("via_coverage")
        else:
            tags = GoalNeighbourhood.objects.in_scope(**in_scope(scope)).filter(neighbourhood=place)
            kind = Value(False)  # a council is only ever named
        counts, first = _first_tags(tags, collective=kind)
        if is_parish:
            from .territory import institution_goals

            context["institutions"] = institution_goals(in_scope(scope), Q(parish=place))
        if is_parish:
            context["summary_text"] = summaries.parish_summary(place, **in_scope(scope))
        goals = public_goals().in_bulk([tag["goal_id"] for tag in first])
        for collective, name in ((False, "named"), (True, "collective")):
            # A goal an import replaced since the tags were read is left out.
            shown = [
                tag for tag in first if tag["collective"] == collective and tag["goal_id"] in goals
            ]
            context[name] = {
                "count": counts.get(collective, 0),
                "items": [_with_words(goals[tag["goal_id"]], tag) for tag in shown],
                "more": counts.get(collective, 0) > len(shown),
            }
    return _render(request, "metas/parish_detail.html", context, scope)


# The goal list's default order (ORDERINGS["posicion"]), seen from a tag.
TAG_ORDER = ("goal__report__institution__name", "-goal__report__period", "goal__position")


def _first_tags(tags, collective):
    """How many `tags` there are of each kind (`collective` True or False), and the first ones
    of each kind to show, in the goal list's order: ({kind: count}, [{"goal_id",
    "matched_text", "collective"}]).

    One query: the database numbers and counts the tags of each kind and returns only the
    first; a place named in every month of a hundred institutions has thousands of tags.
    """
    rows = (
        tags.annotate(
            collective=collective,
            rank=Window(RowNumber(), partition_by=collective, order_by=TAG_ORDER),
            of_kind=Window(Count("pk"), partition_by=collective),
        )
        .filter(rank__lte=PARISH_GOALS_SHOWN)
        .order_by("rank")
        .values("goal_id", "matched_text", "collective", "of_kind")
    )
    counts, first = {}, []
    for row in rows:
        counts[row["collective"]] = row["of_kind"]
        first.append(row)
    return counts, first


def _with_words(goal, tag):
    """The goal, with the words that tagged it with the place."""
    goal.matched_text = tag["matched_text"]
    return goal
