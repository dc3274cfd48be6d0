"""Each goal's history across months, and what changed between two reports.

"The same goal" in two reports of one institution is a goal of the same unit (code and
published name, compared folded) whose objective text is equal up to case, accents and spacing,
or nearly equal (a typo fixed): exact folded matches are taken first, then the best fuzzy match,
one to one. The same matching serves the stored history (`link_history`, called by the importer
inside its transaction) and the staff preview, which compares parsed goals with stored ones
(`compare`).

Stored history, per goal:
- `series`: one UUID shared by the same goal across months;
- `previous` / `previous_progress`: the same goal in the institution's previous report;
- `change`: "" when the institution has no previous report, "nueva" when no previous goal
  matched, "sube"/"baja" when the progress went up/down, "sin-cambio" when the goal reads the
  same (same status and percentage, or the same text target), and "" when the two months cannot
  be compared (40 % one month, "información no disponible" the next);
- `months_unchanged`: the previous goal's count plus the months between the two reports when
  the goal is "sin-cambio", else 0.
A goal of the previous report that no goal matched was removed; that is computed, not stored.
"""
from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from functools import cached_property, lru_cache
from typing import Any, Sequence

from django.db import transaction

from . import periods
from .bulk import update_many
from .models import Goal, Report
from .text import fold

# Two objectives of one unit whose folded texts are at least this similar are the same goal:
# high enough that "Pavimentación de vías" and "Pavimentación de vías urbanas" stay apart.
SIMILARITY_THRESHOLD = 0.9

HISTORY_FIELDS = ["series", "previous", "previous_progress", "change", "months_unchanged"]
# Series of goals that start in a report are UUIDs derived from what the goal is (uuid5).
SERIES_NAMESPACE = uuid.UUID("5d9c3e0a-6f1b-4c38-9a51-2b7c1e4d8f60")


# --- Matching -----------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def series_unit_key(code: str, published_name: str) -> tuple[str, str]:
    """What makes two months' units the same for history: code and published name, folded
    (levels are left out: a unit keeps its goals' history when its level is renamed)."""
    return fold(code or ""), fold(published_name or "")


@dataclass(frozen=True)
class Entry:
    """A goal as matching and comparing see it, parsed or stored."""

    unit_code: str
    unit_name: str
    objective: str
    progress: Decimal | None
    status: str
    target: str = ""
    goal: Any = None  # the stored Goal or the ParsedGoal it stands for

    @classmethod
    def of_goal(cls, goal: Goal) -> Entry:
        return cls._of(goal.unit.code, goal.unit.published_name, goal)

    @classmethod
    def of_parsed(cls, parsed) -> Entry:
        return cls._of(parsed.unit_code, parsed.unit_name, parsed)

    @classmethod
    def _of(cls, unit_code: str, unit_name: str, goal) -> Entry:
        return cls(
            unit_code,
            unit_name,
            goal.objective,
            goal.progress,
            goal.status,
            target=goal.target,
            goal=goal,
        )

    @cached_property
    def unit(self) -> tuple[str, str]:
        return series_unit_key(self.unit_code, self.unit_name)

    @cached_property
    def folded_objective(self) -> str:
        return fold(self.objective)

    @property
    def status_label(self) -> str:
        try:
            return str(Goal.Status(self.status).label)
        except ValueError:
            return self.status


def match(previous: Sequence[Entry], current: Sequence[Entry]) -> dict[int, int]:
    """Pair each current entry with the same goal among the previous ones.

    Returns {index in current: index in previous}; unpaired entries are new (current) or
    removed (previous). Pairs never cross units, and each previous entry is used at most once.
    """
    previous_by_unit = defaultdict(list)
    for index, entry in enumerate(previous):
        previous_by_unit[entry.unit].append(index)
    current_by_unit = defaultdict(list)
    for index, entry in enumerate(current):
        current_by_unit[entry.unit].append(index)

    pairs: dict[int, int] = {}
    for unit, current_indices in current_by_unit.items():
        previous_indices = previous_by_unit.get(unit)
        if previous_indices:
            pairs.update(_match_unit(previous, previous_indices, current, current_indices))
    return pairs


