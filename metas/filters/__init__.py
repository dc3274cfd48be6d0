"""The public lists' filters (django-filter FilterSets), shared by the pages, the exports and
the feeds, so one URL means the same rows everywhere:

- `goals`: the goal list's GoalFilter (/metas/, /metas.csv, /metas.json, /metas.atom),
  with its canonical links and chips (`links`), its facets (`facets`) and the options its
  form offers (`narrowing`);
- `institutions`: the institution directory's InstitutionFilter (/instituciones/);
- `fields`: what their URL parameters take (orders, periods, slugs, months), and the fields.
"""
from .fields import ALL_PERIODS, DEFAULT_ORDER, FORM_ID, ORDER_CHOICES, ORDERINGS, PAGE
from .goals import GoalFilter, list_rows, public_goals
from .institutions import InstitutionFilter

__all__ = [
    "ALL_PERIODS",
    "DEFAULT_ORDER",
    "FORM_ID",
    "ORDERINGS",
    "ORDER_CHOICES",
    "PAGE",
    "GoalFilter",
    "InstitutionFilter",
    "list_rows",
    "public_goals",
]
