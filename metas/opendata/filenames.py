"""The file name of a goal export says what it holds: the institution, the period and the other
filters, e.g. metas-municipio-de-loja-2019-08-nivel-asesor.csv.

    stem = export_stem(filterset.form.cleaned_data, today)     # a valid GoalFilter's data
    response["Content-Disposition"] = attachment(stem, "xlsx")

The words are Spanish whatever the reader's language, like the URLs' parameters and the
columns: a file name is shared, and should read the same for everyone. Each part is slugified;
the whole is cut to a bounded length (with a short hash of the whole, so two long selections
keep two names). The latest reports, and every period, change with each publication: their
names carry the day they were downloaded.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from urllib.parse import quote

from django.utils.text import slugify

from .. import periods
from ..filters import DEFAULT_ORDER
from ..presentation.numbers import plain

MAX_STEM = 120
HASH_CHARS = 8
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_POINT_MARK = "qqpointqq"  # survives slugify, which drops points
# The filters after the institution and period, in this order, each as a function of its value.
_PARTS = {
    "nivel": lambda level: level.name,
    "unidad": lambda unit: unit.name,
    "provincia": lambda place: place.slug,
    "canton": lambda place: place.slug,
    "parroquia": lambda place: place.slug,
    "colectivas": lambda value: "con colectivas",
    "jdb": lambda council: council.slug,
    "q": lambda words: f"busqueda {words}",
    "avance": lambda band: f"avance {band}",
    "avance_min": lambda percent: f"avance desde {plain(percent)}",
    "avance_max": lambda percent: f"avance hasta {plain(percent)}",
    "sin_financiamiento": lambda value: "sin financiamiento",
    "estancada": lambda months: f"estancada {months} meses",
    "cambio": lambda value: f"cambio {value}",
    "ritmo": lambda value: f"ritmo {value}",
    "motivo": lambda value: f"motivo {value}",
    "vigencia": lambda value: f"vigencia {value}",
    "orden": lambda value: f"orden {value}",
}


def export_stem(data: dict, today: date, *, allow_unicode: bool = True) -> str:
    """The name without extension, from a valid GoalFilter's cleaned data."""
    parts = ["metas", *_scope(data, today)]
    for name, part in _PARTS.items():
        value = data.get(name)
        if value is None or value is False or value == "" or (name == "orden" and
                                                               value == DEFAULT_ORDER):
            continue
        parts.append(part(value))
    stem = "-".join(filter(None, (_slug(part, allow_unicode) for part in parts)))
    return _bounded(stem)


def _scope(data: dict, today: date) -> list[str]:
    """The institution the filters name (directly, or through a level or unit), then the
    period: a month, or every period, or the latest reports, as of today."""
    institution = data.get("institucion")
    for name in ("nivel", "unidad"):
        if institution is None and data.get(name) is not None:
            institution = data[name].institution
    period = data.get("periodo")
    if isinstance(period, date):
        when = periods.slug(period)
    elif period == periods.ALL:
        when = f"todos los periodos {today:%Y-%m-%d}"
    else:
        when = f"recientes {today:%Y-%m-%d}"
    return [institution.slug if institution is not None else "", when]


def _slug(text: str, allow_unicode: bool) -> str:
    # A percentage may have decimals ("avance-desde-12.5"): a point between digits is kept.
    held = _DECIMAL_POINT.sub(_POINT_MARK, str(text))
    return slugify(held, allow_unicode=allow_unicode).replace(_POINT_MARK, ".")


def _bounded(stem: str) -> str:
    if len(stem) <= MAX_STEM:
        return stem
    digest = hashlib.sha256(stem.encode()).hexdigest()[:HASH_CHARS]
    cut = stem[: MAX_STEM - HASH_CHARS - 1].rsplit("-", 1)[0]
    return f"{cut}-{digest}"


def attachment(data: dict, today: date, extension: str) -> str:
    """The Content-Disposition of the export: an ASCII file name for every client and, when the
    name has other letters (a search for "educación"), the UTF-8 one too (RFC 6266, 5987)."""
    ascii_name = f"{export_stem(data, today, allow_unicode=False)}.{extension}"
    name = f"{export_stem(data, today)}.{extension}"
    header = f'attachment; filename="{ascii_name}"'
    if name != ascii_name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
