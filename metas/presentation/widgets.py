"""Form widgets of the public site."""
from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

SELECTED = mark_safe(" selected")


class QuickSelect(forms.Select):
    """A <select> whose options are written in Python rather than one template each.

    Django renders every option through its own template; the goal list's filters offer
    hundreds of options (institutions, parishes, neighbourhood councils), which made the form
    most of the page's time. The markup is the same; flat choices only.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option), SELECTED if str(option) in selected else "", label)
                for option, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)
