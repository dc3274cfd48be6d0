"""What the place pages (/unidades/, /parroquias/, /territorio/) share: their scope, the
`institucion` and `periodo` of /metas/ (by default each institution's latest report), and the
tables of a place's goals they all draw."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Q
from django.http import QueryDict
from django.shortcuts import render

from .. import periods
from ..filters import GoalFilter
from ..models import Goal, GoalCanton, GoalParish, Institution, Parish, Report

SCOPE_PARAMETERS = ("institucion", "periodo")


def goal_scope(request):
    """A GoalFilter over only `institucion` and `periodo` of the request: checks them with the
    same rules and messages as /metas/."""
    data = QueryDict(mutable=True)
    for name in SCOPE_PARAMETERS:
        if request.GET.get(name):
            data[name] = request.GET[name]
    return GoalFilter(data, queryset=Goal.objects.all())


def scope_arguments(scope) -> dict:
    """The arguments of Goal.objects.in_scope() (and its siblings) a valid scope gives."""
    data = scope.form.cleaned_data
    return {"institution": data.get("institucion"), "period": data.get("periodo") or None}


def scope_context(request, scope):
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


def render_scoped(request, template, context, scope):
    """The page with its scope form; 400 when the scope is not valid (the form says why)."""
    status = 200 if scope.is_valid() else 400
    return render(request, template, {**scope_context(request, scope), **context}, status=status)


@dataclass
class InstitutionGoals:
    """One institution's goals that name a place, and those that only cover it."""

    institution: Institution
    named: int
    collective: int
    average: Decimal | None

    @property
    def total(self) -> int:
        return self.named + self.collective


def institution_goals(scope: dict, parishes: Q, cantons: Q | None = None) -> list:
    """Per institution, its goals in scope tagged with a parish matching `parishes` (named,
    or covered collectively) or with a canton matching `cantons`; one query."""
    tags = GoalParish.objects.in_scope(**scope).filter(parishes)
    named = Q(pk__in=tags.filter(via_coverage=False).values("goal_id"))
    if cantons is not None:
        named |= Q(pk__in=GoalCanton.objects.in_scope(**scope).filter(cantons).values("goal_id"))
    every = named | Q(pk__in=tags.filter(via_coverage=True).values("goal_id"))
    rows = (
        Goal.objects.filter(every)
        .order_by()
        .values("report__institution")
        .annotate(total=Count("pk"), named=Count("pk", filter=named), average=Avg("progress"))
    )
    figures = {row["report__institution"]: row for row in rows}
    institutions = Institution.objects.filter(pk__in=figures).select_related(
        "province", "canton__province", "parish__canton__province"
    )
    return [
        InstitutionGoals(
            institution,
            figures[institution.pk]["named"],
            figures[institution.pk]["total"] - figures[institution.pk]["named"],
            figures[institution.pk]["average"],
        )
        for institution in institutions.order_by("name")
    ]


def parish_rows(parishes, named: dict, collective: dict) -> dict[str, list]:
    """The tables of a canton's parishes: urban (its seat where it has no urban parish) and
    rural, each row {place: the parish, named, collective}."""
    parishes = list(parishes)
    has_urban = any(p.kind == Parish.Kind.URBAN for p in parishes)
    rows = {"urban": [], "rural": []}
    for parish in parishes:
        if parish.kind == Parish.Kind.SEAT and has_urban:
            continue  # the sum of its urban parishes
        table = "rural" if parish.kind == Parish.Kind.RURAL else "urban"
        rows[table].append({
            "place": parish,
            "named": named.get(parish.pk, 0),
            "collective": collective.get(parish.pk, 0),
        })
    return rows
