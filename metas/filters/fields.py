"""What the public lists' URL parameters take, and the fields that read them: the orders of the
goal list, a period (`YYYY-MM` or `todos`), a model by its slug, the months of ?estancada=.
"""
from __future__ import annotations

import copy

import django_filters
from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import periods
from ..models import Report
from ..presentation.widgets import QuickSelect

# ?orden= values and the ordering each one means; the first is the default.
# Goals without a percentage (not applicable, not available) come last both ways.
ORDERINGS = {
    "posicion": ("report__institution__name", "-report__period", "position"),
    "avance": (
        F("progress").asc(nulls_last=True),
        "report__institution__name",
        "-report__period",
        "position",
    ),
    "-avance": (
        F("progress").desc(nulls_last=True),
        "report__institution__name",
        "-report__period",
        "position",
    ),
    "unidad": ("unit__published_name", "report__institution__name", "-report__period", "position"),
    "periodo": ("report__period", "report__institution__name", "position"),
    "-periodo": ("-report__period", "report__institution__name", "position"),
}
ORDER_CHOICES = [
    ("posicion", _("as published")),
    ("avance", _("lowest progress first")),
    ("-avance", _("highest progress first")),
    ("unidad", _("unit (A to Z)")),
    ("periodo", _("oldest period first")),
    ("-periodo", _("newest period first")),
]
DEFAULT_ORDER = "posicion"

ALL_PERIODS = periods.ALL
# The page of a list, as the goal list's URLs write it.
PAGE = "pagina"
# The id of the goal list's <form>.
FORM_ID = "filtros"


class PeriodField(forms.ChoiceField):
    """`YYYY-MM` (any real month, even one without reports: the list is then empty) or `todos`.

    The select offers the months that have reports; the choices are read when the form is
    shown or checked, not when the filter set is declared.
    """

    default_error_messages = {
        "invalid_period": _(
            "Write the period as YYYY-MM, for example 2019-08, or choose “All periods”."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", self.period_choices)
        super().__init__(**kwargs)

    @staticmethod
    def period_choices():
        # Periods are always the first day of a month, so no truncation (slow in SQLite).
        months = (
            Report.objects.published().order_by("-period").values_list("period", flat=True)
            .distinct()
        )
        return [
            ("", _("Latest report of each institution")),
            (ALL_PERIODS, _("All periods")),
            *((periods.slug(month), periods.title(month)) for month in months),
        ]

    def to_python(self, value):
        value = super().to_python(value).strip()
        if value in ("", ALL_PERIODS):
            return value
        period = periods.parse(value)
        if period is not None:
            return period
        raise forms.ValidationError(self.error_messages["invalid_period"], code="invalid_period")

    def validate(self, value):
        # Any well-formed month is valid, not only the ones offered in the select.
        forms.Field.validate(self, value)


class PeriodFilter(django_filters.Filter):
    field_class = PeriodField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", QuickSelect)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs  # applied with the default scope, by GoalFilter.filter_reports


class SlugChoiceFilter(django_filters.ModelChoiceFilter):
    """A model chosen by its slug in the URL; an unknown slug is a form error, not a 404.

    `unknown` is the message for a slug that does not exist, with %(value)s.
    """

    def __init__(self, *args, unknown, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("widget", QuickSelect)
        kwargs["error_messages"] = {"invalid_choice": unknown}
        super().__init__(*args, **kwargs)



# ?estancada=N: no progress for N months or more (metas.accountability.pace.stalled_for).
STALLED_CHOICES = range(2, 13)


def stalled_label(months: int) -> str:
    return ngettext("%(count)s month or more", "%(count)s months or more", months) % {
        "count": months
    }


def stalled_choices():
    return [(str(months), stalled_label(months)) for months in STALLED_CHOICES]


class _ShallowlyCopied(dict):
    """The declared filters, copied for each FilterSet (FilterSet.__init__ deep-copies them)
    one filter at a time, without what they hold."""

    def __deepcopy__(self, memo):
        return {name: _copied(filter_) for name, filter_ in self.items()}


def _copied(filter_):
    copied = copy.copy(filter_)
    if copied.method is not None:
        copied.method = copied.method  # its FilterMethod bound to the copy, which gets the parent
    return copied


class ReusedDeclarations(django_filters.FilterSet):
    """A FilterSet whose declarations are made once per process, not once per request.

    django-filter deep-copies every declared filter (their querysets, choices and widgets) and
    builds a new form class, with a new field per filter, for each FilterSet made: for the goal
    list's twenty filters, over a thousand objects copied on every request. Here each request
    gets a shallow copy of each filter (its own `parent`, as django-filter sets it; a filter's
    declarations are only read), and the form class is built once; Django's Form still
    deep-copies its fields for each form, so what a request changes in its form (the choices
    it narrows) stays in that request.
    """

    @classmethod
    def get_filters(cls):
        return _ShallowlyCopied(super().get_filters())

    def get_form_class(self):
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class  # built alike by any request that races here
        return form_class

