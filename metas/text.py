"""Text folding shared by the importer, the territory tagger and the search filter."""
import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: "  Educación  Vial" -> "educacion vial".

    Matching on folded text makes search and tagging ignore accents, case and spacing.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", without_accents).strip()
