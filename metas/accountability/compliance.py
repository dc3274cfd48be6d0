"""The "Cumplimiento LOTAIP" check: does a report meet what the law and the Defensoría del
Pueblo ask of it? Six criteria, each scored 1 (meets it), 0.5 (in part) or 0 (does not), as
the Defensoría's evaluations score, each with its reason in plain Spanish.

    check_parsed(parsed, period)        # before publishing (the staff preview), published today
    check_parsed(parsed, period, published_on=date)   # at import: what Report.compliance holds
    check_stored(report)                # the same from the stored report (refresh command)
    Check.of_report(report)             # the stored check, to show (no query)
    trend(institution)                  # every published month's score, one query

The criteria (CRITERIA, with the rule each states on /metodologia/):
1. deadline: the Defensoría's technical parameters (Resolución 007-DPE-CGAJ, art. 6) ask each
   month's information to be updated by the 10th of the following month, or the next working
   day. The report meets it when its update date falls between the first day of the month it
   reports and that deadline, AND it reached this site by the deadline (the site knows when it
   was published here, not on the institution's own portal); one of the two: 0.5.
   Working days: a deadline on a Saturday or Sunday moves to Monday (holidays are not known).
2. footer: the seven footer fields (update date, periodicity, holder unit, person responsible,
   e-mail, phone, verification link with its address): all 1, one or two missing 0.5.
3. quantifiable: every goal (but those that do not apply) has an indicator and a quantifiable
   target (a percentage, or a target in words with a figure).
4. not-applicable explained: every "no aplica" says why (at least two words after it).
5. no duplicates: no goal repeats another of its unit (the same objective, case and spacing
   aside).
6. progress at most 100 %: no goal reports more (the importer refuses a target starting with a
   percentage over 100; this also reads percentages written inside the target's words).
Criteria 3 to 6 count goals: none failing 1, at most one in ten 0.5, more 0.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Callable, NamedTuple

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from metas import periods
from metas.history import series_unit_key
from metas.models import Goal, Report
from metas.presentation.charts import Bar, bar_chart
from metas.presentation.numbers import percent_text
from metas.text import fold

VERSION = 1
# The Defensoría's deadline: this day of the month after the period.
DEADLINE_DAY = 10
# Goal-counting criteria: failing goals up to this share of those checked score 0.5.
PARTIAL_SHARE = Decimal("0.1")
# Goals named in a reason, at most (the first ones, in file order).
LINES_SHOWN = 5
FULL, PARTIAL, NONE = Decimal(1), Decimal("0.5"), Decimal(0)

_PERCENTAGE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\w+")


# --- What the criteria read: a report, parsed or stored --------------------------------------

class GoalFacts(NamedTuple):
    """A stored goal as the criteria read it: the names of metas.importer.ParsedGoal, which
    they read as it is."""

    unit_code: str
    unit_name: str
    objective: str
    indicator: str
    target: str
    status: str
    progress: Decimal | None
    file: str  # the original file's name
    line: int


@dataclass(frozen=True)
class ReportFacts:
    period: date
    published_on: date | None
    updated_on: date | None
    footer: dict[str, bool]  # FOOTER_FIELDS name -> present
    goals: list  # GoalFacts, or metas.importer.ParsedGoal


FOOTER_FIELDS = {
    "updated_on": gettext_lazy("update date"),
    "periodicity": gettext_lazy("periodicity"),
    "holder_unit": gettext_lazy("unit holding the information"),
    "responsible": gettext_lazy("person responsible"),
    "email": gettext_lazy("e-mail"),
    "phone": gettext_lazy("phone"),
    "link_url": gettext_lazy("verification link (its address)"),
}


def _footer(metadata) -> dict[str, bool]:
    present = {}
    for name in FOOTER_FIELDS:
        value = getattr(metadata, name)
        if name == "link_url":
            value = value if str(value).strip().lower().startswith(("http://", "https://")) else ""
        present[name] = bool(value) and bool(str(value).strip())
    return present


def facts_of_parsed(parsed, period: date, published_on: date | None) -> ReportFacts:
    metadata = parsed.metadata
    return ReportFacts(period, published_on, metadata.updated_on, _footer(metadata), parsed.goals)


def facts_of_stored(report: Report) -> ReportFacts:
    rows = (
        Goal.objects.filter(report=report)
        .order_by("position")
        .values_list("unit__code", "unit__published_name", "objective", "indicator", "target",
                     "status", "progress", "source_file__original_name", "source_line")
    )
    goals = [GoalFacts(*row[:7], row[7] or "", row[8]) for row in rows]
    published_on = timezone.localdate(report.imported_at) if report.imported_at else None
    return ReportFacts(report.period, published_on, report.updated_on, _footer(report), goals)


# --- Results ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """One criterion's score and the facts its reason is written from (JSON-friendly)."""

    code: str
    score: Decimal
    facts: dict = field(default_factory=dict)

    @cached_property
    def criterion(self) -> Criterion | None:
        return BY_CODE.get(self.code)

    @property
    def label(self) -> str:
        return str(self.criterion.label) if self.criterion else self.code

    @property
    def reason(self) -> str:
        return self.criterion.explain(self.score, self.facts) if self.criterion else ""

    @property
    def score_text(self) -> str:
        return number_format(self.score.normalize(), use_l10n=True)

    @property
    def verdict(self) -> str:
        return {FULL: _("meets it"), PARTIAL: _("meets it in part")}.get(
            self.score, _("does not meet it")
        )

    @property
    def status_class(self) -> str:
        return "" if self.score == FULL else "status-warn"


