"""A goal's history across months, for its page: `{% load history_tags %}`.

    {% goal_history goal as history %}   {# one query, whatever the number of months #}
"""
from dataclasses import dataclass
from datetime import date

from django import template
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from metas.charts import Bar, bar_chart, percent_text
from metas.models import Goal

register = template.Library()


@dataclass
class History:
    months: list[Goal]  # the goal in each report, oldest first, with `report` loaded
    chart: dict
    unchanged_since: date | None  # first month of the progress it still shows

    @property
    def has_several_months(self) -> bool:
        return len(self.months) > 1


def months_before(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def progress_text(goal: Goal) -> str:
    if goal.progress is not None:
        return percent_text(goal.progress)
    return Goal.Status(goal.status).label if goal.status in Goal.Status.values else goal.status


@register.simple_tag
def goal_history(goal: Goal) -> History:
    if goal.series is None:
        months = [goal]
    else:
        months = list(
            Goal.objects.filter(series=goal.series, report__institution=goal.report.institution_id)
            .select_related("report")
            .only("progress", "status", "change", "months_unchanged", "report__period",
                  "report__institution_id")
            .order_by("report__period")
        )
    chart = bar_chart(
        [
            Bar(capfirst(date_format(month.report.period, "YEAR_MONTH_FORMAT")), month.progress,
                progress_text(month))
            for month in months
        ],
        maximum=100,
        title=_("Progress of this goal in each report"),
        chart_id=f"historia-{goal.pk}",
    )
    unchanged_since = None
    if goal.change == Goal.Change.SAME and goal.months_unchanged:
        unchanged_since = months_before(goal.report.period, goal.months_unchanged)
    return History(months=months, chart=chart, unchanged_since=unchanged_since)
