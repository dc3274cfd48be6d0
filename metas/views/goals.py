"""/metas/: the goal list, and a goal's pages (/metas/<id>/ and its permanent address).

Every page runs a fixed number of queries whatever the number of goals: figures are
aggregated in the database and lists are paginated.
"""
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import periods
from ..filters import PAGE, GoalFilter, list_rows, public_goals
from ..http.caching import institution_by_slug, publication_scope, whole_site
from ..models import Goal, GoalParish, ReplacedGoal, Report
from ..presentation.charts import Bar, bar_chart
from ..presentation.numbers import percent_text
from ..search import broad, words

PAGE_SIZE = 50


@publication_scope(whole_site)
def goal_list(request):
    """The filtered list. Invalid filters show their message, no goals, and answer 400; a
    query written another way (empty fields, another order, `page`) is sent to its one URL."""
    goal_filter = GoalFilter(request.GET)
    page_number_given = request.GET.get(PAGE) or request.GET.get("page")
    canonical = goal_filter.canonical_query(page_number_given)
    if canonical != parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True):
        query = urlencode(canonical)
        return redirect(f"{request.path}?{query}" if query else request.path)
    valid = goal_filter.is_valid()
    # The whole site's version, read by the page cache (None for signed-in staff).
    goal_filter.narrow_choices(getattr(request, "publication_version", None))
    context = {
        "filter": goal_filter,
        "form": goal_filter.form,
        "page_obj": None,
        "goals": [],
        "chips": goal_filter.chips(request.path),
        "error_fields": [field for field in goal_filter.form if field.errors],
        "show_report": goal_filter.spans_several_reports(),
        "search_terms": [],
    }
    if valid:
        data = goal_filter.form.cleaned_data
        goals = goal_filter.qs
        newest_first = broad(goals, data["q"]) if data.get("q") else None
        if newest_first is None:
            facets = goal_filter.facets(goals, request.path)
            count = goal_filter.listed_count
        else:  # too many matches to rank and count: metas.search.broad
            goals = goals if data.get("orden") else newest_first
            facets, count = [], settings.METAS_BROAD_SEARCH
        page_obj = goals_page(goals, page_number_given, searching=bool(data.get("q")),
                              count=count)
        context.update(
            page_obj=page_obj,
            goals=with_parish_relation(page_obj.object_list, data.get("parroquia")),
            search_terms=words(data.get("q", "")),
            parish_chosen=data.get("parroquia"),
            broad_search=count if newest_first is not None else None,
            facets=facets,
            **scope_statement(goal_filter, request.path),
            **list_links(goal_filter, page_obj),
        )
    return render(request, "metas/goal_list.html", context, status=200 if valid else 400)


def list_links(goal_filter, page_obj) -> dict:
    """The list's other pages and its downloads, with the same filters."""
    path = reverse("metas:goal-list")

    def page_url(number):
        url = goal_filter.url(path)
        return f"{url}{'&' if '?' in url else '?'}{PAGE}={number}" if number > 1 else url

    return {
        "previous_url": page_url(page_obj.number - 1) if page_obj.has_previous() else "",
        "next_url": page_url(page_obj.number + 1) if page_obj.has_next() else "",
        "csv_url": goal_filter.url(reverse("metas:goal-export-csv")),
        "json_url": goal_filter.url(reverse("metas:goal-export-json")),
        "feed_url": goal_filter.url(reverse("metas:goal-changes-feed"), orden=None),
    }


def with_parish_relation(goals: list, parish) -> list:
    """With a parish chosen, each goal says whether it names it or covers it among "the urban
    (or rural) parishes": `goal.names_parish`."""
    if parish is None:
        return goals
    covered = set(
        GoalParish.objects.filter(goal__in=goals, parish=parish, via_coverage=True)
        .values_list("goal_id", flat=True)
    )
    for goal in goals:
        goal.names_parish = goal.pk not in covered
    return goals


def scope_statement(goal_filter, path) -> dict:
    """Which reports a list without `periodo` shows (each institution's latest, which change
    every month) and, when they are all of one month, the same list pinned to it."""
    data = goal_filter.form.cleaned_data
    if data.get("periodo"):
        return {}
    institution = goal_filter.institution_in_scope
    months = sorted(set(
        Report.objects.in_scope(institution).order_by().values_list("period", flat=True)
    ))
    if not months:
        return {}
    return {
        "latest_months": (months[0], months[-1]),
        "pinned_url": goal_filter.url(path, periodo=periods.slug(months[0]))
        if len(months) == 1 else "",
    }


def goals_page(goals, number, *, searching=False, count=None):
    """One page of `goals` (a queryset of public_goals(), ordered), whole even while an import
    replaces goals (a second query could miss rows the first one saw).

    The page's ids are sorted alone, in a subquery (sorting thousands of goals with their joined
    unit, level and texts to keep fifty is what made the list slow), and the outer query joins
    the fifty rows; a search reads its ids first (_searched_rows). `count`: the number of goals,
    when the facets counted it (else the paginator counts them).
    """
    number = page_number(number)
    short = count is not None and count <= SORTED_WHOLE
    if short and connections[goals.db].vendor == "postgresql":
        goals = _sorted_whole(goals)
    paginator = Paginator(goals.values_list("pk", flat=True), PAGE_SIZE)
    if count is not None:
        paginator.count = count  # counted with the facets (a cached property)
    page = paginator.get_page(number)
    rows = list_rows(goals.filter(pk__in=page.object_list))
    page.object_list = _searched_rows(page.object_list, rows) if searching else list(rows)
    return page


