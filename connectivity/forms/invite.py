"""Thredd staff invite a client organisation's user by email."""

from django import forms

from connectivity.models import Organisation, User


class InviteForm(forms.Form):
    """Ask which organisation the new user acts for and their email address."""

    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.order_by("name"),
        empty_label="Choose the organisation",
        error_messages={"required": "Choose the organisation the user acts for."},
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter the email address of the person to invite.",
            "invalid": "Enter an email address such as ada@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_email(self) -> str:
        """Refuse an address that already has an account (it can reset its password)."""
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                f"{email} already has an account: they can use 'Forgotten your password?'."
            )
        return email