def _match_unit(previous, previous_indices, current, current_indices) -> dict[int, int]:
    pairs: dict[int, int] = {}
    # Identical texts first (most goals, month after month: no folding needed), then texts
    # equal once folded, then the most similar of the rest; in file order when a text repeats.
    for text_of in (lambda entry: entry.objective, lambda entry: entry.folded_objective):
        used = set(pairs.values())
        waiting = defaultdict(list)
        for i in previous_indices:
            if i not in used:
                waiting[text_of(previous[i])].append(i)
        for i in current_indices:
            if i not in pairs:
                candidates = waiting.get(text_of(current[i]))
                if candidates:
                    pairs[i] = candidates.pop(0)

    used = set(pairs.values())
    left_previous = [i for i in previous_indices if i not in used]
    left_current = [i for i in current_indices if i not in pairs]
    scored = []
    for c in left_current:
        for p in left_previous:
            ratio = _similar_enough(current[c].folded_objective, previous[p].folded_objective)
            if ratio is not None:
                scored.append((-ratio, c, p))
    scored.sort()
    for _negative_ratio, c, p in scored:
        if c not in pairs and p not in used:
            pairs[c] = p
            used.add(p)
    return pairs


def _similar_enough(a: str, b: str) -> float | None:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    # The quick upper bounds skip most pairs without the full comparison.
    if matcher.real_quick_ratio() < SIMILARITY_THRESHOLD:
        return None
    if matcher.quick_ratio() < SIMILARITY_THRESHOLD:
        return None
    ratio = matcher.ratio()
    return ratio if ratio >= SIMILARITY_THRESHOLD else None


# --- What changed ---------------------------------------------------------------------------

@dataclass
class Changes:
    """What changed between an institution's previous report and a new one."""

    previous_period: date | None = None
    new: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)
    # (before, after) pairs
    progress: list[tuple[Entry, Entry]] = field(default_factory=list)
    not_applicable: list[tuple[Entry, Entry]] = field(default_factory=list)
    units_added: list[tuple[str, str]] = field(default_factory=list)  # (code, published name)
    units_removed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.previous_period is not None

    @property
    def total(self) -> int:
        return sum(
            len(items)
            for items in (
                self.new,
                self.removed,
                self.progress,
                self.not_applicable,
                self.units_added,
                self.units_removed,
            )
        )

    @property
    def units_changed(self) -> int:
        return len(self.units_added) + len(self.units_removed)

    @property
    def went_up(self) -> int:
        return sum(1 for before, after in self.progress if after.progress > before.progress)

    @property
    def went_down(self) -> int:
        return len(self.progress) - self.went_up


def build_changes(
    previous: Sequence[Entry], current: Sequence[Entry], pairs: dict[int, int], previous_period=None
) -> Changes:
    """Sort matched and unmatched entries into the categories staff and readers see."""
    changes = Changes(previous_period=previous_period)
    if previous_period is None:
        return changes
    matched_previous = set(pairs.values())
    for index, entry in enumerate(current):
        if index not in pairs:
            changes.new.append(entry)
            continue
        before = previous[pairs[index]]
        if change_between(before, entry) in (Goal.Change.UP, Goal.Change.DOWN):
            changes.progress.append((before, entry))
        elif (
            entry.status == Goal.Status.NOT_APPLICABLE
            and before.status != Goal.Status.NOT_APPLICABLE
        ):
            changes.not_applicable.append((before, entry))
    changes.removed = [e for i, e in enumerate(previous) if i not in matched_previous]

    previous_units = _units(previous)
    current_units = _units(current)
    changes.units_added = [name for key, name in current_units.items() if key not in previous_units]
    changes.units_removed = [
        name for key, name in previous_units.items() if key not in current_units
    ]
    return changes


def _units(entries: Sequence[Entry]) -> dict[tuple[str, str], tuple[str, str]]:
    units = {}
    for entry in entries:
        units.setdefault(entry.unit, (entry.unit_code, entry.unit_name))
    return units


