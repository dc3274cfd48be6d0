"""Form widgets of the public site."""
from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

SELECTED = mark_safe(" selected")


class QuickSelect(forms.Select):
    """A <select> whose options are written in Python rather than one template each.

    Django renders every option through its own template; the goal list's filters offer
    hundreds of options (institutions, parishes, neighbourhood councils), which made the form
    most of the page's time. The markup is the same; flat choices only.

    `options_html`, when set, is the options already written by options_html() (kept by the
    caller from one page to the next): render() then only marks the chosen ones.
    """

    options_html: SafeString | None = None

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        if self.options_html is not None:
            options = mark_selected(self.options_html, selected)
        else:
            options = self.options(self.choices, selected)
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)

    def use_required_attribute(self, initial):
        if self.options_html is not None:  # whether the first option is empty, as Select's
            return not self.is_hidden and self.options_html.startswith(option_start(""))
        return super().use_required_attribute(initial)

    @staticmethod
    def options(choices, selected=frozenset()) -> SafeString:
        """The <option>s of `choices` ((value, label) pairs), those in `selected` marked."""
        return format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option), SELECTED if str(option) in selected else "", label)
                for option, label in choices
            ),
        )


class QuickInput:
    """An <input> written in Python rather than through Django's input.html and attrs.html
    templates (of the goal list's filter form, its three inputs cost as much as its sixteen
    selects); the same markup. Mixed into Django's own input widgets."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        given = widget["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"],
            format_html(' value="{}"', given) if given is not None else "",
            attributes(widget["attrs"]),
        )


def attributes(attrs: dict) -> SafeString:
    """HTML attributes as Django's attrs.html writes them: in their order, True as a bare name,
    False left out."""
    return mark_safe("".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False
    ))


class QuickSearchInput(QuickInput, forms.SearchInput):
    pass


class QuickCheckbox(QuickInput, forms.CheckboxInput):
    pass


def option_start(value) -> str:
    """How options() starts the option of `value`, before any mark: `<option value="…">`."""
    return f'<option value="{conditional_escape(str(value))}">'


def mark_selected(options_html: str, selected) -> SafeString:
    """Options written by QuickSelect.options() unmarked, with those of `selected` marked, as
    options() would have written them."""
    for value in selected:
        start = option_start(value)
        options_html = options_html.replace(start, f"{start[:-1]}{SELECTED}>", 1)
    return mark_safe(options_html)
