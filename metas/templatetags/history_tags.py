"""A goal's history across months, for its page: `{% load history_tags %}`.

    {% goal_history goal as history %}   {# one query, whatever the number of months #}
"""
from dataclasses import dataclass
from datetime import date

from django import template
from django.utils.translation import gettext as _

from metas import periods
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
            Bar(periods.title(month.report.period), month.progress, progress_text(month))
            for month in months
        ],
        maximum=100,
        title=_("Progress of this goal in each report"),
        chart_id=f"historia-{goal.pk}",
    )
    unchanged_since = None
    if goal.change == Goal.Change.SAME and goal.months_unchanged:
        unchanged_since = periods.shift(goal.report.period, -goal.months_unchanged)
    return History(months=months, chart=chart, unchanged_since=unchanged_since)
