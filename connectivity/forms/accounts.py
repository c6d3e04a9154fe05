"""Account forms: Django's own, keyed by email address instead of a username."""

from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms import EmailInput

from connectivity.models import User


class SignInForm(AuthenticationForm):
    """Ask for the email address and password the user was invited with."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "spellcheck": "false"}
        )


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    """Create a user in the admin by email address rather than username."""

    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "organisation")


class AdminUserChangeForm(auth_forms.UserChangeForm):
    """Edit a user in the admin by email address rather than username."""

    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"
