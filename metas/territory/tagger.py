"""Which parishes, cantons and neighbourhood councils (JDB) a goal's objective names.

    gazetteer = Gazetteer(parishes=[Place("chantaco", "Chantaco", "rural"), ...],
                          neighbourhoods=[...])
    tags = gazetteer.tag("Batería sanitaria en la parroquia Chantaco")
    tags.parishes        # [Match("chantaco", "Chantaco", "Chantaco")]

A gazetteer holds the places of one institution's territory (metas.territory.gazetteers builds
it: a canton's parishes and councils, a province's cantons and parishes, a parish). Names are
found on folded text (metas.text.fold: no accents, no case), whole words only, the longest
spelling first, so "San Pedro de Vilcabamba" is one parish and not also Vilcabamba. Names of
places elsewhere in the country (`elsewhere`) take part in that choice and tag nothing: in a
canton with a parish "San Pedro", "vía a San Pedro de Vilcabamba" names another canton's place.
Each tag keeps the words of the objective, exactly as written, that produced it.

Some spellings are `guarded`: a name that is also a person's name or a common word ("Sucre",
"San José", "La Paz"), or the name of the territory itself ("Catamayo" in Catamayo's reports
is the canton). They name the place only where the text says what it is: "parroquia Sucre",
"parroquias El Valle y Sucre", "cabecera parroquial de La Paz"; for a canton, "cantón Sucre".

A neighbourhood council is tagged only where the text says so ("JDB La Banda", "la JDB
Carigán", "JDB La Banda y Motupe"): many councils share their name with a park, a street or a
parish. Goals for "las 6 parroquias urbanas" or "parroquias rurales" are tagged with every
parish of that kind (a cantonal seat counts as urban where no urban parish is listed) and
their coverage says so.

The matching is plain Python over the Place lists: no database, so the importer tags thousands
of goals without a query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from metas.text import FoldedText, fold

# metas.models.Parish.Kind and metas.models.Goal.Coverage values (this module needs no Django).
URBAN = "urbana"
SEAT = "cabecera"
RURAL = "rural"
CANTON = "canton"  # a Place that is a canton
ALL_PARISHES = "todas"  # a coverage (Goal.Coverage.ALL): every parish, urban and rural
NAMED = ""


@dataclass(frozen=True)
class Place:
    """A parish, a canton or a neighbourhood council and every spelling reports use for it.

    `variants` may be given as the "|"-separated text stored in the database; `guarded` are
    spellings (among the name and variants) that name the place only after "parroquia" or
    "cantón" (see the module's docstring).
    """

    slug: str
    name: str
    kind: str | None  # URBAN, SEAT or RURAL for a parish, CANTON, None for a council
    variants: tuple[str, ...] = ()
    guarded: tuple[str, ...] = ()
    # False when the name alone tags nothing (another place of the territory has it too).
    name_is_spelling: bool = True

    def __post_init__(self):
        for name in ("variants", "guarded"):
            value = getattr(self, name)
            items = value.split("|") if isinstance(value, str) else value
            object.__setattr__(self, name, tuple(v.strip() for v in items if v.strip()))

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.variants) if self.name_is_spelling else self.variants


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
    cantons: list[Match] = field(default_factory=list)


# --- Patterns --------------------------------------------------------------------------------

def _spelling_pattern(spelling: str) -> str:
    # Any run of spaces between words, as published texts are not tidy.
    return r"\s+".join(re.escape(word) for word in fold(spelling).split(" "))


def _key(folded_words: str) -> str:
    return " ".join(folded_words.split())


def _names_pattern(places) -> tuple[str, dict[str, Place]]:
    """An alternation of every spelling, longest first (so a regex takes the longest name that
    starts at a position), and the place each folded spelling stands for."""
    by_spelling = _by_spelling(places)
    if not by_spelling:
        return "(?!)", by_spelling  # nothing to find
    spellings = sorted(by_spelling, key=len, reverse=True)
    return "|".join(_spelling_pattern(s) for s in spellings), by_spelling


def _by_spelling(places) -> dict[str, Place]:
    """The place each folded spelling stands for; a spelling of two places is refused."""
    by_spelling: dict[str, Place] = {}
    for place in places:
        for spelling in place.spellings:
            key = _key(fold(spelling))
            other = by_spelling.setdefault(key, place)
            if other.slug != place.slug:
                raise ValueError(f"“{spelling}” names both {other.name} and {place.name}")
    return by_spelling


# --- Names as a trie of words -------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")
_END = None  # the key of a trie node's list of spellings that end there


def _punctuation(text: str) -> str:
    return "".join(text.split())


def _split(folded: str) -> tuple[list[tuple[str, str]], str]:
    """A folded spelling as (punctuation before, word) pairs and the punctuation after the last
    word: "taquil (miguel riofrio)" -> [("", "taquil"), ("(", "miguel"), ("", "riofrio")], ")"."""
    pieces, position = [], None
    for token in _TOKEN.finditer(folded):
        gap = "" if position is None else _punctuation(folded[position:token.start()])
        pieces.append((gap, token.group()))
        position = token.end()
    return pieces, _punctuation(folded[position:]) if position is not None else ""


class NameIndex:
    """Spellings as a trie of words, to find the longest one that starts at a word of a text.

    Words are matched whole and in order; between two words only the spelling's own
    punctuation may stand ("Julio E. Moreno"), with any spacing. Built once, it serves every
    text and every gazetteer: for the country's 1,700 names a walk from each word that starts
    a name is much faster than one regular expression of them all.
    """

    def __init__(self, spellings=()):
        self._root: dict = {}  # first word -> node; node: {(punctuation, word): node, _END: [...]}
        self.keys: set[str] = set()
        for spelling in spellings:
            self.add(spelling)

    def __contains__(self, spelling: str) -> bool:
        return _key(fold(spelling)) in self.keys

    def add(self, spelling: str) -> None:
        folded = fold(spelling)
        pieces, tail = _split(folded)
        if not pieces or _key(folded) in self.keys:
            return
        self.keys.add(_key(folded))
        node = self._root.setdefault(pieces[0][1], {})
        for gap, word in pieces[1:]:
            node = node.setdefault((gap, word), {})
        node.setdefault(_END, []).append((tail, _key(folded)))

    def longest(self, words: list[tuple[int, int, str]], index: int, text: str):
        """(end in `text`, folded spelling, index of its last word) of the longest spelling
        starting at words[index] ((start, end, word) of each word of `text`), or None."""
        node = self._root.get(words[index][2])
        best, last = None, index
        while node is not None:
            for tail, key in node.get(_END, ()):
                end = words[last][1]
                if tail:
                    if not text.startswith(tail, end):
                        continue
                    end += len(tail)
                if best is None or end > best[0]:
                    best = (end, key, last)
            if last + 1 == len(words):
                break
            gap = _punctuation(text[words[last][1]:words[last + 1][0]])
            node = node.get((gap, words[last + 1][2]))
            last += 1
        return best

    def first_words(self) -> set[str]:
        return set(self._root)


@dataclass(frozen=True)
class _Found:
    """A place's name found in the folded text: [start, end), its spelling, its place (None for
    a name of a place elsewhere)."""

    start: int
    end: int
    key: str
    place: Place | None


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
# What says that a guarded name is a parish ("parroquia Sucre", "la parroquia urbana de El
# Carmen", "cabecera parroquial de La Paz") or a canton ("cantón Sucre"), up to the name.
_PARISH_INTRODUCER = re.compile(
    r"(?<!\w)(?:parroquias?|parroquial(?:es)?)(?:\s+(?:urbanas?|rurales?|de|del|la|el))*\s+$"
)
_CANTON_INTRODUCER = re.compile(r"(?<!\w)(?:cantone?s?)(?:\s+(?:de|del))?\s+$")
_INTRODUCER_REACH = 60  # characters looked at before a name
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
    """The places of one territory, compiled for tagging objectives: its parishes (with its
    cantonal seats), its cantons (a province's) and its neighbourhood councils."""

    def __init__(
        self,
        parishes: list[Place],
        neighbourhoods: list[Place],
        cantons: list[Place] = (),
        elsewhere: NameIndex | None = None,
    ):
        self.parishes = tuple(parishes)
        self.cantons = tuple(cantons)
        self.neighbourhoods = tuple(neighbourhoods)
        self.elsewhere = elsewhere
        self._order = {place.slug: index for index, place in enumerate(self.parishes)}
        urban = [p for p in self.parishes if p.kind == URBAN]
        self._covered = {
            URBAN: urban or [p for p in self.parishes if p.kind == SEAT],
            RURAL: [p for p in self.parishes if p.kind == RURAL],
        }

        self._by_spelling = _by_spelling((*self.parishes, *self.cantons))
        self._guarded = {
            _key(fold(spelling))
            for place in (*self.parishes, *self.cantons)
            for spelling in place.guarded
        }
        # One index for the territory's names and the country's: a name of the territory is a
        # place of the country too, so the longest name at a word is found in one walk.
        self._names = elsewhere if elsewhere is not None else NameIndex()
        for spelling in self._by_spelling:
            self._names.add(spelling)
        self._first_words = self._names.first_words()

        jdb_names, self._jdb_by_spelling = _names_pattern(self.neighbourhoods)
        self._jdb_re = re.compile(rf"(?<!\w){_JDB}(?P<name>{jdb_names})(?!\w)")
        self._jdb_more_re = re.compile(rf"{_LIST_SEPARATOR}(?P<name>{jdb_names})(?!\w)")

    def tag(self, objective: str) -> Tags:
        text = FoldedText(objective)
        named = self._named_places(text)
        collective = self._collective_phrases(text, named)
        # Only kinds this territory has: "parroquias rurales" covers nothing in a city's.
        kinds = {
            kind for _, kinds_of_phrase in collective for kind in kinds_of_phrase
            if self._covered[kind]
        }
        return Tags(
            parishes=self._parish_tags(text, named, collective),
            neighbourhoods=self._neighbourhood_tags(text),
            coverage=ALL_PARISHES if len(kinds) == 2 else next(iter(kinds), NAMED),
            cantons=self._canton_tags(text, named),
        )

    # Places named in the text

    def _found(self, text: FoldedText) -> list[_Found]:
        """Every name of this gazetteer's places or of places elsewhere, the longest at each
        word, left to right."""
        folded = text.folded
        words = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(folded)]
        first_words = self._first_words
        found, index = [], 0
        while index < len(words):
            best = words[index][2] in first_words and self._names.longest(words, index, folded)
            if not best:
                index += 1
                continue
            end, key, last = best
            found.append(_Found(words[index][0], end, key, self._by_spelling.get(key)))
            index = last + 1
        return found

    def _named_places(self, text: FoldedText) -> list[_Found]:
        """The gazetteer's places named in the text, outside streets, watersheds and barrios,
        guarded names only where the text says they are a parish or a canton."""
        found = self._found(text)
        if not found:
            return found
        excluded = _excluded_spans(text, {f.start for f in found})
        found = [f for f in found if not any(start <= f.start < end for start, end in excluded)]
        named, introduced, previous = [], set(), None
        for f in found:
            if f.place is not None and self._is_introduced(text.folded, f, previous, introduced):
                introduced.add(f)
            if f.place is not None and (f.key not in self._guarded or f in introduced):
                named.append(f)
            previous = f
        return named

    @staticmethod
    def _is_introduced(folded: str, found: _Found, previous, introduced) -> bool:
        """"parroquia Sucre" (or "cantón Sucre" for a canton), or a name listed after one:
        "parroquias El Valle y Sucre"."""
        is_canton = found.place.kind == CANTON
        introducer = _CANTON_INTRODUCER if is_canton else _PARISH_INTRODUCER
        if introducer.search(folded, max(0, found.start - _INTRODUCER_REACH), found.start):
            return True
        return (
            previous in introduced
            and (previous.place.kind == CANTON) == is_canton
            and _SEPARATOR.fullmatch(folded, previous.end, found.start) is not None
        )

    def _collective_phrases(self, text, named) -> list[tuple[re.Match, set[str]]]:
        phrases = []
        for phrase in _COLLECTIVE.finditer(text.folded):
            qualifier = _QUALIFIER.match(text.folded, phrase.end())
            if qualifier and any(qualifier.start(1) <= f.start < qualifier.end(1) for f in named):
                continue
            phrases.append((phrase, _kinds(phrase)))
        return phrases

    def _parish_tags(self, text, named, collective) -> list[Match]:
        """Named parishes, then every parish a collective phrase covers, in text order."""
        tags: dict[str, tuple[tuple[int, int], Match]] = {}
        for f in named:
            place = f.place
            if place.kind != CANTON and place.slug not in tags:
                words = text.words(f.start, f.end)
                tags[place.slug] = ((f.start, 0), Match(place.slug, place.name, words))
        for phrase, kinds in collective:
            words = text.words(phrase.start(), phrase.end())
            for kind in (URBAN, RURAL):
                if kind not in kinds:
                    continue
                for place in self._covered[kind]:
                    if place.slug not in tags:
                        position = (phrase.start(), self._order[place.slug])
                        match = Match(place.slug, place.name, words, via_coverage=True)
                        tags[place.slug] = (position, match)
        return [match for _, match in sorted(tags.values(), key=lambda item: item[0])]

    def _canton_tags(self, text, named) -> list[Match]:
        tags: dict[str, Match] = {}
        for f in named:
            if f.place.kind == CANTON and f.place.slug not in tags:
                tags[f.place.slug] = Match(f.place.slug, f.place.name, text.words(f.start, f.end))
        return list(tags.values())

    # Neighbourhood councils

    def _neighbourhood_tags(self, text: FoldedText) -> list[Match]:
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


def _excluded_spans(text: FoldedText, parish_starts: set[int]) -> list[tuple[int, int]]:
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
