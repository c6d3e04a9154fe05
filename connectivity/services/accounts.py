"""Writes of accounts: inviting a client organisation's users, resetting passwords."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.html import escape
from django.utils.http import urlsafe_base64_encode

from connectivity.models import Organisation, User

from .notifications import account_email_send


def _invitation_text(*, user: User, organisation: Organisation, invited_by: User) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    link = settings.PORTAL_BASE_URL.rstrip("/") + path
    return (
        f"{invited_by.email} of {invited_by.organisation or 'Thredd'} has invited you to "
        f"Thredd Connectivity for {organisation.name}.\n\n"
        "Thredd Connectivity is where you request private network access to Thredd's Web "
        "Services, EHI and Thredd Portal.\n\n"
        f"Choose your password here to sign in:\n{link}\n\n"
        "The link works once. If it has expired, use 'Forgotten your password?' on the "
        "sign-in page.\n"
    )


@transaction.atomic
def client_user_invite(
    *, organisation: Organisation, email: str, invited_by: User, is_client_admin: bool = False
) -> User:
    """Create a client user of `organisation` and email them a link to choose a password.

    Thredd's engineers invite into any organisation, and may make the user its client admin;
    a client admin invites only into their own organisation (refused otherwise), and their
    colleagues join as plain client users.

    The link is Django's password-reset link (a one-time token). The mail goes through the
    outbox in the same transaction: a rolled-back invitation mails nobody, and one made while
    the mail server is down is sent when it returns.
    """
    if not invited_by.is_engineer and not (
        invited_by.is_client_admin
        and invited_by.organisation_id == organisation.pk
        and not is_client_admin
    ):
        raise PermissionDenied("Only Thredd or a client admin of the organisation invites.")
    user = User.objects.create_user(
        email, None, organisation=organisation, is_client_admin=is_client_admin
    )
    message = _invitation_text(user=user, organisation=organisation, invited_by=invited_by)
    account_email_send(
        recipient=user.email,
        subject="You are invited to Thredd Connectivity",
        text_body=message,
        html_body=f"<pre>{escape(message)}</pre>",
        topic=f"invitation:{user.pk}",
    )
    return user