@dataclass(frozen=True)
class Check:
    results: list[Result]
    published_on: date | None = None

    @property
    def total(self) -> Decimal:
        return sum((result.score for result in self.results), Decimal(0))

    @property
    def maximum(self) -> int:
        return len(self.results)

    @property
    def total_text(self) -> str:
        return number_format(self.total.normalize(), use_l10n=True)

    @property
    def percent(self) -> Decimal:
        return self.total * 100 / self.maximum if self.maximum else Decimal(0)

    def as_stored(self) -> dict:
        return {
            "version": VERSION,
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "criteria": [
                {"code": r.code, "score": float(r.score), "facts": r.facts} for r in self.results
            ],
        }

    @classmethod
    def from_stored(cls, stored: dict) -> Check | None:
        """The check Report.compliance holds; None when it holds none (a report stored
        before the check existed: `manage.py refresh_accountability` computes it)."""
        if not stored or not stored.get("criteria"):
            return None
        published_on = stored.get("published_on")
        return cls(
            [Result(item["code"], Decimal(str(item["score"])), item.get("facts") or {})
             for item in stored["criteria"]],
            date.fromisoformat(published_on) if published_on else None,
        )

    @classmethod
    def of_report(cls, report: Report) -> Check | None:
        return cls.from_stored(report.compliance)


# --- The criteria -------------------------------------------------------------------------

@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    rule: str  # how it is scored, for /metodologia/
    score: Callable[[ReportFacts], Result]
    explain: Callable[[Decimal, dict], str]


def deadline_of(period: date) -> date:
    """The 10th of the month after `period`, moved to Monday from a Saturday or Sunday."""
    deadline = periods.shift(period, 1).replace(day=DEADLINE_DAY)
    while deadline.weekday() >= 5:
        deadline += timedelta(days=1)
    return deadline


def _day(value: str | None) -> str:
    return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT") if value else ""


def score_deadline(facts: ReportFacts) -> Result:
    deadline = deadline_of(facts.period)
    updated, published = facts.updated_on, facts.published_on
    updated_in_time = updated is not None and facts.period <= updated <= deadline
    published_in_time = published is not None and published <= deadline
    score = [NONE, PARTIAL, FULL][updated_in_time + published_in_time]
    return Result("deadline", score, {
        "deadline": deadline.isoformat(),
        "updated_on": updated.isoformat() if updated else None,
        "published_on": published.isoformat() if published else None,
        "updated_in_time": updated_in_time,
        "published_in_time": published_in_time,
    })


