"""Invitations by email: Thredd staff invite anyone's user, a client admin a colleague."""

from django import forms

from connectivity.models import Organisation, User


class ColleagueInviteForm(forms.Form):
    """Ask a client admin for the email address of a colleague to invite.

    There is no organisation to choose: the colleague joins the admin's own organisation.
    """

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


class InviteForm(ColleagueInviteForm):
    """Ask Thredd staff which organisation the new user acts for, and whether they admin it."""

    field_order = ["organisation", "email", "is_client_admin"]

    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.order_by("name"),
        empty_label="Choose the organisation",
        error_messages={"required": "Choose the organisation the user acts for."},
    )
    is_client_admin = forms.BooleanField(
        label="Client admin: they can invite colleagues of their organisation",
        required=False,
    )
