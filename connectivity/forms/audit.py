"""The audit log's filters."""

from django import forms

from connectivity.models import AuditAction, Organisation


class AuditFilterForm(forms.Form):
    """Narrow the audit log; every field is optional and kept in the URL."""

    action = forms.ChoiceField(
        label="What", required=False, choices=[("", "Anything"), *AuditAction.choices]
    )
    organisation = forms.ModelChoiceField(
        label="Organisation", required=False, queryset=Organisation.objects.all(), empty_label="Any"
    )
    actor = forms.CharField(label="Who (email contains)", required=False, max_length=254)
    reference = forms.CharField(label="Object (reference contains)", required=False, max_length=200)
    since = forms.DateField(
        label="From (UTC)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To (UTC, inclusive)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"