def explain_deadline(score, facts) -> str:
    values = {
        "deadline": _day(facts["deadline"]),
        "updated": _day(facts["updated_on"]),
        "published": _day(facts["published_on"]),
    }
    updated_ok, published_ok = facts["updated_in_time"], facts["published_in_time"]
    if updated_ok and published_ok:
        text = _("Updated on %(updated)s and published on this site on %(published)s, by the "
                 "deadline (%(deadline)s).")
    elif updated_ok:
        text = _("Updated on %(updated)s, by the deadline (%(deadline)s), but published on this "
                 "site on %(published)s, after it.")
    elif published_ok and not facts["updated_on"]:
        text = _("Published on this site on %(published)s, by the deadline (%(deadline)s), but "
                 "the report has no update date.")
    elif published_ok:
        text = _("Published on this site on %(published)s, by the deadline (%(deadline)s), but "
                 "its update date (%(updated)s) is outside the month reported and its deadline.")
    elif not facts["updated_on"]:
        text = _("The report has no update date, and it was published on this site on "
                 "%(published)s, after the deadline (%(deadline)s).")
    else:
        text = _("Its update date (%(updated)s) is outside the month reported and its deadline "
                 "(%(deadline)s), and it was published on this site on %(published)s, after "
                 "the deadline.")
    return text % values


def score_footer(facts: ReportFacts) -> Result:
    missing = [name for name, present in facts.footer.items() if not present]
    score = FULL if not missing else PARTIAL if len(missing) <= 2 else NONE
    return Result("footer", score, {"missing": missing})


def explain_footer(score, facts) -> str:
    missing = [str(FOOTER_FIELDS.get(name, name)) for name in facts["missing"]]
    if not missing:
        return _("The seven footer fields are filled in.")
    return ngettext(
        "%(count)s of the seven footer fields is missing: %(fields)s.",
        "%(count)s of the seven footer fields are missing: %(fields)s.",
        len(missing),
    ) % {"count": len(missing), "fields": ", ".join(missing)}


def _counting(code: str, checked: list[GoalFacts], failing: Callable[[GoalFacts], bool]):
    return _goal_result(code, len(checked), [goal for goal in checked if failing(goal)])


def _goal_result(code: str, checked: int, bad: list[GoalFacts]) -> Result:
    if not bad:
        score = FULL
    elif len(bad) <= PARTIAL_SHARE * checked:
        score = PARTIAL
    else:
        score = NONE
    lines = [[goal.file, goal.line] for goal in bad[:LINES_SHOWN]]
    return Result(code, score, {"checked": checked, "failing": len(bad), "lines": lines})


def _where(lines: list) -> str:
    places = [_("%(file)s, line %(line)s") % {"file": file, "line": line} if file
              else _("line %(line)s") % {"line": line} for file, line in lines]
    return "; ".join(places)


def _explain_counting(none_text, ok_text: Callable, bad_text: Callable):
    """The reason of a goal-counting criterion: `none_text` when no goal was checked,
    `ok_text(checked)` when none fails, `bad_text(failing, checked)` and where otherwise."""

    def explain(score, facts) -> str:
        checked, failing = facts["checked"], facts["failing"]
        if not checked:
            return str(none_text)
        if not failing:
            return ok_text % {"count": checked, "full": _FULL_TEXT()}
        text = bad_text % {"count": failing, "checked": checked, "full": _FULL_TEXT()}
        shown = _where(facts["lines"])
        if failing > len(facts["lines"]):
            return _("%(text)s The first ones: %(where)s.") % {"text": text, "where": shown}
        return _("%(text)s See %(where)s.") % {"text": text, "where": shown}
    return explain


def _is_quantifiable(goal: GoalFacts) -> bool:
    if not goal.indicator.strip():
        return False
    if goal.status == Goal.Status.PERCENT:
        return True
    return goal.status == Goal.Status.TEXT and bool(_DIGIT.search(goal.target))