# A list of at most this many goals is sorted whole (_sorted_whole).
SORTED_WHOLE = 5_000
INSTITUTION_NAME = "report__institution__name"


def _sorted_whole(goals):
    """`goals` in the same order, the institution's name given as an expression, not as the
    column: PostgreSQL then sorts the list itself rather than walking the country's institutions
    in the order of their name's index until a page is found, which for the goals of a few
    institutions (a parish's) scans the list once for each institution (285 ms a page at 1,000
    institutions, against 15 sorted). A long list keeps the walk: it stops within a page.
    PostgreSQL only: SQLite sorts such a list itself, and sorted it slower given the expression."""
    name = Concat(F(INSTITUTION_NAME), Value(""), output_field=CharField())
    return goals.order_by(*(name if term == INSTITUTION_NAME else term
                            for term in goals.query.order_by))


def _searched_rows(page_ids, rows) -> list:
    """A search's page read as its ids, ranked, then their rows by id, in that order.

    Reading the rows in the same query as the ids would join the full-text index again, and
    SQLite then reads every match a second time (a third of a broad search's time). Should an
    import replace one of the goals between the two queries, both are read once more, then in
    one query, so that a page is always whole.
    """
    for _attempt in range(2):
        ids = list(page_ids.all())
        found = list_rows(public_goals()).in_bulk(ids)
        if len(found) == len(ids):
            return [found[pk] for pk in ids]
    return list(rows)


# Far beyond any list, and small enough for every database's OFFSET.
MAX_PAGE = 1_000_000


def page_number(value) -> int:
    """?page= as a page number: 1 for anything that is not a number, at most MAX_PAGE (the
    paginator then shows the last page)."""
    try:
        number = int(str(value)[:20])
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


@publication_scope(lambda request, pk: {"reports__goals__pk": pk})
def goal_detail(request, pk):
    goal = public_goals().select_related("source_file").filter(pk=pk).first()
    if goal is None:
        # A goal its month's re-import replaced: its address leads to the goal that took its place.
        successor = ReplacedGoal.objects.successor(pk)
        if successor is None:
            raise Http404(_("There is no goal with this address."))
        return HttpResponsePermanentRedirect(successor.get_absolute_url())
    return _goal_page(request, goal)


@publication_scope(institution_by_slug)
def goal_series(request, slug, series):
    """/<institution>/metas/<series>/: the goal's permanent address, its latest report's page
    with the whole history; it survives re-imports (series ids are stable, history.py)."""
    goal = (
        public_goals().select_related("source_file")
        .filter(series=series, report__institution__slug=slug)
        .order_by("-report__period")
        .first()
    )
    if goal is None:
        raise Http404(_("There is no goal with this address."))
    return _goal_page(request, goal, series_page=True)


def _goal_page(request, goal, series_page=False):
    parish_tags = goal.parish_tags.select_related("parish").order_by("parish__kind", "parish__name")
    neighbourhood_tags = goal.neighbourhood_tags.select_related("neighbourhood").order_by(
        "neighbourhood__name"
    )
    history = goal_history(goal)
    return render(
        request,
        "metas/goal_detail.html",
        {
            "goal": goal,
            "report": goal.report,
            "parish_tags": list(parish_tags),
            "neighbourhood_tags": list(neighbourhood_tags),
            "canton_tags": list(goal.canton_tags.select_related("canton").order_by("canton__name")),
            "history": history,
            "newest": history.months[-1] if history.months[-1].pk != goal.pk else None,
            "series_page": series_page,
            "series_url": request.build_absolute_uri(goal.get_series_url()),
        },
    )


@dataclass
class GoalHistory:
    months: list[Goal]  # the goal in each report, oldest first, with `report` loaded
    chart: dict
    unchanged_since: date | None  # first month of the progress it still shows

    @property
    def has_several_months(self) -> bool:
        return len(self.months) > 1


def goal_history(goal: Goal) -> GoalHistory:
    """The goal's value in every report of its institution (one query), as a chart."""
    if goal.series is None:
        months = [goal]
    else:
        months = list(
            Goal.objects.published()
            .filter(series=goal.series, report__institution=goal.report.institution_id)
            .select_related("report")
            .only("progress", "status", "change", "months_unchanged", "report__period",
                  "report__institution_id")
            .order_by("report__period")
        )
    chart = bar_chart(
        [
            Bar(periods.title(month.report.period), month.progress, _progress_text(month))
            for month in months
        ],
        maximum=100,
        title=_("Progress of this goal in each report"),
        chart_id=f"historia-{goal.pk}",
    )
    unchanged_since = None
    if goal.change == Goal.Change.SAME and goal.months_unchanged:
        unchanged_since = periods.shift(goal.report.period, -goal.months_unchanged)
    return GoalHistory(months=months, chart=chart, unchanged_since=unchanged_since)


def _progress_text(goal: Goal) -> str:
    if goal.progress is not None:
        return percent_text(goal.progress)
    return Goal.Status(goal.status).label if goal.status in Goal.Status.values else goal.status
