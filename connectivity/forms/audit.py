"""The audit log's filters."""

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from connectivity.models import AuditAction, Organisation

from .filters import FilterDateInput, FilterSelect, FilterTextInput, ListFilterForm

EARLIEST = date(2000, 1, 1)
LATEST = date(9999, 12, 30)


class AuditFilterForm(ListFilterForm):
    """Narrow the audit log; every field is optional and kept in the URL."""

    action = forms.ChoiceField(
        label="What",
        required=False,
        choices=[("", "Anything"), *AuditAction.choices],
        widget=FilterSelect,
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        required=False,
        queryset=Organisation.objects.all(),
        empty_label="Any",
        widget=FilterSelect,
    )
    actor = forms.CharField(
        label="Who (email contains)", required=False, max_length=254, widget=FilterTextInput
    )
    reference = forms.CharField(
        label="Object (reference contains)",
        required=False,
        max_length=200,
        widget=FilterTextInput,
    )
    # Bounded: the portal's log starts in 2000, and the day after 9999-12-31 cannot be counted.
    since = forms.DateField(
        label="From (UTC)",
        required=False,
        widget=FilterDateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )
    until = forms.DateField(
        label="To (UTC, inclusive)",
        required=False,
        widget=FilterDateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )
