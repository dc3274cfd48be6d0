"""Why a goal does not progress: its note classified by a versioned file of phrases.

    classify("Sólo posee estudios, no se ejecutó por falta de financiamiento")
    # Match("falta-de-financiamiento", "falta de financiamiento")
    reason_of(status, note, target)      # what the importer stores for a goal
    counts(goals)                        # {"falta-de-financiamiento": 32, ...}, one query

The rules are RULES_FILE (reasons-v<N>.csv beside this module): one phrase a line, each with
the reason it gives. Phrases are written as people write them, accents included; they match
whole words of the note once both are folded (metas.text.fold: case, accents and spacing do
not matter), so "Solo posee estudios" and "SÓLO POSEE ESTUDIOS" match "sólo posee estudios".
Misspellings seen in reports ("financiamento") are phrases of their own.

A note that names several reasons gets the first in Goal.Reason's order (the lack of
financing comes before "only studies": "Sólo posee estudios, no se ejecutó por falta de
financiamiento" did not progress for lack of financing); within a reason the longest phrase
found is kept, and its words exactly as the note wrote them.

What is classified: the note after the percentage of a goal with one; the published target of
a goal without one ("NO APLICA, …", "En proceso de contratación"). A note that matches no phrase
is "otra"; a goal marked "información no disponible" with no words of its own gets that reason.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db.models import Q

from metas.models import Goal
from metas.text import fold

RULES_VERSION = 1
RULES_FILE = Path(__file__).with_name(f"reasons-v{RULES_VERSION}.csv")
Reason = Goal.Reason
# The order a note naming several reasons is classified by (Goal.Reason's, without "none").
PRIORITY = [reason for reason in Reason if reason not in (Reason.NONE, Reason.OTHER)]

_WORD = re.compile(r"\w+")
_STATUS_PERCENT = Goal.Status.PERCENT
_STATUS_NOT_AVAILABLE = Goal.Status.NOT_AVAILABLE


@dataclass(frozen=True)
class Rule:
    reason: str
    phrase: str  # as written in the file
    words: tuple[str, ...]  # folded


@dataclass(frozen=True)
class Match:
    reason: str  # a Goal.Reason value
    words: str = ""  # the note's words that gave it, as written

    @property
    def label(self) -> str:
        return str(Reason(self.reason).label)


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """The phrases of RULES_FILE, in priority order of their reasons."""
    with open(RULES_FILE, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found = [
        Rule(row["reason"], row["phrase"], tuple(map(fold, _WORD.findall(row["phrase"]))))
        for row in rows
    ]
    unknown = {rule.reason for rule in found} - set(PRIORITY)
    if unknown:
        raise ValueError(f"{RULES_FILE.name}: unknown reasons {sorted(unknown)}")
    return tuple(sorted(found, key=lambda rule: PRIORITY.index(rule.reason)))


def rules_by_reason() -> list[tuple[str, list[str]]]:
    """[(reason label, [phrases])] in priority order, for the methodology page."""
    grouped = {reason: [] for reason in PRIORITY}
    for rule in rules():
        grouped[rule.reason].append(rule.phrase)
    return [(str(Reason(reason).label), phrases) for reason, phrases in grouped.items()]


@lru_cache(maxsize=8192)
def classify(text: str) -> Match | None:
    """The reason a text gives, with its words as written; None when it names none."""
    tokens = list(_WORD.finditer(text))
    folded = [fold(token.group()) for token in tokens]
    best: tuple[Rule, int] | None = None
    for rule in rules():
        if best is not None and rule.reason != best[0].reason:
            break  # a reason earlier in the order was found
        start = _find(folded, rule.words)
        if start is not None and (best is None or len(rule.words) > len(best[0].words)):
            best = (rule, start)
    if best is None:
        return None
    rule, start = best
    first, last = tokens[start], tokens[start + len(rule.words) - 1]
    return Match(rule.reason, text[first.start():last.end()])


def _find(words: list[str], phrase: tuple[str, ...]) -> int | None:
    size = len(phrase)
    for start in range(len(words) - size + 1):
        if tuple(words[start:start + size]) == phrase:
            return start
    return None


@lru_cache(maxsize=8192)
def reason_of(status: str, note: str, target: str) -> Match:
    """A goal's reason: see the module's docstring. Match("") when it states none. Goals
    repeat their notes and targets: each distinct one is classified once."""
    text = note if status == _STATUS_PERCENT else target
    found = classify(text) if text.strip() else None
    if found is not None:
        return Match(found.reason, found.words[:300])
    if status == _STATUS_PERCENT and note.strip():
        return Match(Reason.OTHER)
    if status == Goal.Status.NOT_APPLICABLE:
        return Match(Reason.NOT_APPLICABLE)
    if status == _STATUS_NOT_AVAILABLE:
        return Match(Reason.NOT_AVAILABLE)
    return Match(Reason.NONE)


def condition(reason: str) -> Q:
    """The goals of one reason, for a filter of the goal list (?motivo=<reason>)."""
    return Q(reason=reason)


FILTER_CHOICES = [(reason.value, reason.label) for reason in Reason if reason != Reason.NONE]


def counts(goals) -> dict[str, int]:
    """How many goals of a queryset have each reason, in one query, in priority order."""
    return goals.count_each({value: condition(value) for value, _label in FILTER_CHOICES})
