"""Text helpers shared by the importer, the territory tagger, the search filter and outputs."""
import re
import unicodedata
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

_SPACES = re.compile(r"\s+")
# Control characters (Unicode category Cc) but tab, line feed and carriage return: XML 1.0 (the
# Atom feeds), spreadsheets (XLSX) and HTML refuse or mangle them.
CONTROL_RANGES = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
CONTROL_CHARACTERS = re.compile(f"[{CONTROL_RANGES}]")


def without_controls(text: str) -> str:
    """`text` with each control character (a form feed copied from a PDF, \x01...) replaced
    by a space, so that the words on either side stay apart."""
    return CONTROL_CHARACTERS.sub(" ", text) if CONTROL_CHARACTERS.search(text) else text


_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def email_address(text: str) -> str:
    """The first valid e-mail address in a footer field institutions fill freely
    ("jperez@loja.gob.ec / ext. 123"), or "" when it holds none."""
    for candidate in _ADDRESS.findall(text or ""):
        try:
            validate_email(candidate)
        except ValidationError:
            continue
        return candidate
    return ""


def location(line: int, *, page: int | None = None, sheet: str | bool = "") -> str:
    """Where a row is, as the user finds it: "página 3, fila 7" in a PDF, "fila 12" in a
    spreadsheet (`sheet`: its name, or True), "línea 12" in a text file. The one place that
    words a row's position (the importer's problems, the exports' source column)."""
    if page is not None:
        return _("page %(page)s, row %(row)s") % {"page": page, "row": line}
    if sheet:
        return _("row %(row)s") % {"row": line}
    return _("line %(line)s") % {"line": line}


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: "  Educación  Vial" -> "educacion vial".

    Matching on folded text makes search and tagging ignore accents, case and spacing.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", without_accents).strip()


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


class FoldedText:
    """A text folded for matching (fold(), spaces kept one for one), able to give back the
    original words of a match: the territory tagger's names, the search's highlighted words.

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


def sentence_case(value: str) -> str:
    """A name published in capitals, as lists and overviews show it: "NIVEL DE APOYO /
    ASESORÍA" -> "Nivel de apoyo / Asesoría". A name with any lower-case letter is left as
    published; so is every name on the goal's own page and in the exports."""
    if not any(char.isupper() for char in value) or any(char.islower() for char in value):
        return value
    return " / ".join(part[:1].upper() + part[1:] for part in value.lower().split(" / "))