def score_quantifiable(facts: ReportFacts) -> Result:
    applicable = [g for g in facts.goals if g.status != Goal.Status.NOT_APPLICABLE]
    return _counting("quantifiable", applicable, lambda g: not _is_quantifiable(g))


def _explains_itself(goal: GoalFacts) -> bool:
    return _explained(goal.target, goal.indicator)


@lru_cache(maxsize=1024)
def _explained(target: str, indicator: str) -> bool:
    """At least two words besides "no aplica", in the target or the indicator (each distinct
    pair read once: a report repeats its "NO APLICA, …" sentence)."""
    for text in (target, indicator):
        words = _WORD.findall(fold(text))
        if words[:2] == ["no", "aplica"]:
            words = words[2:]
        if len(words) >= 2:
            return True
    return False


def score_not_applicable(facts: ReportFacts) -> Result:
    not_applicable = [g for g in facts.goals if g.status == Goal.Status.NOT_APPLICABLE]
    return _counting("not_applicable", not_applicable, lambda g: not _explains_itself(g))


def _same_text(text: str) -> str:
    """What two objectives share when they differ only in case and spacing. (Not
    metas.text.fold: removing accents from every objective of a large report costs more than
    the rest of the check, and a goal retyped without its accents is rare.)"""
    return " ".join(text.casefold().split())


def score_duplicates(facts: ReportFacts) -> Result:
    seen = Counter()
    copies = []
    for goal in facts.goals:
        key = (series_unit_key(goal.unit_code, goal.unit_name), _same_text(goal.objective))
        seen[key] += 1
        if seen[key] > 1:
            copies.append(goal)
    return _goal_result("duplicates", len(facts.goals), copies)


def _over_100(goal: GoalFacts) -> bool:
    if goal.progress is not None and goal.progress > 100:
        return True
    return _mentions_over_100(goal.target)


@lru_cache(maxsize=4096)
def _mentions_over_100(target: str) -> bool:
    """Targets repeat ("100%", "NO APLICA, …"): each distinct one is read once."""
    return any(
        Decimal(number.replace(",", ".")) > 100 for number in _PERCENTAGE.findall(target)
    )


def score_progress(facts: ReportFacts) -> Result:
    return _counting("progress", facts.goals, _over_100)


def _FULL_TEXT() -> str:
    return percent_text(100)


