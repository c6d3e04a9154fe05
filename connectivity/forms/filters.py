"""What the lists' GET filter forms share: every field optional, kept in the URL, styled as
Bootstrap's, with drop-downs written out quickly."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class FilterSelect(forms.Select):
    """A filter's drop-down, written out in Python rather than through a template per option.

    The review queue and the audit log draw their filters on every page view, with every
    status, engineer or organisation as an option; Django's widget templates took more time
    over them than the rest of the form. The HTML is the same as `forms.Select`'s (options
    carry only `selected`, as a plain `Select`'s do); option groups are not used here.
    """

    def render(self, name, value, attrs=None, renderer=None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (
                    option["value"],
                    flatatt(option["attrs"]),
                    option["label"],
                )
                for _, group, _ in widget["optgroups"]
                for option in group
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), options
        )


class _WrittenInput:
    """An `<input>` written out in Python, as Django's `input.html` writes it."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], name, shown, flatatt(widget["attrs"])
        )


class FilterTextInput(_WrittenInput, forms.TextInput):
    """A filter's text box (`FilterSelect` says why it is written in Python)."""


class FilterNumberInput(_WrittenInput, forms.NumberInput):
    """A filter's number box (`FilterSelect` says why it is written in Python)."""


class FilterHiddenInput(_WrittenInput, forms.HiddenInput):
    """A filter kept in the URL but not shown (`FilterSelect` says why it is written in
    Python)."""


class FilterDateInput(_WrittenInput, forms.DateInput):
    """A filter's date box (`FilterSelect` says why it is written in Python)."""


class ListFilterForm(forms.Form):
    """Narrow a list: Bootstrap's classes on every field (`includes/filter_fields.html`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"
