"""Template helpers for the accountability badges and boxes: `{% load accountability_tags %}`.

None of them queries the database: they read what the view loaded.

    {{ report|lotaip_check }}       the stored Check (metas.accountability.compliance), or None
    {{ report|freshness }}          the "vigente" Notice of a report
    {{ goal|pace }}                 the goal's Pace (needs goal.report)
    {{ goal|pace_badge }}, {{ goal|reason_badge }}   their badges, for goal rows
    {% goal_citation goal url as cite %}   (sentence, permanent link); url: the goal's page
    {% error_report_link goal url as mailto %}  "¿Ve un error…?" mailto: link, or None
"""
from django import template
from django.utils.html import format_html
from django.utils.text import capfirst

from metas.accountability import citation, compliance, freshness as freshness_rules, pace as paces

register = template.Library()


@register.filter
def lotaip_check(report):
    return compliance.Check.of_report(report)


@register.filter
def freshness(report):
    return freshness_rules.notice(report)


@register.filter
def pace(goal):
    return paces.of_goal(goal)


@register.simple_tag(takes_context=True)
def goal_citation(context, goal, url=None):
    """The ready sentence and the permanent link; `url` defaults to the goal's page, made
    absolute with the request's address."""
    if not url:
        url = goal.get_absolute_url()
        request = context.get("request")
        if request is not None:
            url = request.build_absolute_uri(url)
    return {"text": citation.citation(goal, url), "url": url}


@register.simple_tag
def error_report_link(goal, url):
    """The "¿Ve un error en estos datos?" mailto: link, or None when the report gives no
    valid e-mail address."""
    return citation.error_report_mailto(goal, url)


@register.filter
def pace_badge(goal):
    """The pace badge alone: markup written here, not by a template per goal row (50 rows
    through two includes cost a list page a sixth of its time)."""
    found = paces.of_goal(goal)
    warning = " status-warn" if found.is_warning else ""
    return format_html('<span class="status{}">{}</span>', warning, capfirst(found.label))


@register.filter
def reason_badge(goal):
    """Why the goal does not progress, as a badge ("" when it states no reason)."""
    if not goal.reason:
        return ""
    return format_html('<span class="status status-warn">{}</span>',
                       capfirst(goal.get_reason_display()))
