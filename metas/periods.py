"""Periods: the month a report is about, always stored as the first day of that month.

    periods.parse("2019-08")          # date(2019, 8, 1); None for anything that is not a month
    periods.slug(date(2019, 8, 1))    # "2019-08", as URLs, exports and the import log write it
    periods.label(...)                # "agosto de 2019", as it reads mid-sentence
    periods.title(...)                # "Agosto de 2019", at the start of a line or in a list
    periods.months_between(a, b)      # whole months from a to b
    periods.shift(period, -3)         # three months earlier
    periods.ending_with(last, 12)     # the twelve months up to `last`
    periods.plausible(period)         # a month a report can be about: 2004-01 to 3 months ahead

This module is the one place where a month is read, written or counted; it needs no database.
"""
from __future__ import annotations

import re
from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

# "Every period", as ?periodo= writes it and Report.objects.in_scope() takes it.
ALL = "todos"
# Years a period may have at all; anything else is a typo, never a month to show.
MIN_YEAR, MAX_YEAR = 1900, 2199

# Months a report may be about: LOTAIP was enacted in May 2004 (its first reports are of that
# year), and a report may be published ahead for a few months, never years.
FIRST_PLAUSIBLE = date(2004, 1, 1)
MONTHS_AHEAD = 3

_SLUG = re.compile(r"(\d{4})-(\d{1,2})")


def parse(value) -> date | None:
    """A period given as "YYYY-MM" (or "YYYY-M"), or a date: the first day of that month.
    None when it is not a month of a plausible year."""
    if isinstance(value, date):
        return value.replace(day=1)
    match = _SLUG.fullmatch(str(value or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def slug(period: date) -> str:
    """date(2019, 8, 1) -> "2019-08"."""
    return f"{period.year:04d}-{period.month:02d}"


def label(period: date) -> str:
    """date(2019, 8, 1) -> "agosto de 2019", in the active language."""
    return date_format(period, "YEAR_MONTH_FORMAT")


def title(period: date) -> str:
    """date(2019, 8, 1) -> "Agosto de 2019"."""
    return capfirst(label(period))


def _index(period: date) -> int:
    return period.year * 12 + period.month - 1


def _from_index(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def months_between(earlier: date, later: date) -> int:
    """Whole months from `earlier` to `later` (negative when `later` comes first)."""
    return _index(later) - _index(earlier)


def shift(period: date, months: int) -> date:
    """The month `months` after `period` (before it, when negative)."""
    return _from_index(_index(period) + months)


def ending_with(last: date, count: int) -> list[date]:
    """`count` consecutive months ending with `last`'s month, oldest first."""
    end = _index(last)
    return [_from_index(index) for index in range(end - count + 1, end + 1)]


def last_plausible(today: date | None = None) -> date:
    """The last month a report may be about: MONTHS_AHEAD months after today's."""
    return shift((today or timezone.localdate()).replace(day=1), MONTHS_AHEAD)


def plausible(period: date, today: date | None = None) -> bool:
    """Whether a report can be about the month of `period` (a date, any day of the month):
    from FIRST_PLAUSIBLE to last_plausible(today)."""
    return FIRST_PLAUSIBLE <= period.replace(day=1) <= last_plausible(today)
