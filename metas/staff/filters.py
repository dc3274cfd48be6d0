"""The import log's filters (/gestion/registro/): institution, outcome and a range of days.

    log = ImportLogFilter(request.GET, queryset=readable_log(user), user=user)
    log.qs      # filtered; a value that is not valid is ignored and said in log.form.errors

Days are Ecuador's (TIME_ZONE), as the log shows its times. Staff are offered only the
institutions whose log they may read.
"""
from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ImportLog
from .permissions import allowed_institutions


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class ImportLogFilter(django_filters.FilterSet):
    institucion = django_filters.ChoiceFilter(
        field_name="institution", label=_("Institution"), empty_label=_("All institutions")
    )
    resultado = django_filters.ChoiceFilter(
        field_name="outcome", label=_("Outcome"), choices=ImportLog.Outcome.choices,
        empty_label=_("All outcomes"),
    )
    desde = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From"), widget=DayInput()
    )
    hasta = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("To"), widget=DayInput()
    )

    class Meta:
        model = ImportLog
        fields = []

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        names = allowed_institutions(user).order_by("name").values_list("name", flat=True)
        self.filters["institucion"].extra["choices"] = [(name, name) for name in names]

    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.filters)
