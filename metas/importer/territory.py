"""Which parishes and neighbourhood councils (JDB) a goal's objective names.

    gazetteer = Gazetteer.from_database()          # once per import
    tags = gazetteer.tag("Batería sanitaria en la parroquia Chantaco")
    tags.parishes        # [Match("chantaco", "Chantaco", "Chantaco")]

Names are found on folded text (metas.text.fold: no accents, no case), whole words only,
the longest spelling first, so "San Pedro de Vilcabamba" is one parish and not also
Vilcabamba. Each tag keeps the words of the objective, exactly as written, that produced it.

A neighbourhood council is tagged only where the text says so ("JDB La Banda", "la JDB
Carigán", "JDB La Banda y Motupe"): many councils share their name with a park, a street or a
parish. Goals for "las 6 parroquias urbanas" or "parroquias rurales" are tagged with every
parish of that kind and their coverage says so.

The matching is plain Python over the Place lists; only Gazetteer.from_database() reads the
models, so the importer reads them once per import and tags thousands of goals without a query.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from metas.text import fold

# metas.models.Parish.Kind and metas.models.Goal.Coverage values (this module needs no Django).
URBAN = "urbana"
RURAL = "rural"
ALL = "todas"
NAMED = ""


@dataclass(frozen=True)
class Place:
    """A parish or a neighbourhood council and every spelling reports use for it.

    `variants` may be given as the "|"-separated text stored in the database.
    """

    slug: str
    name: str
    kind: str | None  # URBAN or RURAL for a parish, None for a neighbourhood council
    variants: tuple[str, ...] = ()

    def __post_init__(self):
        variants = self.variants.split("|") if isinstance(self.variants, str) else self.variants
        object.__setattr__(self, "variants", tuple(v.strip() for v in variants if v.strip()))

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.variants)


@dataclass(frozen=True)
class Match:
    slug: str
    name: str
    matched_text: str  # the objective's own words, e.g. "Gualiel" or "JDB La Banda"
    # True for a parish not named but covered by a phrase like "las 6 parroquias urbanas"
    # (GoalParish.via_coverage).
    via_coverage: bool = False


@dataclass
class Tags:
    parishes: list[Match] = field(default_factory=list)
    neighbourhoods: list[Match] = field(default_factory=list)
    coverage: str = NAMED  # a metas.models.Goal.Coverage value


# --- Folding with a way back to the original words -------------------------------------------

def _fold_char(char: str) -> str:
    # fold() strips whitespace; here a space must stay a space so that words stay apart.
    return " " if char.isspace() else fold(char)


def _one_to_one_table() -> dict[int, str]:
    """Characters of Latin, punctuation and spaces whose folded form is one character."""
    ranges = (range(0x0000, 0x0250), range(0x1E00, 0x1F00), range(0x2000, 0x2070))
    table = {}
    for code in (code for block in ranges for code in block):
        folded = _fold_char(chr(code))
        if len(folded) == 1:
            table[code] = folded
    return table


_ONE_TO_ONE = _one_to_one_table()
_SAME_LENGTH = frozenset(map(chr, _ONE_TO_ONE))
_cached_fold_char = lru_cache(maxsize=4096)(_fold_char)


class _FoldedText:
    """An objective folded for matching, able to give back the original words of a match.

    Almost every text folds one character to one character (str.translate, fast, and folded
    positions are original positions). Otherwise ("ß" → "ss", a separate combining accent → "")
    it is folded character by character, remembering where each folded character came from.
    """

    def __init__(self, original: str):
        self.original = original
        if _SAME_LENGTH.issuperset(original):
            self.folded = original.translate(_ONE_TO_ONE)
            self._origins = None
        else:
            pieces, origins = [], []
            for index, char in enumerate(original):
                folded = _cached_fold_char(char)
                pieces.append(folded)
                origins.extend([index] * len(folded))
            self.folded = "".join(pieces)
            self._origins = origins

    def origin(self, folded_index: int) -> int:
        return folded_index if self._origins is None else self._origins[folded_index]

    def words(self, start: int, end: int) -> str:
        """The original text of the folded span [start, end)."""
        first, last = self.origin(start), self.origin(end - 1) + 1
        while last < len(self.original) and unicodedata.combining(self.original[last]):
            last += 1  # a decomposed accent on the last letter belongs to the word
        return self.original[first:last]

    def is_capitalised(self, folded_index: int) -> bool:
        char = self.original[self.origin(folded_index)]
        return char.isupper() or char.isdigit()


# --- Patterns --------------------------------------------------------------------------------

def _spelling_pattern(spelling: str) -> str:
    # Any run of spaces between words, as published texts are not tidy.
    return r"\s+".join(re.escape(word) for word in fold(spelling).split(" "))


def _key(folded_words: str) -> str:
    return " ".join(folded_words.split())


def _names_pattern(places) -> tuple[str, dict[str, Place]]:
    """An alternation of every spelling, longest first (so a regex takes the longest name that
    starts at a position), and the place each folded spelling stands for."""
    by_spelling: dict[str, Place] = {}
    for place in places:
        for spelling in place.spellings:
            key = _key(fold(spelling))
            other = by_spelling.setdefault(key, place)
            if other.slug != place.slug:
                raise ValueError(f"“{spelling}” names both {other.name} and {place.name}")
    if not by_spelling:
        return "(?!)", by_spelling  # nothing to find
    spellings = sorted(by_spelling, key=len, reverse=True)
    return "|".join(_spelling_pattern(s) for s in spellings), by_spelling


# "JDB", "JDB.", "JDBs", "Junta de Desarrollo Barrial", optionally followed by "de"/"del".
_JDB = r"(?:jdbs?|juntas?\s+de\s+desarrollo\s+barrial)(?!\w)\.?\s*(?:del?\s+)?"
# Further names of a list: "JDB La Banda, Motupe y Pitas".
_LIST_SEPARATOR = r"(?:\s*,\s*(?:[ye]\s+)?|\s+[ye]\s+|\s*/\s*)"

# Phrases that mean every parish of a kind: "las 6 parroquias urbanas", "parroquias rurales",
# "parroquias urbanas y rurales", "todos los sectores urbanos", "todas las parroquias".
_COLLECTIVE = re.compile(
    r"(?<!\w)(?:"
    r"(?:todas\s+)?(?:las\s+)?(?:(?:\d+|seis|trece|diecinueve)\s+)?"
    r"parroquias\s+(?P<kind>urbanas|rurales)(?:\s+y\s+(?P<other_kind>urbanas|rurales))?"
    r"|todos\s+los\s+sectores\s+(?P<sectors>urbanos|rurales)"
    r"|todas\s+las\s+parroquias"
    r")(?!\w)"
)
# A parenthesis right after such a phrase names which ones: "parroquias rurales del cantón
# Loja (Yangana)" is a goal for Yangana, not for all thirteen rural parishes.
_QUALIFIER = re.compile(r"(?:\s+del?\s+(?:canton\s+)?\w+)?\s*\(([^()]*)\)")

# Words after which a capitalised name is a street, a watershed or a barrio, not a parish:
# "calles Landangui y Santiago", "microcuencas de Shucos, Celen, Campana Malacatos y Tambo
# Blanco", "río Malacatos", "barrio San Pedro de Bellavista", "JDB Carigán".
_CONTEXT = re.compile(
    r"(?<!\w)(?:"
    r"(?P<water>micro-?cuencas?|subcuencas?|cuencas?|rios?|quebradas?)"
    r"|(?P<street>calles?|avenidas?|avdas?\.?|av\.?|pasajes?)"
    r"|(?P<barrio>barrios?|jdbs?\.?|juntas?\s+de\s+desarrollo\s+barrial)"
    r")(?!\w)"
)
_WORD = re.compile(r"\s*(\w+)")
_SEPARATOR = re.compile(_LIST_SEPARATOR)
# After a singular word only "y" joins names ("calle Sucre y Bolívar"): in "Av. Santiago de
# las Montañas, El Valle" the comma introduces the parish.
_AND = re.compile(r"\s+[ye]\s+")
# Lower-case words that join the words of one name: "Orillas del Zamora", "Tambo de la Virgen".
_CONNECTORS = frozenset({"de", "del", "la", "las", "los", "el"})
# Capitalised words that end a name even in text written in capitals ("CALLE SUCRE EN LA
# PARROQUIA EL VALLE").
_NOT_NAMES = frozenset(
    "a al ante con desde en entre hacia hasta para por que sin sobre y e o u "
    "parroquia parroquias parroquial canton ciudad sector sectores barrio barrios "
    "calle calles etapa fase".split()
)


# --- The gazetteer ---------------------------------------------------------------------------

class Gazetteer:
    """The parishes and neighbourhood councils of a canton, compiled for tagging objectives."""

    def __init__(self, parishes: list[Place], neighbourhoods: list[Place]):
        self.parishes = tuple(parishes)
        self.neighbourhoods = tuple(neighbourhoods)
        self._order = {place.slug: index for index, place in enumerate(self.parishes)}

        parish_names, self._parish_by_spelling = _names_pattern(self.parishes)
        self._parish_re = re.compile(rf"(?<!\w)(?:{parish_names})(?!\w)")

        jdb_names, self._jdb_by_spelling = _names_pattern(self.neighbourhoods)
        self._jdb_re = re.compile(rf"(?<!\w){_JDB}(?P<name>{jdb_names})(?!\w)")
        self._jdb_more_re = re.compile(rf"{_LIST_SEPARATOR}(?P<name>{jdb_names})(?!\w)")

    @classmethod
    def from_database(cls) -> Gazetteer:
        from metas.models import Neighbourhood, Parish

        # In the fixtures' order: urban parishes first, then rural ones, as INEC numbers them.
        parishes = Parish.objects.order_by("pk").values_list("slug", "name", "kind", "variants")
        councils = Neighbourhood.objects.order_by("pk").values_list("slug", "name", "variants")
        return cls(
            parishes=[Place(*row) for row in parishes],
            neighbourhoods=[Place(slug, name, None, variants) for slug, name, variants in councils],
        )

    def tag(self, objective: str) -> Tags:
        text = _FoldedText(objective)
        named = self._named_parishes(text)
        collective = self._collective_phrases(text, named)
        kinds = {kind for _, kinds_of_phrase in collective for kind in kinds_of_phrase}
        return Tags(
            parishes=self._parish_tags(text, named, collective),
            neighbourhoods=self._neighbourhood_tags(text),
            coverage=ALL if len(kinds) == 2 else next(iter(kinds), NAMED),
        )

    # Parishes named in the text

    def _named_parishes(self, text: _FoldedText) -> list[re.Match]:
        found = list(self._parish_re.finditer(text.folded))
        if not found:
            return found
        excluded = _excluded_spans(text, {m.start() for m in found})
        return [m for m in found if not any(start <= m.start() < end for start, end in excluded)]

    def _collective_phrases(self, text, named) -> list[tuple[re.Match, set[str]]]:
        phrases = []
        for phrase in _COLLECTIVE.finditer(text.folded):
            qualifier = _QUALIFIER.match(text.folded, phrase.end())
            if qualifier and any(qualifier.start(1) <= m.start() < qualifier.end(1) for m in named):
                continue
            phrases.append((phrase, _kinds(phrase)))
        return phrases

    def _parish_tags(self, text, named, collective) -> list[Match]:
        """Named parishes, then every parish a collective phrase covers, in text order."""
        tags: dict[str, tuple[tuple[int, int], Match]] = {}
        for m in named:
            place = self._parish_by_spelling[_key(m.group())]
            if place.slug not in tags:
                words = text.words(m.start(), m.end())
                tags[place.slug] = ((m.start(), 0), Match(place.slug, place.name, words))
        for phrase, kinds in collective:
            words = text.words(phrase.start(), phrase.end())
            for place in self.parishes:
                if place.kind in kinds and place.slug not in tags:
                    position = (phrase.start(), self._order[place.slug])
                    match = Match(place.slug, place.name, words, via_coverage=True)
                    tags[place.slug] = (position, match)
        return [match for _, match in sorted(tags.values(), key=lambda item: item[0])]

    # Neighbourhood councils

    def _neighbourhood_tags(self, text: _FoldedText) -> list[Match]:
        tags: dict[str, Match] = {}

        def add(m: re.Match, start: int):
            place = self._jdb_by_spelling[_key(m.group("name"))]
            if place.slug not in tags:
                tags[place.slug] = Match(place.slug, place.name, text.words(start, m.end()))

        for m in self._jdb_re.finditer(text.folded):
            add(m, m.start())  # "JDB La Banda"
            more = self._jdb_more_re.match(text.folded, m.end())
            while more:
                add(more, more.start("name"))  # "Motupe" of "JDB La Banda y Motupe"
                more = self._jdb_more_re.match(text.folded, more.end())
        return list(tags.values())


def _kinds(phrase: re.Match) -> set[str]:
    words = [phrase.group(name) for name in ("kind", "other_kind", "sectors")]
    words = [word for word in words if word]
    if not words:
        return {URBAN, RURAL}  # "todas las parroquias"
    return {URBAN if word.startswith("urban") else RURAL for word in words}


def _excluded_spans(text: _FoldedText, parish_starts: set[int]) -> list[tuple[int, int]]:
    """Spans of the folded text that name a street, a watershed or a barrio.

    After a context word (calle, av., microcuencas, río, quebrada, barrio, JDB…) comes a
    name, or a list of names joined by commas and "y": "calles Landangui y Santiago",
    "microcuencas de Shucos, Celen, Campana Malacatos y Tambo Blanco". Each name is a run of
    capitalised words (or of words where a parish name starts, for texts typed in lower case),
    possibly joined by "de", "del", "la"…: "San Pedro de Bellavista". The list ends at the
    first word that cannot be part of a name: "de la parroquia Malacatos" is outside it.
    Commas continue the list only after a plural ("calles", "microcuencas") or "JDB".
    Only watersheds take a lower-case "de" before the first name ("microcuencas de Shucos");
    "barrios de Malacatos" are barrios of the parish, and Malacatos is still tagged.
    """
    spans = []
    for context in _CONTEXT.finditer(text.folded):
        position, allow_lowercase_lead = context.end(), context.lastgroup == "water"
        separators = _SEPARATOR if _is_plural(context.group()) else _AND
        while (end := _name_end(text, position, parish_starts, allow_lowercase_lead)) is not None:
            spans.append((position, end))
            separator = separators.match(text.folded, end)
            if not separator:
                break
            position, allow_lowercase_lead = separator.end(), False
    return spans


def _is_plural(context_word: str) -> bool:
    # "JDB" and "Junta de Desarrollo Barrial" also head lists: "las JDB La Banda, Motupe".
    return context_word.rstrip(".").endswith(("s", "jdb", "barrial"))


def _name_end(text, position, parish_starts, allow_lowercase_lead) -> int | None:
    """Where the name starting at `position` ends, or None if no name starts there."""
    end = None
    while True:
        word = _WORD.match(text.folded, position)
        while word and word.group(1) in _CONNECTORS:
            if end is None and not allow_lowercase_lead and not text.is_capitalised(word.start(1)):
                return None
            word = _WORD.match(text.folded, word.end())
        if not word or not _is_name_word(text, word, parish_starts):
            return end
        end = position = word.end()


def _is_name_word(text, word: re.Match, parish_starts) -> bool:
    start = word.start(1)
    if start in parish_starts:
        return True
    return text.is_capitalised(start) and word.group(1) not in _NOT_NAMES
