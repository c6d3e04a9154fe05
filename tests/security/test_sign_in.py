"""Sign-in protection: lockout with a cool-off, password reset, and staff's second factor."""

import base64
import logging
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_otp.oath import TOTP

from connectivity.demo import DEMO_ENGINEER
from connectivity.models import AuditAction, AuditEntry, Authenticator, OutboundEmail, User
from tests.conftest import PASSWORD, totp_code

WRONG = "not-the-password-at-all"


def _sign_in(client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_ten_failures_lock_sign_in_for_30_minutes_then_it_reopens(client, client_user, caplog):
    caplog.set_level(logging.WARNING, logger="axes")
    for attempt in range(9):
        # Upper case counts against the same account: the lock is on the address itself.
        email = client_user.email.upper() if attempt % 2 else client_user.email
        assert _sign_in(client, email, WRONG).status_code == 200  # the form, with its error
    assert _sign_in(client, client_user.email, WRONG).status_code == 429  # the tenth
    assert caplog.text.count("AXES: Repeated login failure") == 9  # each one logged

    # The right password no longer works: a clear page, not a 500, saying when to come back.
    locked = _sign_in(client, client_user.email, PASSWORD)
    assert locked.status_code == 429
    assert "Try again in 30 minutes" in " ".join(locked.content.decode().split())
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(
        action=AuditAction.LOCKED_OUT, actor_email=client_user.email
    ).exists()

    # 29 minutes later it is still locked; after 30 it opens again by itself.
    AccessAttempt.objects.update(attempt_time=timezone_ago(minutes=29))
    assert _sign_in(client, client_user.email, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone_ago(minutes=31))
    response = _sign_in(client, client_user.email, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")


def timezone_ago(**delta):
    from django.utils import timezone

    return timezone.now() - timedelta(**delta)


def test_nine_failures_do_not_lock(client, client_user):
    for _ in range(9):
        _sign_in(client, client_user.email, WRONG)
    assert _sign_in(client, client_user.email, PASSWORD).status_code == 302


def test_failed_sign_ins_are_logged_with_the_address_never_the_password(client, client_user):
    _sign_in(client, client_user.email, WRONG)
    _sign_in(client, client_user.email, PASSWORD)
    failed = AuditEntry.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert failed.actor_email == client_user.email
    assert failed.ip_address == "127.0.0.1"
    signed_in = AuditEntry.objects.get(action=AuditAction.SIGN_IN)
    assert signed_in.actor == client_user
    assert signed_in.organisation == client_user.organisation
    for entry in AuditEntry.objects.all():
        text = " ".join(str(value) for value in entry.__dict__.values())
        assert WRONG not in text
        assert PASSWORD not in text


def test_password_reset_answers_alike_for_unknown_and_known_addresses(client, client_user):
    known = client.post(reverse("password_reset"), {"email": client_user.email}, follow=True)
    unknown = client.post(
        reverse("password_reset"), {"email": "nobody@nowhere.example"}, follow=True
    )
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("password_reset_done"), 302)]
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", known.content.decode()) == strip.sub("", unknown.content.decode())
    # The mail is in the outbox, for a worker to send after the page answered.
    assert list(OutboundEmail.objects.values_list("recipient", flat=True)) == [client_user.email]


def test_a_password_reset_link_works_once(client, client_user):
    client.post(reverse("password_reset"), {"email": client_user.email})
    (message,) = OutboundEmail.objects.all()
    link = re.search(r"https?://[^/\s]+(/password-reset/[^\s]+/)", message.text_body).group(1)
    form = client.get(link, follow=True)
    set_password = form.redirect_chain[-1][0]
    new_password = "a-brand-new-long-passphrase"
    response = client.post(
        set_password, {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    assert _sign_in(client, client_user.email, new_password).status_code == 302

    again = client.get(link, follow=True)
    assert "This link has already been used or has expired" in again.content.decode()
    assert b"new_password1" not in again.content
    replay = client.post(
        set_password,
        {"new_password1": "yet-another-passphrase", "new_password2": "yet-another-passphrase"},
    )
    assert replay.status_code == 200
    client_user.refresh_from_db()
    assert client_user.check_password(new_password)


STAFF_PAGES = ["review-queue", "audit-log", "admin:index", "client-invite", "home"]


def test_staff_must_enrol_an_authenticator_before_any_staff_page(client, thredd_engineer):
    assert _sign_in(client, thredd_engineer.email, PASSWORD).status_code == 302
    for name in STAFF_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("mfa-enrol")), name

    enrol = client.get(reverse("mfa-enrol"))
    secret = enrol.context["secret"]
    assert reverse("review-queue") not in enrol.content.decode()  # no staff links before it
    device = Authenticator.objects.get(user=thredd_engineer)
    assert not device.confirmed
    assert f"secret={secret}" in enrol.content.decode()  # the otpauth URI, for the app
    # The page shows the same secret until a code confirms it.
    assert client.get(reverse("mfa-enrol")).context["secret"] == secret

    wrong = client.post(reverse("mfa-enrol"), {"token": "000000"})
    assert wrong.status_code == 400
    assert client.get(reverse("review-queue")).status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.MFA_FAILED).count() == 1

    # django-otp makes a wrong code wait a second before the next: that second passes.
    Authenticator.objects.update(throttling_failure_timestamp=timezone_ago(seconds=5))
    code = TOTP(base64.b32decode(secret)).token()
    response = client.post(reverse("mfa-enrol"), {"token": f"{code:06d}", "next": "/review/"})
    assert response.status_code == 302
    assert response.url == "/review/"
    for name in STAFF_PAGES[:-1]:
        assert client.get(reverse(name)).status_code == 200, name


