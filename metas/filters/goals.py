"""The goal list's filters, shared by /metas/ and the /metas.csv and /metas.json exports.

Every GET parameter is a filter declared here, so one URL means the same goals on the page and
in both exports::

    goals = GoalFilter(request.GET)          # or GoalFilter(request.GET, queryset=...)
    if goals.is_valid():
        rows = goals.qs                      # filtered, ordered, rows' relations joined
    goals.applied()                          # {"parroquia": "vilcabamba", ...} for JSON
    goals.chips(request.path)                # what the page shows as removable chips

Without `periodo` the list holds each institution's latest report; `periodo=todos` holds every
period. Here are the filters and how each filters; what the page says about them and their one
URL are CanonicalLinks (links.py), their counts Facets (facets.py), the form's selects
NarrowedChoices (narrowing.py).
"""
from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..accountability import freshness, pace, reasons
from ..models import (
    PROGRESS_BANDS,
    Canton,
    Goal,
    GoalCanton,
    GoalParish,
    Institution,
    Neighbourhood,
    Parish,
    ProcessLevel,
    Province,
    Unit,
)
from ..presentation.widgets import QuickCheckbox, QuickSearchInput, QuickSelect
from ..search import search
from .facets import Facets
from .fields import (
    ALL_PERIODS,
    DEFAULT_ORDER,
    FORM_ID,
    ORDER_CHOICES,
    ORDERINGS,
    PeriodFilter,
    ReusedDeclarations,
    SlugChoiceFilter,
    stalled_choices,
)
from .links import CanonicalLinks
from .narrowing import NarrowedChoices


def public_goals():
    """Goals with what a list row shows (report, institution, unit, its parent and level)."""
    return Goal.objects.published().select_related(
        "report__institution", "unit__parent", "unit__level"
    )


# What a row of the goal list reads (metas_tags.goal_row, with its pace and reason badges).
# Rows are built as models, five a goal, and every column read is an attribute set on them:
# the others, left unread, were half the cost of a page's rows.
LIST_ROW_FIELDS = (
    "objective", "progress", "status", "lacks_financing", "reason", "reason_words", "note",
    "months_unchanged", "report", "report__period", "report__institution",
    "report__institution__name", "unit", "unit__published_name", "unit__level",
    "unit__level__name",
)


def list_rows(goals):
    """`goals` (public_goals(), filtered) as the goal list's rows read them."""
    return goals.select_related(None).select_related(
        "report__institution", "unit__level"
    ).only(*LIST_ROW_FIELDS)


def _percent_field_kwargs():
    return {"min_value": 0, "max_value": 100, "decimal_places": 2}


