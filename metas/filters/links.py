"""What the goal list's page, exports and feeds say about its filters, and its one URL per set
of filters (a mixin of GoalFilter):

    goals.applied()              # {"parroquia": "vilcabamba", ...}, for JSON
    goals.chips(request.path)    # each active filter, with the URL without it
    goals.canonical_query(page)  # the filters written one way: one link, one cached page
    goals.url(path, avance="100")   # the list with one filter changed
"""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

from .. import periods
from ..accountability import freshness, pace, reasons
from ..models import BANDS_BY_SLUG, Goal
from ..presentation.numbers import percent_text, plain
from .fields import ALL_PERIODS, DEFAULT_ORDER, PAGE, stalled_label


class CanonicalLinks:
    """Needs a django-filter FilterSet (self.filters, self.form, self.data)."""

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