def compare(parsed_goals, institution, period: date) -> Changes:
    """What publishing these parsed goals for `period` would change, against the institution's
    stored report just before that period (the preview of a staff upload)."""
    previous_report = previous_report_of(institution, period) if institution else None
    if previous_report is None:
        return Changes()
    previous = [Entry.of_goal(g) for g in _goals_for_history(previous_report)]
    current = [Entry.of_parsed(g) for g in parsed_goals]
    return build_changes(previous, current, match(previous, current), previous_report.period)


def stored_changes(report: Report) -> Changes:
    """What changed in a stored report, read from the stored history links."""
    previous_report = previous_report_of(report.institution_id, report.period)
    if previous_report is None:
        return Changes()
    previous_goals = list(_goals_for_history(previous_report))
    current_goals = list(_goals_for_history(report))
    previous = [Entry.of_goal(g) for g in previous_goals]
    current = [Entry.of_goal(g) for g in current_goals]
    index_of_previous = {goal.pk: index for index, goal in enumerate(previous_goals)}
    pairs = {
        index: index_of_previous[goal.previous_id]
        for index, goal in enumerate(current_goals)
        if goal.previous_id in index_of_previous
    }
    return build_changes(previous, current, pairs, previous_report.period)


# --- Stored history -----------------------------------------------------------------------

def previous_report_of(institution, period: date) -> Report | None:
    earlier = Report.objects.filter(institution=institution, period__lt=period)
    return earlier.order_by("-period").first()


def next_report_of(institution, period: date) -> Report | None:
    return (
        Report.objects.filter(institution=institution, period__gt=period).order_by("period").first()
    )


def link_history(report: Report) -> None:
    """Link a just-stored report's goals to the institution's previous report, and the next
    report's goals (if any) to this one, so that re-importing a middle month keeps the chain.

    Runs inside the importer's transaction; a few queries per report, whatever its size.
    """
    with transaction.atomic():  # a savepoint within the importer's transaction
        previous = previous_report_of(report.institution_id, report.period)
        following = next_report_of(report.institution_id, report.period)
        if following is not None:
            # Free the one-to-one links into the previous report before this report takes them.
            Goal.objects.filter(report=following).exclude(previous=None).update(previous=None)
        _link(previous, report)
        if following is not None:
            _link(report, following)
            _carry_forward(following)


def _goals_for_history(report: Report):
    return (
        Goal.objects.filter(report=report)
        .select_related("unit")
        .only(
            "report_id",
            "position",
            "objective",
            "progress",
            "status",
            "target",
            "previous_id",
            *HISTORY_FIELDS,
            "unit__code",
            "unit__published_name",
        )
        .order_by("position", "pk")
    )


def _link(previous_report: Report | None, report: Report) -> None:
    if previous_report is None and not report.goals.filter(series=None).exists():
        return  # a first report as the importer stores it: each goal already starts its series
    goals = list(_goals_for_history(report))
    previous_goals = list(_goals_for_history(previous_report)) if previous_report else []
    current = [Entry.of_goal(g) for g in goals]
    pairs = match([Entry.of_goal(g) for g in previous_goals], current)
    months = (
        periods.months_between(previous_report.period, report.period) if previous_report else 0
    )

    stored = [_history_state(goal) for goal in goals]
    # A goal that starts here keeps the series the importer gave it, unless the previous report
    # uses it; then it gets the one it would have had (computed only when needed).
    taken = {goal.series for goal in previous_goals}
    fresh = None
    for index, goal in enumerate(goals):
        if index in pairs:
            _continue_series(goal, previous_goals[pairs[index]], months)
            continue
        series = goal.series
        if series is None or series in taken:
            fresh = fresh or starting_series(report, current)
            series = fresh[index]
        _start_series(goal, series, has_previous_report=previous_report is not None)
    _save_changed(goals, stored)


def starting_series(report: Report, entries: Sequence[Entry]) -> list[uuid.UUID]:
    """The series each goal of `report` gets if it starts there (see first_series)."""
    occurrences = Counter()
    series = []
    for entry in entries:
        key = (entry.unit, entry.folded_objective)
        occurrences[key] += 1
        series.append(first_series(report, key, occurrences[key]))
    return series


