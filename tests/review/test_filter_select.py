"""The lists' filter drop-downs, written out in Python, say what Django's `Select` says."""

import re

import pytest
from django import forms

from connectivity.forms.filters import FilterSelect

CHOICES = [("", "Any"), ("a", 'A & <b>"quoted"</b>'), (3, "three")]


class _Plain(forms.Form):
    x = forms.ChoiceField(choices=CHOICES, required=False)


class _Filter(forms.Form):
    x = forms.ChoiceField(choices=CHOICES, required=False, widget=FilterSelect)


def _tags(html: str) -> list[tuple]:
    """Return each tag's name and attributes, in order, whatever the attributes' order."""
    return [
        (name, frozenset(re.findall(r'[\w-]+(?:="[^"]*")?', attributes)))
        for name, attributes in re.findall(r"<(/?\w+)([^>]*)>", html)
    ] + [("text", [text for text in re.findall(r">([^<]+)<", html) if text.strip()])]


@pytest.mark.parametrize("data", [{}, {"x": "a"}, {"x": "3"}, {"x": "not a choice"}])
def test_a_filter_select_is_the_html_of_a_select(data):
    plain, ours = _Plain(data), _Filter(data)
    plain.is_valid(), ours.is_valid()
    assert _tags(str(ours["x"])) == _tags(str(plain["x"]))
    assert "&lt;b&gt;" in str(ours["x"])  # labels are escaped
