"""Template helpers of the public site: `{% load metas_tags %}`."""
import re
from html import escape as html_escape
from html import unescape

from django import template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.urls import reverse
from django.utils import formats
from django.utils.html import escape, format_html, strip_tags
from django.utils.text import capfirst
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from metas import text
from metas.presentation.numbers import count_text, percent_text
from metas.search import highlight

from .accountability_tags import pace_badge, reason_badge

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


# --- A goal in a list ------------------------------------------------------------------------
# Written here rather than by a template per row: the template engine resolving each row's
# dozen variables, filters and translations was about a third of a cold goal list's time.

@register.simple_tag
def progress_bar(goal):
    """A goal's progress: a drawing for the eye, the figure or status as text."""
    if goal.progress is not None:
        return format_html(
            '<span class="progress"><svg viewBox="0 0 100 10" preserveAspectRatio="none" '
            'aria-hidden="true" focusable="false"><rect class="track" width="100" height="10"/>'
            '<rect class="fill" width="{}" height="10"/></svg><span class="value">{}</span>'
            "</span>",
            bar_width(goal.progress), percent(goal.progress, 2),
        )
    if goal.status == "not_applicable":
        return format_html('<span class="status">{}</span>', gettext("Does not apply"))
    if goal.status == "not_available":
        return format_html('<span class="status status-warn">{}</span>',
                           gettext("Information not available"))
    return format_html('<span class="status">{}</span>',
                       gettext("No percentage (target in words)"))


@register.simple_tag(takes_context=True)
def goal_row(context, goal, show_institution=False, matched_text=""):
    """One goal in a list, as <li>. `goal` has its report, institution, unit and level joined;
    `show_institution` adds the institution and period; `matched_text`, the words that tagged
    it with a parish or council. From the page: `search_terms` (their words marked in the
    objective) and `parish_chosen` (whether the goal names it or covers it). Every value is
    escaped by _html (format_html's own escaping, for fifty rows, cost as much as a template)."""
    terms = context.get("search_terms")
    objective = highlight(goal.objective, terms) if terms else goal.objective
    terms_html = "".join(
        f"    <dt>{_html(term)}</dt><dd{attributes}>{_html(value)}</dd>\n"
        for term, attributes, value in _goal_terms(
            goal, show_institution, context.get("parish_chosen"), matched_text)
    )
    url = reverse("metas:goal-detail", args=[goal.pk])
    return mark_safe(
        f'<li class="goal-item">\n  <h3><a href="{_html(url)}">{_html(objective)}</a></h3>\n'
        f"  {progress_bar(goal)}\n  <dl>\n{terms_html}  </dl>\n</li>"
    )


def _html(value) -> str:
    """`value` as HTML: escaped, unless it is already (conditional_escape, without its cost)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html_escape(str(value))


def _goal_terms(goal, show_institution, parish, matched_text):
    """The (term, <dd>'s attributes, description) of a goal row's <dl>."""
    unit = goal.unit
    yield gettext("Unit"), "", unit.published_name
    if unit.level:
        yield gettext("Level"), "", sentence_case(unit.level.name)
    if show_institution:
        period = formats.date_format(goal.report.period, "YEAR_MONTH_FORMAT")
        yield gettext("Report"), "", f"{goal.report.institution.name}, {period}"
    if goal.lacks_financing and goal.reason != "falta-de-financiamiento":
        yield gettext("Financing"), "", mark_safe(
            f'<span class="status status-warn">{_html(gettext("Lacks financing"))}</span>')
    if goal.progress is not None:
        yield gettext("Pace"), "", pace_badge(goal)
    if goal.reason:
        words = (f' <span class="matched">«{_html(goal.reason_words)}»</span>'
                 if goal.reason_words and not goal.note else "")
        yield gettext("Why it does not progress"), "", mark_safe(
            f"{_html(reason_badge(goal))}{words}")
    if goal.note:
        yield gettext("Note"), "", goal.note
    if parish:
        relation = (gettext("Names %(parish)s") if getattr(goal, "names_parish", False) else
                    gettext("For every urban or rural parish together, %(parish)s among them"))
        # As {% blocktranslate %} writes it: the message as it is, the name escaped.
        yield gettext("Parish"), "", mark_safe(relation % {"parish": _html(parish.name)})
    if matched_text:
        yield gettext("Words matched"), ' class="matched"', f"«{matched_text}»"


@register.simple_tag
def history_rows(months, goal):
    """The rows of a goal's history table (views.goals.goal_history's months), as <tr>s: the
    month (a link, but for this page's), the progress or status, the change. Written here for
    the reason goal_row is: a template resolving each month's filters and links was a tenth of
    a goal page's time."""
    rows, this_page = [], gettext("this page")
    for month in months:
        period = _html(capfirst(formats.date_format(month.report.period, "YEAR_MONTH_FORMAT")))
        if month.pk == goal.pk:
            heading = f'{period} <span class="muted">({_html(this_page)})</span>'
        else:
            url = reverse("metas:goal-detail", args=[month.pk])
            heading = f'<a href="{_html(url)}">{period}</a>'
        progress = (percent_text(month.progress, 1) if month.progress is not None
                    else month.get_status_display())
        change = month.get_change_display() or "—"
        rows.append(f'        <tr>\n          <th scope="row">{heading}</th>\n'
                    f'          <td class="num">{_html(progress)}</td>\n'
                    f"          <td>{_html(change)}</td>\n        </tr>")
    return mark_safe("\n".join(rows))


@register.filter
def field_group(field):
    """{{ field|field_group }}: what Django's {{ field.as_field_group }} writes (label, help
    text, errors, widget), without its two templates a field; a fieldset (radio buttons) or a
    field without an id is left to Django."""
    if field.use_fieldset or not field.label or not field.auto_id:
        return field.as_field_group()
    help_text = (f'<div class="helptext" id="{_html(field.auto_id)}_helptext">'
                 f"{field.help_text}</div>" if field.help_text else "")
    errors = str(field.errors) if field.errors else ""
    return mark_safe(
        f'<label for="{_html(field.id_for_label)}">{_html(field.label)}</label>\n'
        f"{help_text}\n{errors}\n{field}"
    )
