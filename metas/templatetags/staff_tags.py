"""Template helpers of the staff area and the history pages: `{% load staff_tags %}`."""
from datetime import timedelta

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def duration_text(value):
    """timedelta(hours=1) -> "1 hora", timedelta(minutes=90) -> "1 hora y 30 minutos"."""
    if not isinstance(value, timedelta):
        return ""
    minutes = max(round(value.total_seconds() / 60), 1)
    hours, minutes = divmod(minutes, 60)
    hours_text = ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes_text = ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    if hours and minutes:
        return gettext("%(hours)s and %(minutes)s") % {"hours": hours_text, "minutes": minutes_text}
    return hours_text if hours else minutes_text


@register.filter
def lines(value):
    """A text of one item per line as a list (the import log's file names and hashes)."""
    return [line for line in (value or "").splitlines() if line.strip()]
