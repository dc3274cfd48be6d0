"""Template helpers of the public site: `{% load metas_tags %}`."""
from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from metas import text
from metas.numbers import count_text, percent_text

register = template.Library()

# (label, URL name of the section's page, URL names that belong to the section)
NAV_SECTIONS = [
    (_("Home"), "metas:home", {"home"}),
    (_("Institutions"), "metas:institution-directory",
     {"institution-directory", "institution-overview"}),
    (_("Goals"), "metas:goal-list", {"goal-list", "goal-detail", "goal-series"}),
    (_("Units"), "metas:unit-list", {"unit-list", "unit-detail"}),
    (_("Parishes"), "metas:parish-list",
     {"parish-list", "parish-detail", "province-detail", "canton-detail"}),
    (_("Reports"), "metas:report-list", {"report-list", "report-detail"}),
    (_("Open data"), "metas:data-dictionary", {"data-dictionary"}),
]


@register.simple_tag(takes_context=True)
def site_nav(context):
    """The main menu as [{"label", "url", "current"}]; works without a request (500 page)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match and match.namespace == "metas" else None
    return [
        {"label": label, "url": reverse(url_name), "current": current in names}
        for label, url_name, names in NAV_SECTIONS
    ]


@register.filter
def percent(value, decimal_places=1):
    """{{ goal.progress|percent }} -> "72,5 %" ("" for None)."""
    return percent_text(value, int(decimal_places))


@register.filter
def count(value):
    """{{ 1234|count }} -> "1.234"."""
    return count_text(value)


@register.filter
def bar_width(value):
    """A percentage as the width of a 0–100 drawing: clamped, never localised."""
    if value is None:
        return "0"
    return f"{min(max(float(value), 0.0), 100.0):.1f}"


@register.filter
def web_url(value):
    """An imported link if it is http(s), else "": a published "javascript:" is never a link."""
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) else ""


@register.filter
def email_address(value):
    """The e-mail address in an imported footer field (then it may be a mailto: link), else ""."""
    return text.email_address(value)