def test_an_enrolled_engineer_enters_a_code_at_every_sign_in(client, thredd_engineer):
    device = Authenticator.objects.create(user=thredd_engineer, name="phone", confirmed=True)
    _sign_in(client, thredd_engineer.email, PASSWORD)
    response = client.get(reverse("admin:index"))
    assert response.url.startswith(reverse("mfa-verify"))
    # No second enrolment: a stolen password cannot add an attacker's authenticator.
    assert client.get(reverse("mfa-enrol")).url == reverse("mfa-verify")
    assert "secret" not in client.get(reverse("mfa-verify")).content.decode().lower()

    response = client.post(
        reverse("mfa-verify"), {"token": totp_code(device), "next": reverse("admin:index")}
    )
    assert response.url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_code_is_not_accepted_twice(client, thredd_engineer):
    device = Authenticator.objects.create(user=thredd_engineer, name="phone", confirmed=True)
    code = totp_code(device)
    _sign_in(client, thredd_engineer.email, PASSWORD)
    assert client.post(reverse("mfa-verify"), {"token": code}).status_code == 302
    client.post(reverse("logout"))
    _sign_in(client, thredd_engineer.email, PASSWORD)
    assert client.post(reverse("mfa-verify"), {"token": code}).status_code == 400


def test_client_users_are_not_asked_for_a_second_factor(client, client_user):
    _sign_in(client, client_user.email, PASSWORD)
    assert client.get(reverse("request-list")).status_code == 200


@pytest.mark.django_db
def test_the_demo_engineer_is_enrolled_and_the_seed_prints_the_same_secret_each_time(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out
    uri = re.search(r"otpauth://totp/\S+", first).group(0)
    assert uri in second
    engineer = User.objects.get(email=DEMO_ENGINEER)
    (device,) = Authenticator.objects.filter(user=engineer)
    assert device.confirmed
    assert device.config_url == uri


def test_signing_in_to_ones_own_account_does_not_reset_guesses_at_another(
    client, client_user, other_client_user
):
    """The probe's bypass: 9 wrong guesses, the attacker's own sign-in, again and again."""
    for _ in range(9):
        _sign_in(client, client_user.email, WRONG)
    assert _sign_in(client, other_client_user.email, PASSWORD).status_code == 302
    client.logout()
    # The tenth guess locks, as if the attacker had not signed in between.
    assert _sign_in(client, client_user.email, WRONG).status_code == 429
    # The victim's account is locked, and the address for the attacker's own account too.
    assert _sign_in(client, client_user.email, PASSWORD).status_code == 429
    assert _sign_in(client, other_client_user.email, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_forgives_only_its_own_accounts_failures(client, client_user, other_client_user):
    for _ in range(5):
        _sign_in(client, client_user.email, WRONG)
    for _ in range(3):
        _sign_in(client, other_client_user.email, WRONG)
    assert _sign_in(client, other_client_user.email, PASSWORD).status_code == 302
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {client_user.email}


def test_authenticator_secrets_are_encrypted_at_rest(thredd_engineer):
    device = Authenticator.objects.create(user=thredd_engineer, name="phone", confirmed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM connectivity_authenticator WHERE id = %s", [device.pk])
        (stored,) = cursor.fetchone()
    assert device.key not in stored  # only a Fernet token in the column
    assert Authenticator.objects.get(pk=device.pk).key == device.key
    assert TOTP(device.bin_key).token() == TOTP(bytes.fromhex(device.key)).token()
