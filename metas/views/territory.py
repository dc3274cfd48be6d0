"""/territorio/<provincia>/ and /territorio/<provincia>/<canton>/: the goals of every
institution that names the place, grouped by institution, with counts and averages.

The scope is /metas/'s (`institucion`, `periodo`; by default each institution's latest report,
through the tag querysets' in_scope). A goal "names" a province or canton when it is tagged
with the canton or one of its parishes; goals that only cover them as "the rural (or urban)
parishes" are counted apart. A fixed number of queries, whatever the data.
"""
from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from ..http.caching import publication_scope, whole_site
from ..models import (
    Canton,
    GoalCanton,
    GoalNeighbourhood,
    GoalParish,
    Institution,
    Parish,
    Province,
)
from .scope import (
    goal_scope,
    institution_goals,
    parish_rows,
    render_scoped,
    scope_arguments,
)


def parish_counts(scope: dict, parishes: Q) -> tuple[dict, dict]:
    """({parish pk: goals naming it}, {parish pk: goals covering it}) in scope; one query."""
    named, collective = {}, {}
    rows = (
        GoalParish.objects.in_scope(**scope).filter(parishes)
        .values("via_coverage", "parish_id")
        .annotate(goal_count=Count("goal_id"))
        .order_by()
    )
    for row in rows:
        (collective if row["via_coverage"] else named)[row["parish_id"]] = row["goal_count"]
    return named, collective


@publication_scope(whole_site)
def province_detail(request, provincia):
    province = get_object_or_404(Province, slug=provincia)
    scope = goal_scope(request)
    context = {"place": province, "province": province}
    if scope.is_valid():
        arguments = scope_arguments(scope)
        in_province = Q(parish__canton__province=province)
        by_canton = {}
        for row in (
            GoalParish.objects.in_scope(**arguments).filter(in_province)
            .values("parish__canton", "via_coverage")
            .annotate(goals=Count("goal_id", distinct=True))
            .order_by()
        ):
            kind = "collective" if row["via_coverage"] else "named"
            by_canton.setdefault(row["parish__canton"], {})[kind] = row["goals"]
        for row in (
            GoalCanton.objects.in_scope(**arguments).filter(canton__province=province)
            .values("canton").annotate(goals=Count("goal_id")).order_by()
        ):
            by_canton.setdefault(row["canton"], {})["own"] = row["goals"]
        context["cantons"] = [
            {"place": canton, "own": 0, "named": 0, "collective": 0,
             **by_canton.get(canton.pk, {})}
            for canton in province.cantons.order_by("name")
        ]
        context["institutions"] = institution_goals(
            arguments, in_province, Q(canton__province=province)
        )
    return render_scoped(request, "metas/province_detail.html", context, scope)


@publication_scope(whole_site)
def canton_detail(request, provincia, canton):
    canton = get_object_or_404(
        Canton.objects.select_related("province"), slug=canton, province__slug=provincia
    )
    scope = goal_scope(request)
    context = {"place": canton, "canton": canton, "province": canton.province}
    if scope.is_valid():
        arguments = scope_arguments(scope)
        in_canton = Q(parish__canton=canton)
        named, collective = parish_counts(arguments, in_canton)
        context.update(parish_rows(
            Parish.objects.filter(canton=canton).order_by("code", "pk"), named, collective
        ))
        context["canton_goals"] = (
            GoalCanton.objects.in_scope(**arguments).filter(canton=canton).count()
        )
        councils = list(canton.neighbourhoods.all())
        if councils:
            counts = dict(
                GoalNeighbourhood.objects.in_scope(**arguments)
                .filter(neighbourhood__canton=canton)
                .values("neighbourhood_id").annotate(goal_count=Count("goal_id")).order_by()
                .values_list("neighbourhood_id", "goal_count")
            )
            context["councils"] = [
                {"council": c, "named": counts.get(c.pk, 0)} for c in councils
            ]
        context["institutions"] = institution_goals(arguments, in_canton, Q(canton=canton))
        context["based_here"] = list(
            Institution.objects.filter(Q(canton=canton) | Q(parish__canton=canton))
            .select_related("parish").order_by("name")
        )
    return render_scoped(request, "metas/canton_detail.html", context, scope)
