"""An institution's kind and territory, read from its name when the name says them.

    recognise("GAD Municipal del Cantón Catamayo", atlas)     # municipality, canton 1103
    recognise("Gobierno Autónomo Descentralizado Provincial de Loja", atlas)  # province 11
    recognise("GAD Parroquial Rural de Malacatos", atlas)     # rural parish gov., 110156

The kind comes from the words before the place ("Municipio de", "GAD Provincial del",
"Junta Parroquial de"…); the territory only when the place's name is one canton (for a
municipality), one province (for a provincial government) or one rural parish (for a rural
parish government, "… de El Tambo del cantón Catamayo" when the name alone is ambiguous) of the
DPA. "Municipio de Bolívar" is a municipality without territory: there are cantons Bolívar in
Carchi and in Manabí; `import_report --territorio 0402` or the admin sets it.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from metas.text import fold

from .dpa import base_name
from .tagger import RURAL

# metas.models.Institution.Kind values (this module needs no Django).
MUNICIPALITY, PROVINCIAL, RURAL_PARISH, OTHER = "municipio", "provincial", "parroquial", "otra"

_GAD = r"(?:gad|gobierno\s+autonomo\s+descentralizado|gobierno)"
_OF = r"\s+(?:del?\s+)?"
_KINDS = [
    (MUNICIPALITY, re.compile(
        r"^(?:(?:ilustre\s+|i\s+)?municipalidad|municipio|alcaldia|concejo\s+municipal"
        rf"|{_GAD}\s+municipal|gadm|{_GAD}(?=\s+del?\s+canton))"
        rf"{_OF}(?:canton\s+(?:de\s+)?)?(?P<place>.+)$"
    )),
    (PROVINCIAL, re.compile(
        rf"^(?:{_GAD}\s+provincial|prefectura(?:\s+provincial)?|consejo\s+provincial"
        r"|gobierno\s+de\s+la\s+provincia)"
        rf"{_OF}(?:(?:la\s+)?provincia\s+(?:de\s+l?a?\s*)?)?(?P<place>.+)$"
    )),
    (RURAL_PARISH, re.compile(
        rf"^(?:{_GAD}\s+parroquial|gadpr|junta\s+parroquial)(?:\s+rural)?"
        rf"{_OF}(?:parroquia\s+(?:rural\s+)?(?:de\s+)?)?(?P<place>.+)$"
    )),
]
# "… de El Tambo, cantón Catamayo", "… de El Tambo del cantón Catamayo".
_CANTON_QUALIFIER = re.compile(r"\s*(?:,\s*|\s+del?\s+|\s+)canton\s+(?:de\s+)?(?P<canton>.+)$")
# "Municipio de Cuenca (2)": a demo institution's number.
_NUMBER = re.compile(r"\s*\(\d+\)$")


@dataclass(frozen=True)
class Recognised:
    kind: str
    territory: tuple[str, int] | None = None  # ("canton", pk)… as gazetteers.territory_key


def _simple(name: str) -> str:
    """Folded, without punctuation and quotes: "G.A.D. Municipal" -> "g a d municipal"."""
    text = _NUMBER.sub("", fold(name))
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"\bg\s+a\s+d\b", "gad", text)
    return " ".join(text.split())


def _names(row) -> set[str]:
    """A place's name and INEC's, without its parenthesised part (provinces have one name)."""
    return {_simple(row.name), _simple(base_name(getattr(row, "dpa_name", "") or row.name))}


def recognise(name: str, atlas) -> Recognised:
    """The kind and, when unambiguous, the territory of an institution named `name`; `atlas`
    is a metas.territory.gazetteers.Atlas."""
    simple = _simple(name)
    for kind, pattern in _KINDS:
        match = pattern.match(simple)
        if match:
            return Recognised(kind, _territory(kind, match.group("place"), atlas))
    return Recognised(OTHER)


def _territory(kind, place: str, atlas) -> tuple[str, int] | None:
    if kind == MUNICIPALITY:
        found = [c.pk for c in atlas.cantons.values() if place in _names(c)]
        return ("canton", found[0]) if len(found) == 1 else None
    if kind == PROVINCIAL:
        found = [p.pk for p in atlas.provinces.values() if place in _names(p)]
        return ("province", found[0]) if len(found) == 1 else None
    return _rural_parish(place, atlas)


def _rural_parish(place: str, atlas) -> tuple[str, int] | None:
    canton_name = None
    qualified = _CANTON_QUALIFIER.search(place)
    if qualified:
        place, canton_name = place[: qualified.start()], qualified.group("canton")
    by_name = defaultdict(list)
    for parish in atlas.parishes.values():
        if parish.kind == RURAL:
            for parish_name in _names(parish):
                by_name[parish_name].append(parish)
    found = by_name.get(place, [])
    if canton_name is not None:
        found = [p for p in found if canton_name in _names(atlas.cantons[p.canton_id])]
    return ("parish", found[0].pk) if len(found) == 1 else None
