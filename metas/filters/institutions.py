"""The filters of /instituciones/ (InstitutionFilter): a name, a province, a kind, an order."""
from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import Institution, Province
from ..presentation.widgets import QuickSearchInput, QuickSelect
from ..text import fold
from .fields import SlugChoiceFilter

# ?orden= of the institution directory; the first is the default. Sorted by the view, on the
# figures of each institution's latest report.
INSTITUTION_ORDER_CHOICES = [
    ("nombre", _("name (A to Z)")),
    ("-periodo", _("newest report first")),
    ("periodo", _("oldest report first")),
    ("-metas", _("most goals first")),
    ("-avance", _("highest average progress first")),
    ("avance", _("lowest average progress first")),
]


class InstitutionFilter(django_filters.FilterSet):
    """The filters of /instituciones/: a name, a province, a kind, an order."""

    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=200,
        widget=QuickSearchInput,
        help_text=_("Accents and capitals do not matter."),
    )
    provincia = SlugChoiceFilter(
        method="filter_province",
        queryset=Province.objects.all(),
        label=_("Province"),
        empty_label=_("All provinces"),
        unknown=_("There is no province “%(value)s”."),
    )
    tipo = django_filters.ChoiceFilter(
        field_name="kind",
        widget=QuickSelect,
        choices=Institution.Kind.choices,
        label=_("Kind"),
        empty_label=_("Every kind"),
        error_messages={
            "invalid_choice": _("“%(value)s” is not a kind of institution; choose one from the "
                                "list.")
        },
    )
    orden = django_filters.ChoiceFilter(
        method="filter_order",
        widget=QuickSelect,
        choices=INSTITUTION_ORDER_CHOICES,
        label=_("Order"),
        empty_label=None,
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a way to order the list; choose one from the list."
            )
        },
    )

    class Meta:
        model = Institution
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = Institution.objects.select_related(
                "province", "canton__province", "parish__canton__province"
            )
        super().__init__(data, queryset, **kwargs)
        self.form.label_suffix = ""

    def filter_search(self, queryset, name, value):
        for word in fold(value).split():
            queryset = queryset.filter(folded_name__contains=word)
        return queryset

    def filter_province(self, queryset, name, province):
        return queryset.filter(
            Q(province=province) | Q(canton__province=province)
            | Q(parish__canton__province=province)
        )

    def filter_order(self, queryset, name, value):
        return queryset  # the view sorts, on figures of the latest reports

    @property
    def order(self) -> str:
        data = self.form.cleaned_data if self.is_valid() else {}
        return data.get("orden") or INSTITUTION_ORDER_CHOICES[0][0]
