"""Territory: Ecuador's provinces, cantons and parishes, and which of them a goal names.

- `dpa`: loads INEC's political-administrative division and cantón Loja's additions;
- `tagger`: finds the places an objective names (pure Python, no database);
- `gazetteers`: the places of an institution's territory, as a tagger (`Atlas`);
- `names`: an institution's kind and territory read from its name.
Re-tagging stored goals writes published data: metas.publication.retag.

    atlas = Atlas.from_database()              # once per import
    tags = atlas.for_institution(institution).tag(objective)
"""
from metas.models import Canton, Parish, Province

from .gazetteers import Atlas, territory_key
from .names import Recognised, recognise

__all__ = ["Atlas", "Recognised", "find_territory", "recognise", "territory_key"]


def find_territory(code: str):
    """The Province (2 digits), Canton (4) or Parish (6) of an INEC code, or None."""
    code = (code or "").strip()
    model = {2: Province, 4: Canton, 6: Parish}.get(len(code))
    if model is None or not code.isdigit():
        return None
    return model.objects.filter(code=code).first()
