"""The lists' filter widgets, written out in Python, say what Django's own widgets say."""

import re
from datetime import date

import pytest
from django import forms

from connectivity.forms.filters import (
    FilterDateInput,
    FilterHiddenInput,
    FilterNumberInput,
    FilterSelect,
    FilterTextInput,
)

CHOICES = [("", "Any"), ("a", 'A & <b>"quoted"</b>'), (3, "three")]
TEXT = 'Acme & <Sons> "Ltd"'


def _tags(html: str) -> list[tuple]:
    """Return each tag's name and attributes, in order, whatever the attributes' order."""
    return [
        (name, frozenset(re.findall(r'[\w-]+(?:="[^"]*")?', attributes)))
        for name, attributes in re.findall(r"<(/?\w+)([^>]*)>", html)
    ] + [("text", [text for text in re.findall(r">([^<]+)<", html) if text.strip()])]


def _form(field: forms.Field) -> type[forms.Form]:
    return type("Filters", (forms.Form,), {"x": field})


CASES = {
    "select": (
        lambda widget: forms.ChoiceField(choices=CHOICES, required=False, widget=widget),
        forms.Select,
        FilterSelect,
        [{}, {"x": "a"}, {"x": "3"}, {"x": "not a choice"}],
    ),
    "text": (
        lambda widget: forms.CharField(required=False, max_length=10, widget=widget),
        forms.TextInput,
        FilterTextInput,
        [{}, {"x": TEXT}, {"x": "x" * 11}],
    ),
    "number": (
        lambda widget: forms.IntegerField(required=False, min_value=0, widget=widget),
        forms.NumberInput,
        FilterNumberInput,
        [{}, {"x": "3"}, {"x": "-1"}, {"x": "three"}],
    ),
    "hidden": (
        lambda widget: forms.CharField(required=False, widget=widget),
        forms.HiddenInput,
        FilterHiddenInput,
        [{}, {"x": TEXT}],
    ),
    "date": (
        lambda widget: forms.DateField(required=False, widget=widget(attrs={"type": "date"})),
        forms.DateInput,
        FilterDateInput,
        [{}, {"x": date(2026, 12, 1).isoformat()}, {"x": "yesterday"}],
    ),
}


@pytest.mark.parametrize(
    ("field", "django_widget", "ours", "data"),
    [
        pytest.param(field, django_widget, ours, data, id=f"{name}-{index}")
        for name, (field, django_widget, ours, cases) in CASES.items()
        for index, data in enumerate(cases)
    ],
)
def test_a_filter_widget_writes_what_djangos_writes(field, django_widget, ours, data):
    theirs_form, our_form = _form(field(django_widget))(data), _form(field(ours))(data)
    theirs_form.is_valid(), our_form.is_valid()
    assert _tags(str(our_form["x"])) == _tags(str(theirs_form["x"]))
    assert "<Sons>" not in str(our_form["x"])
    assert "<b>" not in str(our_form["x"])
