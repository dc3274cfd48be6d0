"""Atom feeds of the goals that moved, so a journalist can follow an institution or a parish
without an account:

- /<institution-slug>/cambios.atom: every goal of the institution that went up, went down or
  appeared, newest report first;
- /metas.atom?<filters of /metas/>: the same for any selection of the goal list, e.g.
  /metas.atom?parroquia=malacatos (without `periodo`, each institution's latest report).

Each entry is one goal in one report; its id is derived from the goal's series and the period,
and its link is the series' permanent page, so both stay the same when a month is re-imported. Feeds, like every public page, set no cookie.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .. import periods
from ..filters import GoalFilter
from ..http.caching import institution_by_slug, whole_site
from ..models import Goal, Institution
from ..presentation.numbers import percent_text
from ..text import without_controls

CHANGED = [Goal.Change.UP, Goal.Change.DOWN, Goal.Change.NEW]
FEED_SIZE = 200
TITLE_WORDS = 16


class PrintableAtom1Feed(Atom1Feed):
    """An Atom feed that stays valid XML 1.0 whatever the imported text holds: control
    characters (which XML forbids, and Django refuses with an error) become spaces."""

    def write(self, outfile, encoding):
        self.feed = _printable(self.feed)
        self.items = [_printable(item) for item in self.items]
        super().write(outfile, encoding)


def _printable(fields: dict) -> dict:
    def clean(value):
        if isinstance(value, str):
            return without_controls(value)
        if isinstance(value, (list, tuple)):
            return type(value)(clean(item) for item in value)
        return value

    return {name: clean(value) for name, value in fields.items()}


@dataclass(frozen=True)
class Scope:
    """What one feed covers."""

    title: str
    subtitle: str
    link: str  # the HTML page of the same selection
    goals: QuerySet


def changed_goals() -> QuerySet:
    return Goal.objects.published().filter(change__in=CHANGED).select_related(
        "report__institution", "unit", "previous__report"
    )


def newest_first(goals: QuerySet) -> QuerySet:
    return goals.order_by("-report__period", "report__institution__name", "position")[:FEED_SIZE]


class ChangesFeed(Feed):
    feed_type = PrintableAtom1Feed

    def title(self, scope):
        return scope.title

    def subtitle(self, scope):
        return scope.subtitle

    def link(self, scope):
        return scope.link

    def author_name(self, scope):
        return _("Transparencia Metas")

    def items(self, scope):
        return newest_first(scope.goals)

    def item_title(self, goal):
        return f"{change_phrase(goal)}: {Truncator(goal.objective).words(TITLE_WORDS)}"

    def item_description(self, goal):
        # Atom readers render the summary as HTML: imported text must be escaped.
        report = goal.report
        return format_html(
            "<p>{}</p><p>{}</p><p>{} · {}, {}</p>",
            goal.objective,
            change_sentence(goal),
            f"{goal.unit.code} {goal.unit.published_name}".strip(),
            report.institution.name,
            periods.label(report.period),
        )

    def item_link(self, goal):
        return goal.get_series_url()  # the goal's permanent address, whatever month is latest

    def item_guid(self, goal):
        if goal.series is None:
            return None  # Django then derives a tag: URI from the link
        return f"urn:uuid:{uuid.uuid5(goal.series, goal.report.period_slug)}"

    item_guid_is_permalink = False

    def item_updateddate(self, goal):
        return goal.report.imported_at

    def item_pubdate(self, goal):
        return goal.report.imported_at


class InstitutionChangesFeed(ChangesFeed):
    """/<institution-slug>/cambios.atom"""

    publication_scope = staticmethod(institution_by_slug)

    def get_object(self, request, slug):
        institution = get_object_or_404(Institution, slug=slug)
        return Scope(
            title=_("Goals that changed: %(institution)s") % {"institution": institution.name},
            subtitle=_(
                "Goals whose progress went up or down, and new goals, in each monthly report "
                "of %(institution)s."
            )
            % {"institution": institution.name},
            link=institution.get_absolute_url(),
            goals=changed_goals().in_scope(institution, periods.ALL),
        )


class GoalListChangesFeed(ChangesFeed):
    """/metas.atom?<the filters of /metas/>"""

    publication_scope = staticmethod(whole_site)

    def __call__(self, request, *args, **kwargs):
        if not GoalFilter(request.GET, queryset=Goal.objects.none()).is_valid():
            return HttpResponseBadRequest(
                _("The filters of this address are not valid. Open the goal list, choose the "
                  "filters there and follow its feed link."),
                content_type="text/plain; charset=utf-8",
            )
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request):
        filterset = GoalFilter(request.GET, queryset=changed_goals())
        filterset.is_valid()
        chips = filterset.chips(reverse("metas:goal-list"))
        selection = "; ".join(f"{chip['label']}: {chip['value']}" for chip in chips)
        query = request.GET.urlencode()
        return Scope(
            title=(
                _("Goals that changed: %(selection)s") % {"selection": selection}
                if selection
                else _("Goals that changed")
            ),
            subtitle=_(
                "Goals of the selection whose progress went up or down, and new goals."
            ),
            link=reverse("metas:goal-list") + (f"?{query}" if query else ""),
            goals=filterset.qs,
        )


def change_phrase(goal) -> str:
    """ "Sube de 20 % a 45 %", "Baja de 50 % a 40 %", "Meta nueva (10 %)"."""
    values = {"before": percent_text(goal.previous_progress), "after": percent_text(goal.progress)}
    if goal.change == Goal.Change.UP:
        return _("Up from %(before)s to %(after)s") % values
    if goal.change == Goal.Change.DOWN:
        return _("Down from %(before)s to %(after)s") % values
    if goal.progress is not None:
        return _("New goal (%(after)s)") % values
    return _("New goal")


def change_sentence(goal) -> str:
    """The change with both months named, for the entry's summary."""
    if goal.change in (Goal.Change.UP, Goal.Change.DOWN) and goal.previous_id:
        return _("Progress %(before)s in %(before_month)s, %(after)s in %(after_month)s.") % {
            "before": percent_text(goal.previous_progress),
            "before_month": periods.label(goal.previous.report.period),
            "after": percent_text(goal.progress),
            "after_month": periods.label(goal.report.period),
        }
    month = periods.label(goal.report.period)
    return _("New goal in the report of %(month)s.") % {"month": month}
