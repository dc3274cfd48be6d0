"""The search's matched words in a page: `{% load search_tags %}`.

    {{ goal.objective|highlight:search_terms }}   {# escaped, each word found in <mark> #}
"""
from django import template

from metas.search import highlight as highlighted

register = template.Library()


@register.filter
def highlight(text, terms):
    return highlighted(text or "", terms or [])