CRITERIA = [
    Criterion(
        "deadline",
        gettext_lazy("Published by the legal deadline"),
        format_lazy(gettext_lazy(
            "The information of each month must be updated by the {day}th of the following "
            "month, or the next working day (Defensoría del Pueblo, Resolución 007-DPE-CGAJ, "
            "article 6). 1 point when the update date falls between the first day of the month "
            "reported and that deadline and the report reached this site by the deadline; 0.5 "
            "when only one of the two holds; 0 otherwise. A deadline on a Saturday or Sunday "
            "moves to Monday; holidays are not taken into account. This site knows when a "
            "report was published here, not on the institution's own portal."
        ), day=DEADLINE_DAY),
        score_deadline,
        explain_deadline,
    ),
    Criterion(
        "footer",
        gettext_lazy("Every footer field present"),
        gettext_lazy(
            "The update date, the periodicity, the unit holding the information, the person "
            "responsible, their e-mail and phone, and the verification link with its address. "
            "1 point when all seven are there; 0.5 when one or two are missing; 0 otherwise."
        ),
        score_footer,
        explain_footer,
    ),
    Criterion(
        "quantifiable",
        gettext_lazy("Each goal with an indicator and a quantifiable target"),
        gettext_lazy(
            "Every goal (except those that do not apply) has an indicator and a target that can "
            "be measured: a percentage, or a target in words with a figure."
        ),
        score_quantifiable,
        _explain_counting(
            gettext_lazy("None of the goals can be checked: none of them applies."),
            ngettext_lazy(
                "The goal has an indicator and a quantifiable target.",
                "All %(count)s goals have an indicator and a quantifiable target.",
                "count",
            ),
            ngettext_lazy(
                "%(count)s of %(checked)s goals lacks an indicator or a quantifiable target.",
                "%(count)s of %(checked)s goals lack an indicator or a quantifiable target.",
                "count",
            ),
        ),
    ),
    Criterion(
        "not_applicable",
        gettext_lazy("“No aplica” explained"),
        gettext_lazy(
            "Every goal marked “no aplica” says why, in at least two words after it."
        ),
        score_not_applicable,
        _explain_counting(
            gettext_lazy("No goal is marked “no aplica”."),
            ngettext_lazy(
                "The goal that does not apply says why.",
                "The %(count)s goals that do not apply say why.",
                "count",
            ),
            ngettext_lazy(
                "%(count)s of %(checked)s goals that do not apply does not say why.",
                "%(count)s of %(checked)s goals that do not apply do not say why.",
                "count",
            ),
        ),
    ),
    Criterion(
        "duplicates",
        gettext_lazy("No duplicate goals"),
        gettext_lazy(
            "No goal repeats the objective of another goal of the same unit (ignoring case and "
            "spacing)."
        ),
        score_duplicates,
        _explain_counting(
            gettext_lazy("The report has no goals."),
            ngettext_lazy(
                "No goal is repeated.", "None of the %(count)s goals is repeated.", "count"
            ),
            ngettext_lazy(
                "%(count)s of %(checked)s goals repeats another of its unit.",
                "%(count)s of %(checked)s goals repeat another of their unit.",
                "count",
            ),
        ),
    ),
    Criterion(
        "progress",
        gettext_lazy("No progress over 100 %"),
        gettext_lazy(
            "No goal reports more than 100 %. This site refuses a report whose target starts "
            "with a percentage over 100; this criterion also reads the percentages written "
            "inside a target's words."
        ),
        score_progress,
        _explain_counting(
            gettext_lazy("The report has no goals."),
            ngettext_lazy(
                "No goal reports more than %(full)s.",
                "None of the %(count)s goals reports more than %(full)s.",
                "count",
            ),
            ngettext_lazy(
                "%(count)s of %(checked)s goals reports more than %(full)s.",
                "%(count)s of %(checked)s goals report more than %(full)s.",
                "count",
            ),
        ),
    ),
]
BY_CODE = {criterion.code: criterion for criterion in CRITERIA}
PARTIAL_RULE = gettext_lazy(
    "Criteria that count goals score 1 when no goal fails, 0.5 when at most one in ten fails, "
    "and 0 otherwise."
)


# --- Running it ---------------------------------------------------------------------------

def run(facts: ReportFacts) -> Check:
    return Check([criterion.score(facts) for criterion in CRITERIA], facts.published_on)


def check_parsed(parsed, period: date, published_on: date | None = None) -> Check:
    """The check of a parsed report (metas.importer.ParsedReport) for `period`, as if it were
    published on `published_on` (today by default: the staff preview)."""
    published_on = published_on or timezone.localdate()
    return run(facts_of_parsed(parsed, period, published_on))


def check_stored(report: Report) -> Check:
    return run(facts_of_stored(report))


@dataclass
class Trend:
    months: list[tuple[date, Check | None]]
    chart: dict

    @property
    def has_months(self) -> bool:
        return bool(self.months)


def trend(institution) -> Trend:
    """The check of each of the institution's published reports, oldest first (one query)."""
    rows = (
        Report.objects.published().filter(institution=institution)
        .order_by("period").values_list("period", "compliance")
    )
    months = [(period, Check.from_stored(stored)) for period, stored in rows]
    bars = [
        Bar(periods.title(period), check.total if check else None,
            _("%(total)s of %(maximum)s") % {"total": check.total_text, "maximum": check.maximum}
            if check else _("not checked"))
        for period, check in months
    ]
    chart = bar_chart(
        bars, maximum=len(CRITERIA), title=_("LOTAIP compliance in each report"),
        description=_("Points out of %(maximum)s in each month.") % {"maximum": len(CRITERIA)},
        chart_id="grafico-cumplimiento",
    )
    return Trend(months, chart)