def first_series(report: Report, key, occurrence: int) -> uuid.UUID:
    """The series of a goal that starts in `report`, derived from what the goal is, so that
    re-importing the month gives it the same series (and feeds the same entry ids).

    `key` is (series_unit_key(code, published name), fold(objective)); `occurrence` counts the
    goals of the report with that key so far, in file order (1 for the first). The importer uses
    it when it creates the goals, so that linking a first month rewrites nothing.
    """
    (code, unit_name), objective = key
    name = "\x1f".join(
        [str(report.institution_id), periods.slug(report.period), code, unit_name, objective,
         str(occurrence)]
    )
    return uuid.uuid5(SERIES_NAMESPACE, name)


def _history_state(goal: Goal) -> tuple:
    return tuple(getattr(goal, Goal._meta.get_field(name).attname) for name in HISTORY_FIELDS)


def _save_changed(goals: list[Goal], stored: list[tuple]) -> None:
    """Write only the goals and fields that changed: a first report only gains its series."""
    changed_goals, changed_fields = [], set()
    for goal, before in zip(goals, stored):
        after = _history_state(goal)
        if after != before:
            changed_goals.append(goal)
            changed_fields.update(
                name for name, old, new in zip(HISTORY_FIELDS, before, after) if old != new
            )
    if not changed_goals:
        return
    if "previous" in changed_fields:
        # `previous` is one-to-one: free the links being moved before any is taken again.
        at = HISTORY_FIELDS.index("previous")
        moved = [
            goal.pk
            for goal, before in zip(goals, stored)
            if before[at] is not None and before[at] != goal.previous_id
        ]
        if moved:
            Goal.objects.filter(pk__in=moved).update(previous=None)
    update_many(changed_goals, [name for name in HISTORY_FIELDS if name in changed_fields])


def _continue_series(goal: Goal, before: Goal, months: int) -> None:
    goal.series = before.series or uuid.uuid4()
    goal.previous = before
    goal.previous_progress = before.progress
    goal.change = change_between(before, goal)
    goal.months_unchanged = months_unchanged_after(goal.change, before.months_unchanged, months)


def _start_series(goal: Goal, series: uuid.UUID, *, has_previous_report: bool) -> None:
    goal.series = series
    goal.previous = None
    goal.previous_progress = None
    goal.change = Goal.Change.NEW if has_previous_report else ""
    goal.months_unchanged = 0


def change_between(before, after) -> str:
    """How a goal moved from `before` to `after` (goals, or anything with status, progress and
    target): up, down, unchanged, or "" when a percentage sits on one side only."""
    if before.progress is not None and after.progress is not None:
        if after.progress > before.progress:
            return Goal.Change.UP
        if after.progress < before.progress:
            return Goal.Change.DOWN
        return Goal.Change.SAME
    same_state = before.status == after.status and before.progress == after.progress
    if same_state and (after.status != Goal.Status.TEXT or fold(before.target) == fold(after.target)):
        return Goal.Change.SAME
    return ""


def months_unchanged_after(change: str, months_unchanged_before: int, months: int) -> int:
    """Months without change: they add up while the goal stays the same, and restart at 0."""
    return months_unchanged_before + months if change == Goal.Change.SAME else 0


def _carry_forward(report: Report) -> None:
    """After `report` was re-linked, pass its series and months without change on to the
    later reports, stopping at the first report that needs no update."""
    later_reports = Report.objects.filter(
        institution=report.institution_id, period__gt=report.period
    ).order_by("period")
    for later in later_reports:
        goals = list(
            Goal.objects.filter(report=later, previous__isnull=False)
            .select_related("previous__report")
            .only(
                *HISTORY_FIELDS,
                "report_id",
                "previous__report__period",
                "previous__series",
                "previous__months_unchanged",
            )
        )
        changed = []
        for goal in goals:
            before = goal.previous
            months = periods.months_between(before.report.period, later.period)
            series = before.series
            months_unchanged = months_unchanged_after(goal.change, before.months_unchanged, months)
            if (goal.series, goal.months_unchanged) != (series, months_unchanged):
                goal.series, goal.months_unchanged = series, months_unchanged
                changed.append(goal)
        if not changed:
            return
        update_many(changed, ["series", "months_unchanged"])
