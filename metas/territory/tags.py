"""The rows that store a goal's territory tags, and a memo for tagging many goals.

Used by every writer of tags: the importer (metas.importer.store), re-tagging
(metas.publication.retag) and the demo data, so all three write the same rows for the same tags.
"""
from __future__ import annotations

from .tagger import Tags


def tag_rows(
    goal_id: int, tags: Tags, parish_ids: dict[str, int], canton_ids: dict[str, int],
    council_ids: dict[str, int],
) -> tuple[list[dict], list[dict], list[dict]]:
    """The GoalParish, GoalCanton and GoalNeighbourhood rows of one goal's tags (for
    metas.bulk); the ids are {slug: pk}."""
    parishes = [
        {"goal": goal_id, "parish": parish_ids[place.slug],
         "matched_text": place.matched_text[:300], "via_coverage": place.via_coverage}
        for place in tags.parishes
    ]
    cantons = [
        {"goal": goal_id, "canton": canton_ids[place.slug],
         "matched_text": place.matched_text[:300]}
        for place in tags.cantons
    ]
    councils = [
        {"goal": goal_id, "neighbourhood": council_ids[place.slug],
         "matched_text": place.matched_text[:300]}
        for place in tags.neighbourhoods
    ]
    return parishes, cantons, councils


def cached(function):
    """`function` computed once per distinct argument (a plain dict: no size limit, no lock,
    for the duration of one import or re-tagging, where objectives and names repeat)."""
    results = {}

    def lookup(argument):
        if argument not in results:
            results[argument] = function(argument)
        return results[argument]

    return lookup
