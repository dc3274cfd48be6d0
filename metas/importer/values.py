"""The values of a report's cells: targets ("Meta cuantificable"), dates, footer labels."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from metas.text import fold

# Goal.Status values (metas.models is not imported: reading needs no database).
PERCENT, NOT_APPLICABLE, NOT_AVAILABLE, TEXT = "percent", "not_applicable", "not_available", "text"

_PERCENT = re.compile(r"([+-]?\d+(?:[.,]\d+)?)\s*%(.*)", re.DOTALL)
# What may separate the percentage from its note: "20% - Sólo posee estudios".
_NOTE_LEAD = " \t\r\n-–—:;,."
# What a program writes for a number it could not write plainly: "1e400", "2,5E-3 %", "NaN%",
# "inf". Never a target as published (a spreadsheet's overflow or a failed formula).
_NOT_PLAIN_NUMBER = re.compile(
    r"[+-]?(?:(?:\d+(?:[.,]\d*)?|[.,]\d+)e[+-]?\d+|nan|inf(?:inity)?)\s*%?",
    re.IGNORECASE,
)
_NOT_AVAILABLE = ("n/a", "n/a.", "na", "n.a.", "n.d.", "n/d", "s/i", "sin informacion")
_HUNDREDTH = Decimal("0.01")


class ValueProblem(ValueError):
    """A cell whose value cannot be accepted; the message is translated and says why."""


@dataclass(frozen=True)
class Target:
    progress: Decimal | None
    status: str
    note: str
    lacks_financing: bool


def parse_target(text: str) -> Target:
    """Reads a published target, which is kept as published anyway.

    "20% Sólo posee estudios, no se ejecutó por falta de financiamiento" -> 20, that note,
    lacking financing; "50,5%" -> 50.5; "NO APLICA, …" -> does not apply; "INFORMACIÓN NO
    DISPONIBLE", "N/A" or an empty cell -> not available; "12 obras" -> a text target.
    """
    text = text.strip()
    folded = fold(text)
    if _NOT_PLAIN_NUMBER.fullmatch(text):
        raise ValueProblem(_(
            "“%(value)s” is not a percentage nor a target: it is how a program writes a number "
            "it could not compute or show (scientific notation, “NaN”, “inf”). Write the "
            "progress as a percentage (e.g. 75%%) or the target as text."
        ) % {"value": text})
    match = _PERCENT.fullmatch(text)
    if match:
        number = Decimal(match.group(1).replace(",", "."))
        if not 0 <= number <= 100:
            raise ValueProblem(_(
                "The percentage “%(value)s” is not between 0%% and 100%%. "
                "Correct the value or write the target as text."
            ) % {"value": text})
        note = match.group(2).strip(_NOTE_LEAD)
        return Target(
            progress=number.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP),
            status=PERCENT,
            note=note,
            lacks_financing=mentions_lack_of_financing(note),
        )
    if folded.startswith("no aplica"):
        return Target(None, NOT_APPLICABLE, "", False)
    if not folded or folded in _NOT_AVAILABLE or "no disponible" in folded:
        return Target(None, NOT_AVAILABLE, "", False)
    return Target(None, TEXT, "", mentions_lack_of_financing(text))


def mentions_lack_of_financing(text: str) -> bool:
    return "falta de financiamiento" in fold(text)


# --- Dates ------------------------------------------------------------------------------------

_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_WORDS = re.compile(r"(\d{1,2}) de ([a-z]+) (?:de |del )?(\d{4})")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
MONTHS = {
    name: number
    for number, name in enumerate(
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
        "diciembre".split(),
        start=1,
    )
}
MONTHS["setiembre"] = 9
# Spreadsheets count days from 1899-12-30 (with Lotus 1-2-3's leap-year bug built in).
_SPREADSHEET_EPOCH = date(1899, 12, 30)


def parse_date(text: str) -> date | None:
    """31/08/2019, 31/1/2025, 2025-02-05, 2025-02-28 00:00:00, "31 de agosto de 2019" or a
    spreadsheet's serial day number (43708); None when it is none of these."""
    text = text.strip()
    folded = fold(text)
    try:
        if match := _DAY_FIRST.fullmatch(text):
            day, month, year = map(int, match.groups())
            return date(year, month, day)
        if match := _ISO.fullmatch(text):
            year, month, day = map(int, match.groups())
            return date(year, month, day)
        if (match := _WORDS.fullmatch(folded)) and match.group(2) in MONTHS:
            return date(int(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
        if _SERIAL.fullmatch(text):
            return _SPREADSHEET_EPOCH + timedelta(days=int(float(text)))
    except (ValueError, OverflowError):
        return None
    return None


# --- Footer / metadata labels -----------------------------------------------------------------

# Matched as prefixes of the folded label, without colons: "FECHA ACTUALIZACIÓN DE LA
# INFORMACIÓN:" and "Fecha de actualización" both start with one of these.
METADATA_LABELS = {
    "updated_on": ("fecha actualizacion", "fecha de actualizacion", "fecha de la actualizacion"),
    "periodicity": ("periodicidad",),
    "holder_unit": ("unidad poseedora",),
    "responsible": ("responsable",),
    "email": ("correo",),
    "phone": ("numero telefonico", "numero de telefono", "telefono"),
    "link": ("link para descargar", "enlace para descargar", "link para la descarga"),
}


def metadata_field(label: str) -> str | None:
    """The ReportMetadata field a footer or metadata label names, or None."""
    folded = fold(label.replace(":", " "))
    for name, prefixes in METADATA_LABELS.items():
        if folded.startswith(prefixes):
            return name
    return None


_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def split_link(text: str) -> tuple[str, str]:
    """"Reporte del GPR" -> ("Reporte del GPR", ""); a URL alone is both text and URL."""
    match = _URL.search(text)
    if not match:
        return text, ""
    url = match.group().rstrip(").,;")
    rest = (text[: match.start()] + text[match.end():]).strip(" :-–()")
    return (rest or url), url
