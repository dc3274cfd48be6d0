"""The goal list's filters, shared by /metas/ and the /metas.csv and /metas.json exports.

Every GET parameter is a filter declared here, so one URL means the same goals on the page and
in both exports::

    goals = GoalFilter(request.GET)          # or GoalFilter(request.GET, queryset=...)
    if goals.is_valid():
        rows = goals.qs                      # filtered, ordered, rows' relations joined
    goals.applied()                          # {"parroquia": "vilcabamba", ...} for JSON
    goals.chips(request.path)                # what the page shows as removable chips

Without `periodo` the list holds each institution's latest report; `periodo=todos` holds every
period.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .. import periods
from ..accountability import freshness, pace, reasons
from ..models import (
    BANDS_BY_SLUG,
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
from ..presentation.numbers import percent_text, plain
from ..presentation.widgets import QuickSelect
from ..search import search
from .fields import (
    ALL_PERIODS,
    DEFAULT_ORDER,
    FORM_ID,
    ORDER_CHOICES,
    ORDERINGS,
    PAGE,
    PeriodField,
    PeriodFilter,
    SlugChoiceFilter,
    stalled_choices,
    stalled_label,
)


def public_goals():
    """Goals with what a list row shows (report, institution, unit, its parent and level)."""
    return Goal.objects.published().select_related(
        "report__institution", "unit__parent", "unit__level"
    )


# Values shown per facet (the most frequent first).
FACET_SIZE = 8
# The facets whose values are conditions, all counted in one query: (value, label, condition);
# "sin_financiamiento" is shown with the progress.
COUNTED_FACETS = {
    "avance": [(band.slug, band.label, band.condition) for band in PROGRESS_BANDS],
    "sin_financiamiento": [("1", _("Lacking financing"), Q(lacks_financing=True))],
    "ritmo": [(value, label, pace.condition(value)) for value, label in pace.FILTER_CHOICES],
    "motivo": [
        (value, label, reasons.condition(value)) for value, label in reasons.FILTER_CHOICES
    ],
}


def _percent_field_kwargs():
    return {"min_value": 0, "max_value": 100, "decimal_places": 2}


class GoalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=200,
        widget=forms.SearchInput,
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
        widget=forms.CheckboxInput(attrs={"value": "1"}),
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
        widget=forms.CheckboxInput(attrs={"value": "1"}),
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

    # --- What the page and the exports show about the filters ---------------------------

    def _active(self):
        """(name, cleaned value) of each filter that narrows the list, in declared order."""
        if not self.is_bound or not self.is_valid():
            return []
        data = self.form.cleaned_data
        return [
            (name, data[name])
            for name in self.filters
            if name != "orden" and _is_set(data.get(name))
        ]

    def applied(self) -> dict[str, str]:
        """The filters in force as URL values, e.g. {"avance": "0-24", "periodo": "todos"}.

        An absent `periodo` means each institution's latest report; `orden` is left out.
        """
        return {name: _url_value(value) for name, value in self._active()}

    def chips(self, path: str) -> list[dict]:
        """Each active filter as {"label", "value", "remove_url"}: the URL without it."""
        chips = []
        for name, value in self._active():
            if name == "colectivas":
                continue  # part of the parish's chip: it goes with it
            without = [name, "colectivas"] if name == "parroquia" else [name]
            chips.append(
                {
                    "name": name,
                    "label": self.filters[name].label,
                    "value": _display_value(name, value),
                    "remove_url": self.url(path, **dict.fromkeys(without)),
                }
            )
        return chips

    def canonical_query(self, page=None) -> list[tuple[str, str]]:
        """The filters as one way of writing them: in declared order, without empty values or
        the default order, then the page (`pagina`) past the first. Two URLs with the same
        filters are then one URL (one link to share, one cached page)."""
        query = [
            (name, value.strip())
            for name in self.filters
            for value in self.data.getlist(name)
            if value.strip() and not (name == "orden" and value.strip() == DEFAULT_ORDER)
        ]
        number = str(page or "").strip()
        if number and number != "1":
            query.append((PAGE, number))
        return query

    def url(self, path: str, **changes) -> str:
        """`path` with these filters and `changes` (a value, or None to remove it), first page."""
        query = [(name, value) for name, value in self.canonical_query() if name not in changes]
        query += [(name, value) for name, value in changes.items() if value not in (None, "")]
        order = list(self.filters)
        query.sort(key=lambda item: order.index(item[0]) if item[0] in order else len(order))
        return f"{path}?{urlencode(query)}" if query else path

    # --- Facets: how many of the goals listed have each value --------------------------

    def facets(self, goals, path: str) -> list[dict]:
        """Counts per value of the list's main filters among `goals` (this list), each value a
        link that applies it, like Datasette's facets: [{"name", "label", "values": [{"label",
        "count", "url", "selected"}]}]. Two queries (four for one institution), whatever the
        number of goals: every count of a condition in one, the parishes in another."""
        listed = Goal.objects.filter(pk__in=goals.order_by().values("pk"))
        data = self.form.cleaned_data
        totals = listed.count_each({
            (name, value): condition
            for name, values in COUNTED_FACETS.items() for value, _label, condition in values
        })
        facets = []
        for name, values in COUNTED_FACETS.items():
            rows = [(value, label, totals[name, value]) for value, label, _q in values]
            if name == "sin_financiamiento":
                facets[-1]["values"] += self._facet(name, rows, path, "1" if data.get(name)
                                                    else None)["values"]
            else:
                facets.append(self._facet(name, rows, path, data.get(name)))
        if self.institution_in_scope is not None:
            facets.append(self._grouped_facet(
                listed, path, "nivel", "unit__level__slug", "unit__level__name", data))
            facets.append(self._grouped_facet(
                listed, path, "unidad", "unit__slug", "unit__published_name", data))
        parishes = (
            GoalParish.objects.filter(goal__in=listed.values("pk"), via_coverage=False)
            .values("parish__slug", "parish__name")
            .annotate(count=Count("goal_id", distinct=True))
            .order_by("-count", "parish__name")[:FACET_SIZE]
        )
        chosen = data.get("parroquia")
        facets.append(self._facet("parroquia", [
            (row["parish__slug"], row["parish__name"], row["count"]) for row in parishes
        ], path, chosen.slug if chosen else None))
        return [facet for facet in facets if facet["values"]]

    def _grouped_facet(self, listed, path, name, slug_field, label_field, data) -> dict:
        rows = (
            listed.values(slug_field, label_field).annotate(count=Count("pk"))
            .order_by("-count", label_field)[:FACET_SIZE]
        )
        chosen = data.get(name)
        values = [(row[slug_field], row[label_field], row["count"]) for row in rows
                  if row[slug_field]]
        return self._facet(name, values, path, chosen.slug if chosen else None)

    def _facet(self, name, values, path, chosen) -> dict:
        return {
            "name": name,
            "label": self.filters[name].label,
            "values": [
                {"label": label, "count": count, "url": self.url(path, **{name: value}),
                 "selected": value == chosen}
                for value, label, count in values
                if count
            ],
        }

    # --- The form as shown --------------------------------------------------------------

    def narrow_choices(self):
        """Prepare the form to be shown: offer only the chosen institution's levels and units.

        With many institutions those selects would hold thousands of options; until one
        institution is chosen (directly, or through a unit or level in the URL) they offer
        none. Checking still accepts any slug, so shared links keep working.
        """
        # Read the months once: the select would otherwise ask for them twice.
        self.form.fields["periodo"].choices = PeriodField.period_choices()
        self.narrow_places()
        institution = self.institution_in_scope = self.scope_institution()
        for name in ("nivel", "unidad"):
            field = self.form.fields[name]
            if institution is None:
                field.widget.choices = [("", _("Choose an institution first"))]
                field.help_text = _("Choose an institution and press “Filter” to see its list.")
            else:
                field.widget.choices = [("", field.empty_label)] + [
                    (obj.slug, str(obj))
                    for obj in field.queryset.filter(institution=institution)
                ]

    def narrow_places(self):
        """Offer the cantons of the chosen province, and the parishes of the chosen canton, else
        of the chosen province, else of the territories of the institutions with reports (the
        country has 1,400 parishes). A parish in the URL is always offered."""
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        province, canton = data.get("provincia"), data.get("canton")
        if province is not None:
            cantons = Canton.objects.filter(province=province)
            self.form.fields["canton"].widget.choices = [
                ("", self.form.fields["canton"].empty_label),
                *((c.slug, c.name) for c in cantons.order_by("name")),
            ]
        if canton is not None:
            parishes = Parish.objects.filter(canton=canton)
        elif province is not None:
            parishes = Parish.objects.filter(canton__province=province)
        else:
            with_reports = Institution.objects.filter(reports__isnull=False)
            parishes = Parish.objects.filter(
                Q(canton__in=with_reports.values("canton_id"))
                | Q(canton__province__in=with_reports.values("province_id"))
                | Q(pk__in=with_reports.values("parish_id"))
            )
        if data.get("parroquia"):
            parishes = parishes | Parish.objects.filter(pk=data["parroquia"].pk)
        rows = list(parishes.order_by("name", "canton__name").values_list(
            "slug", "name", "canton__name"
        ))
        several_cantons = len({canton_name for _slug, _name, canton_name in rows}) > 1
        field = self.form.fields["parroquia"]
        field.widget.choices = [("", field.empty_label)] + [
            (slug, f"{name} ({canton_name})" if several_cantons else name)
            for slug, name, canton_name in rows
        ]

    def scope_institution(self):
        """The one institution the filters point to, if any; the only one that has reports
        when there is a single one."""
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("institucion"):
            return data["institucion"]
        for name in ("unidad", "nivel"):
            if data.get(name):
                return data[name].institution
        institutions = list(Institution.objects.filter(reports__isnull=False).distinct()[:2])
        return institutions[0] if len(institutions) == 1 else None


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


def _is_set(value) -> bool:
    # Not `value in (None, "", False)`: 0 == False, and avance_min=0 is a filter.
    return value is not None and value is not False and value != ""


def _url_value(value) -> str:
    if isinstance(value, date):
        return periods.slug(value)
    if hasattr(value, "slug"):
        return value.slug
    if value is True:
        return "1"
    if hasattr(value, "normalize"):  # Decimal: 50.00 -> "50"
        return plain(value)
    return str(value)


def _display_value(name, value) -> str:
    if name == "periodo":
        return str(_("All periods")) if value == ALL_PERIODS else periods.title(value)
    if name == "avance":
        return str(BANDS_BY_SLUG[value].label)
    if name in ("avance_min", "avance_max"):
        return percent_text(value, 2)
    if name == "sin_financiamiento":
        return str(_("yes"))
    if name == "q":
        return f"«{value}»"
    if name == "estancada":
        return stalled_label(int(value))
    if name == "cambio":
        return str(Goal.Change(value).label)
    for filter_name, module in (("ritmo", pace), ("motivo", reasons), ("vigencia", freshness)):
        if name == filter_name:
            return str(dict(module.FILTER_CHOICES)[value])
    return str(value)
