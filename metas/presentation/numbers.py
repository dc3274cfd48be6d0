"""How the site writes numbers, in one place.

For readers, in Spanish (pages, feeds, charts):
    percent_text(Decimal("72.50"))   # "72,5 %"
    count_text(1234)                 # "1.234"
For machines (URLs, CSV, JSON, cells read from a spreadsheet):
    plain(Decimal("50.00"))          # "50"; plain(Decimal("12.50")) -> "12.5"
    json_number(Decimal("12.50"))    # 12.5 (an int when whole)
"""
from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format


def percent_text(value, decimal_places=1) -> str:
    """72.50 -> "72,5 %", 100.00 -> "100 %", None -> "": the way Spanish readers write it."""
    if value is None:
        return ""
    rounded = round(Decimal(value), decimal_places).normalize()
    # normalize() may give an exponent (1E+2); quantize back to a plain number.
    if rounded == rounded.to_integral():
        rounded = rounded.quantize(Decimal(1))
    return f"{number_format(rounded, use_l10n=True)}\u00a0%"


def count_text(value) -> str:
    """1234 -> "1.234", with the locale's thousands separator."""
    return number_format(value or 0, force_grouping=True)


def plain(value: Decimal) -> str:
    """The shortest exact spelling, with a point and no exponent: 50.00 -> "50", 6.10 -> "6.1"."""
    return format(value.normalize(), "f")


def json_number(value: Decimal):
    """45.00 -> 45, 12.50 -> 12.5."""
    return int(value) if value == value.to_integral_value() else float(value)
