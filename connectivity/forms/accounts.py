"""Account forms: Django's own, keyed by email address instead of a username."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms import EmailInput
from django.template.loader import render_to_string
from django.utils.html import escape

from connectivity.models import User
from connectivity.services.notifications import account_email_send


class SignInForm(AuthenticationForm):
    """Ask for the email address and password the user was invited with."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "spellcheck": "false"}
        )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, whose mail goes through the portal's outbox.

    Sent after the request by a worker: the page answers alike, and as fast, for a known and
    an unknown address whatever the mail server does, and a server that is down delays the
    mail rather than losing it.
    """

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        text_body = render_to_string(email_template_name, context)
        account_email_send(
            recipient=to_email,
            subject=render_to_string(subject_template_name, context),
            text_body=text_body,
            html_body=render_to_string(html_email_template_name, context)
            if html_email_template_name
            else f"<pre>{escape(text_body)}</pre>",
            topic=f"password-reset:{context['uid']}:{context['token']}",
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


class TotpCodeForm(forms.Form):
    """Ask for the 6-digit code the staff member's authenticator app shows now."""

    token = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        max_length=20,
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app.",
            "invalid": "Enter the 6 digits your authenticator app shows, such as 123456.",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