class GoalFilter(CanonicalLinks, Facets, NarrowedChoices, ReusedDeclarations):
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=200,
        widget=QuickSearchInput,
        help_text=_(
            "Looks in the objective, indicator, target, unit and level. Each word is found "
            "at the start of a word; accents and capitals do not matter."
        ),
    )
    institucion = SlugChoiceFilter(
        field_name="report__institution",
        queryset=Institution.objects.all(),
        label=_("Institution"),
        empty_label=_("All institutions"),
        unknown=_("There is no institution “%(value)s”."),
    )
    periodo = PeriodFilter(label=_("Period"))
    nivel = SlugChoiceFilter(
        field_name="unit__level",
        queryset=ProcessLevel.objects.select_related("institution"),
        label=_("Process level"),
        empty_label=_("All levels"),
        unknown=_("There is no process level “%(value)s”."),
    )
    unidad = SlugChoiceFilter(
        method="filter_unit",
        queryset=Unit.objects.select_related("institution"),
        label=_("Unit"),
        empty_label=_("All units"),
        unknown=_("There is no unit “%(value)s”."),
        help_text=_("A unit includes its sub-units."),
    )
    avance = django_filters.ChoiceFilter(
        method="filter_band",
        widget=QuickSelect,
        choices=[(band.slug, band.label) for band in PROGRESS_BANDS],
        label=_("Progress"),
        empty_label=_("Any progress"),
        error_messages={
            "invalid_choice": _("“%(value)s” is not a progress band; choose one from the list.")
        },
    )
    avance_min = django_filters.NumberFilter(
        field_name="progress", lookup_expr="gte", label=_("Progress from (%)"),
        **_percent_field_kwargs(),
    )
    avance_max = django_filters.NumberFilter(
        field_name="progress", lookup_expr="lte", label=_("Progress up to (%)"),
        **_percent_field_kwargs(),
    )
    provincia = SlugChoiceFilter(
        method="filter_territory",
        queryset=Province.objects.all(),
        label=_("Province"),
        empty_label=_("All provinces"),
        unknown=_("There is no province “%(value)s”."),
        help_text=_("Goals that name one of its cantons or parishes."),
    )
    canton = SlugChoiceFilter(
        method="filter_territory",
        queryset=Canton.objects.all(),
        label=_("Canton"),
        empty_label=_("All cantons"),
        unknown=_("There is no canton “%(value)s”."),
        help_text=_("Goals that name it or one of its parishes."),
    )
    parroquia = SlugChoiceFilter(
        method="filter_parish",
        queryset=Parish.objects.all(),
        label=_("Parish"),
        empty_label=_("All parishes"),
        unknown=_("There is no parish “%(value)s”."),
        help_text=_("The goals whose objective names the parish."),
    )
    colectivas = django_filters.BooleanFilter(
        method="filter_collective",
        label=_("Also goals for all its urban or rural parishes together"),
        widget=QuickCheckbox(attrs={"value": "1"}),
    )
    jdb = SlugChoiceFilter(
        field_name="neighbourhoods",
        queryset=Neighbourhood.objects.all(),
        label=_("Neighbourhood council (JDB)"),
        empty_label=_("All councils"),
        unknown=_("There is no neighbourhood council “%(value)s”."),
    )
    sin_financiamiento = django_filters.BooleanFilter(
        method="filter_lacking_financing",
        label=_("Only goals lacking financing"),
        widget=QuickCheckbox(attrs={"value": "1"}),
    )
    estancada = django_filters.ChoiceFilter(
        method="filter_stalled",
        widget=QuickSelect,
        choices=stalled_choices,
        label=_("Without progress for"),
        empty_label=_("Any time"),
        help_text=_("Months in a row with the same progress, counted up to each report."),
        error_messages={
            "invalid_choice": _("“%(value)s” is not a number of months from 2 to 12.")
        },
    )
    cambio = django_filters.ChoiceFilter(
        field_name="change",
        widget=QuickSelect,
        choices=Goal.Change.choices,
        label=_("Change since the previous report"),
        empty_label=_("Any change"),
        error_messages={
            "invalid_choice": _("“%(value)s” is not a change; choose one from the list.")
        },
    )
    ritmo = django_filters.ChoiceFilter(
        method="filter_pace",
        widget=QuickSelect,
        choices=pace.FILTER_CHOICES,
        label=_("Pace"),
        empty_label=_("Any pace"),
        help_text=_("Against the share of the year gone by (see the methodology)."),
        error_messages={
            "invalid_choice": _("“%(value)s” is not a pace; choose one from the list.")
        },
    )
    motivo = django_filters.ChoiceFilter(
        method="filter_reason",
        widget=QuickSelect,
        choices=reasons.FILTER_CHOICES,
        label=_("Why it does not progress"),
        empty_label=_("Any reason"),
        error_messages={
            "invalid_choice": _("“%(value)s” is not a reason; choose one from the list.")
        },
    )
    vigencia = django_filters.ChoiceFilter(
        method="filter_freshness",
        widget=QuickSelect,
        choices=freshness.FILTER_CHOICES,
        label=_("Report content"),
        empty_label=_("Changed or not"),
        error_messages={
            "invalid_choice": _("“%(value)s” is not a choice of the list; choose one from it.")
        },
    )
    orden = django_filters.ChoiceFilter(
        method="filter_order",
        widget=QuickSelect,
        choices=ORDER_CHOICES,
        label=_("Order"),
        empty_label=None,
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a way to order the list; choose one from the list."
            )
        },
    )

    class Meta:
        model = Goal
        fields = []  # every filter is declared above

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = public_goals()
        super().__init__(data, queryset, **kwargs)
        self.form.label_suffix = ""
        for field in self.form.fields.values():
            # The fields sit beside the search box's form, and belong to it (HTML's form=).
            field.widget.attrs["form"] = FORM_ID
        self.institution_in_scope = None

    # --- Filtering ----------------------------------------------------------------------

    def spans_several_reports(self) -> bool:
        """Whether the list may mix institutions or periods (call narrow_choices() first)."""
        data = self.form.cleaned_data if self.is_valid() else {}
        return data.get("periodo") == ALL_PERIODS or self.institution_in_scope is None

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        queryset = super().filter_queryset(queryset)
        queryset = self.filter_reports(queryset, data)
        if not data.get("orden"):
            # A search lists the best matches first (metas.search's rank).
            relevance = ("rank",) if data.get("q") else ()
            queryset = queryset.order_by(*relevance, *ORDERINGS[DEFAULT_ORDER])
        return queryset

    def named_institution(self):
        """The one institution the valid filters name (see _institution_named)."""
        return _institution_named(self.form.cleaned_data)

    def filter_reports(self, queryset, data):
        """The default scope (each institution's latest report) or the chosen period, through
        the one institution the filters name, if any (Goal.objects.in_scope)."""
        return queryset.in_scope(_institution_named(data), data.get("periodo") or None)

    def filter_territory(self, queryset, name, place):
        """Goals tagged with a parish of the province or canton (named or covered) or with the
        canton (a provincial government's goals)."""
        within = "canton__province" if name == "provincia" else "canton"
        parishes = GoalParish.objects.filter(**{f"parish__{within}": place})
        cantons = GoalCanton.objects.filter(
            **({"canton__province": place} if name == "provincia" else {"canton": place})
        )
        return queryset.filter(
            Q(pk__in=parishes.values("goal_id")) | Q(pk__in=cantons.values("goal_id"))
        )

    def filter_parish(self, queryset, name, parish):
        """Goals that name the parish; with `colectivas`, also those written for "the urban (or
        rural) parishes", which cover it without naming it."""
        tags = GoalParish.objects.filter(parish=parish)
        if not self.form.cleaned_data.get("colectivas"):
            tags = tags.filter(via_coverage=False)
        return queryset.filter(pk__in=tags.values("goal_id"))

    def filter_collective(self, queryset, name, value):
        return queryset  # read by filter_parish

    def filter_unit(self, queryset, name, unit):
        return queryset.filter(unit__in=Unit.objects.with_descendants(unit))

    def filter_band(self, queryset, name, slug):
        return queryset.in_band(slug)

    def filter_lacking_financing(self, queryset, name, value):
        return queryset.filter(lacks_financing=True) if value else queryset

    def filter_search(self, queryset, name, value):
        return search(queryset, value)

    def filter_stalled(self, queryset, name, value):
        return queryset.filter(pace.stalled_for(int(value)))

    def filter_pace(self, queryset, name, value):
        return queryset.filter(pace.condition(value))

    def filter_reason(self, queryset, name, value):
        return queryset.filter(reasons.condition(value))

    def filter_freshness(self, queryset, name, value):
        return queryset.filter(freshness.condition(value))

    def filter_order(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])

def _institution_named(data):
    """The pk of the institution the valid filters name, directly or through a level or unit;
    None when they name none, or disagree (the list is then empty anyway)."""
    named = set()
    if data.get("institucion"):
        named.add(data["institucion"].pk)
    for name in ("nivel", "unidad"):
        if data.get(name):
            named.add(data[name].institution_id)
    return named.pop() if len(named) == 1 else None
