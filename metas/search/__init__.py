"""Full-text search over the goals: what ?q= finds, in which order, and which words it shows.

    goals = search(goals, "agua potable")   # the matching goals, annotated with their `rank`
    words("Agua potable, ¡ya!")             # ["agua", "potable"]: what is looked for
    highlight(goal.objective, terms)        # the text, escaped, each word found in <mark>

Each goal's `search_text` (metas.importer.plan.search_text: its objective, indicator, target,
unit and level, folded) is indexed by the database itself, in the import's transaction (the
index is kept by triggers, see the migration that made it):
- SQLite: an FTS5 table (unicode61, remove_diacritics 2), ranked by bm25;
- PostgreSQL: a tsvector generated column with a Spanish configuration with unaccent (stems:
  "potable" finds "potables"), GIN-indexed, ranked by ts_rank_cd; pg_trgm indexes the text too.
Every word must be found, as the start of a word ("alcantarill" finds "alcantarillado").

A broad search (more than settings.METAS_BROAD_SEARCH goals, "agua" finds 27,879 at 100 × 12)
is not ranked nor counted: `broad(goals, text)` lists it most recently published first, an
order the index keeps, so a page reads fifty matches instead of ranking them all.
"""
from __future__ import annotations

import re

from django.conf import settings
from django.db import connections
from django.db.models import BooleanField, Expression, F, FloatField, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from metas.text import FoldedText, fold

# Words shorter than this are left out of the query (they would find almost everything).
MIN_WORD = 2
MAX_WORDS = 12
_WORD = re.compile(r"\w+")

TS_CONFIG = "metas_es"  # PostgreSQL's text search configuration (migration 0014)


def words(text: str) -> list[str]:
    """The folded words of a query that are looked for, in order, without repeats."""
    found = []
    for word in _WORD.findall(fold(text or "")):
        if len(word) >= MIN_WORD and word not in found:
            found.append(word)
    return found[:MAX_WORDS]


def search(goals, text: str):
    """The goals of the queryset whose search text holds every word of `text` (as the start
    of a word), annotated with `rank` (lower is better); none when `text` has no word."""
    terms = words(text)
    if not terms:  # ("¿?", "a"): nothing to look for, so nothing found, ordered all the same
        return goals.annotate(rank=Value(0.0, output_field=FloatField())).none()
    if connections[goals.db].vendor == "postgresql":
        query = _tsquery(terms)
        return goals.filter(_TextSearch(query)).annotate(rank=_TextSearchRank(query))
    return goals.filter(search_index__search_text__match=_fts5_match(terms)).annotate(
        rank=F("search_index__rank")
    )


def _tsquery(terms: list[str]) -> str:
    return " & ".join(f"{term}:*" for term in terms)


def _fts5_match(terms: list[str]) -> str:
    """Each word a quoted prefix, so nothing typed is read as FTS5 syntax."""
    return " AND ".join(f'"{term}"*' for term in terms)


def broad(goals, text: str):
    """The goals of a search for `text` (search()'s queryset, filtered) listed most recently
    published first, or None when they are at most settings.METAS_BROAD_SEARCH.

    Ranking and counting every match is what a search costs, and grows with the country (a
    common word finds a tenth of all goals); relevance among thousands of matches means little,
    and a reader narrows such a search with another word. Beyond the limit, the matches are
    counted no further than it (a LIMIT inside the count) and listed in the order of the ids,
    which SQLite's FTS5 index walks itself, backwards, stopping at the page; on PostgreSQL the
    goals' primary key gives that order. Most searches find fewer goals in the whole index than
    the limit, which the index alone tells, without reading the goals.
    """
    limit = settings.METAS_BROAD_SEARCH
    terms = words(text)
    if not terms or _index_matches(goals, terms)[: limit + 1].count() <= limit:
        return None
    if goals.order_by().values("pk")[: limit + 1].count() <= limit:
        return None
    if connections[goals.db].vendor == "postgresql":
        return goals.order_by("-pk")
    return goals.order_by("-search_index__goal_id")


def _index_matches(goals, terms: list[str]):
    """Every goal whose search text holds the words (withdrawn or not, of any period), as
    the index finds them. (The models are reached from `goals`: metas.apps imports this
    package before they are loaded.)"""
    goal_model, database = goals.model, goals.db
    if connections[database].vendor == "postgresql":
        return goal_model.objects.using(database).filter(
            _TextSearch(_tsquery(terms))).values("pk")
    index = goal_model._meta.get_field("search_index").related_model
    return index.objects.using(database).filter(
        search_text__match=_fts5_match(terms)).values("goal_id")


class _GoalVector(Expression):
    """PostgreSQL: the goal's generated tsvector column (not a model field: SQLite has none),
    written with the alias the goal table has in this query (a subquery's is not its name)."""

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{alias}.search_vector", []


class _TextSearch(Expression):
    output_field = BooleanField()
    conditional = True

    def __init__(self, query: str):
        super().__init__()
        self.query = query

    def as_sql(self, compiler, connection):
        vector, _params = compiler.compile(_GoalVector())
        return f"{vector} @@ to_tsquery('{TS_CONFIG}', %s)", [self.query]


class _TextSearchRank(_TextSearch):
    output_field = FloatField()
    conditional = False

    def as_sql(self, compiler, connection):
        vector, _params = compiler.compile(_GoalVector())
        return f"-ts_rank_cd({vector}, to_tsquery('{TS_CONFIG}', %s))", [self.query]


def highlight(text: str, terms: list[str]) -> SafeString:
    """`text` escaped, with every word that starts with one of `terms` (accents and case
    aside) in <mark>."""
    if not terms or not text:
        return escape(text)
    folded = FoldedText(text)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, terms)) + r")\w*")
    pieces, at = [], 0
    for match in pattern.finditer(folded.folded):
        start, end = folded.origin(match.start()), folded.origin(match.end() - 1) + 1
        pieces += [escape(text[at:start]), "<mark>", escape(text[start:end]), "</mark>"]
        at = end
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces))
