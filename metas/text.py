"""Text helpers shared by the importer, the territory tagger, the search filter and outputs."""
import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Control characters (Unicode category Cc) but tab, line feed and carriage return: XML 1.0 (the
# Atom feeds), spreadsheets (XLSX) and HTML refuse or mangle them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_controls(text: str) -> str:
    """`text` with each control character (a form feed copied from a PDF, \x01...) replaced
    by a space, so that the words on either side stay apart."""
    return CONTROL_CHARACTERS.sub(" ", text) if CONTROL_CHARACTERS.search(text) else text


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: "  Educación  Vial" -> "educacion vial".

    Matching on folded text makes search and tagging ignore accents, case and spacing.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", without_accents).strip()
