"""Template helpers of the public site: `{% load metas_tags %}`."""
import re
from html import unescape

from django import template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.urls import reverse
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from metas import text
from metas.presentation.numbers import count_text, percent_text

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


@register.filter
def sentence_case(value):
    """{{ level.name|sentence_case }}: a name published in capitals, as lists show it."""
    return text.sentence_case(str(value or ""))


# A SHA-256 breaks only between groups of this many characters (two lines on a phone).
HASH_GROUP = 16


@register.filter
def hash_breaks(value):
    """A hexadecimal fingerprint with a line-break opportunity (<wbr>) every HASH_GROUP
    characters; copying it still gives the unbroken text."""
    digits = str(value or "")
    groups = [escape(digits[i:i + HASH_GROUP]) for i in range(0, len(digits), HASH_GROUP)]
    return mark_safe("<wbr>".join(groups))


# A slash between two parts of a path: not those of "https://", not one that ends the text.
_PATH_SLASH = re.compile(r"(?<=[^/:])/(?=[^/\s])")


@register.filter
def url_breaks(value):
    """Text with a line-break opportunity (<wbr>) after each "/": an address in a sentence
    then wraps between its parts on a phone, never inside a word; copying gives it unchanged."""
    return mark_safe(_PATH_SLASH.sub("/<wbr>", escape(str(value or ""))))


def _rendered_block(context, name) -> str:
    """The text the page's most derived `{% block name %}` renders, tags removed and
    whitespace collapsed ("" if the template has no such block)."""
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    block = block_context.get_block(name) if block_context else None
    if block is None:
        return ""
    with context.push():
        context["block"] = block
        html = block.nodelist.render(context)
    return " ".join(unescape(strip_tags(html)).split())


@register.inclusion_tag("metas/_social_meta.html", takes_context=True)
def social_meta(context, kind="website"):
    """Open Graph and Twitter card tags from the page's title and description blocks, for
    `{% block meta_social %}`. The address is the page's canonical one when it has one."""
    request = context.get("request")
    url = context.get("canonical_url") or (request.build_absolute_uri() if request else "")
    return {
        "title": _rendered_block(context, "title"),
        "description": _rendered_block(context, "description"),
        "url": url,
        "kind": kind,
    }
