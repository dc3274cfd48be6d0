"""/parroquias/: the goals by parish and neighbourhood council; /parroquias/<slug>/: a parish's
or a council's goals.

/parroquias/ shows the parishes of the one canton the goals in scope name (cantón Loja's, on a
site of one municipality); when they name places of several cantons, it lists those cantons,
each page of which (metas.views.territory) has its parishes.

The lists count the goals of the same scope as /metas/ (`institucion` and `periodo`; by default
each institution's latest report), with a fixed number of queries: counts are aggregated by the
database, the tables are put together in Python.
"""
from __future__ import annotations

from django.db.models import Count, F, Q, Value, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.translation import gettext as _

from ..accountability import summaries
from ..filters import public_goals
from ..http.caching import publication_scope, whole_site
from ..models import Canton, GoalNeighbourhood, GoalParish, Neighbourhood, Parish
from .scope import goal_scope, institution_goals, parish_rows, render_scoped, scope_arguments

# A parish page lists this many goals of each kind; the goal list has them all.
PARISH_GOALS_SHOWN = 20


@publication_scope(whole_site)
def parish_list(request):
    """The parishes and neighbourhood councils of the canton the goals name, with the goals
    that name each and, apart, those that cover it only as one of "the urban (or rural)
    parishes"; with several cantons named, the cantons."""
    scope = goal_scope(request)
    context = {}
    if scope.is_valid():
        named, collective = {}, {}
        # Grouped by the flag first: when every tag is counted SQLite then reads the table once
        # instead of through the parish index, looking each row up.
        parish_counts = (
            GoalParish.objects.in_scope(**scope_arguments(scope))
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
                {"place": canton, **by_canton.get(canton.pk, {"named": 0, "collective": 0})}
                for canton in cantons
            ]
            return render_scoped(request, "metas/parish_list.html", context, scope)
        canton = cantons[0] if cantons else None
        parishes = Parish.objects.filter(canton=canton).order_by("code", "pk")
        council_counts = dict(
            GoalNeighbourhood.objects.in_scope(**scope_arguments(scope))
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
    return render_scoped(request, "metas/parish_list.html", context, scope)


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
        arguments = scope_arguments(scope)
        if is_parish:
            tags = GoalParish.objects.in_scope(**arguments).filter(parish=place)
            kind = F("via_coverage")
        else:
            tags = GoalNeighbourhood.objects.in_scope(**arguments).filter(neighbourhood=place)
            kind = Value(False)  # a council is only ever named
        counts, first = _first_tags(tags, collective=kind)
        if is_parish:
            context["institutions"] = institution_goals(arguments, Q(parish=place))
        if is_parish:
            context["summary_text"] = summaries.parish_summary(place, **arguments)
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
    return render_scoped(request, "metas/parish_detail.html", context, scope)


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
