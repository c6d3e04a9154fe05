"""The production profile's headers, cookies and limits, and the idle timeout in every profile.

`tests/foundation/test_settings.py` proves `check --deploy --fail-level WARNING` passes on
the production profile (and fails off it); these tests pin down each value it relies on.
"""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from connectivity.mfa import SLID_AT_KEY, SLIDE_EVERY_SECONDS
from tests.conftest import BASE_DIR
from tests.foundation.test_settings import PRODUCTION

PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

secure = Client().get("/health/", secure=True, headers={"host": "connect.thredd.example"})
plain = Client().get("/health/", headers={"host": "connect.thredd.example"})
stranger = Client().get("/health/", secure=True, headers={"host": "evil.example"})
print(json.dumps({
    "headers": dict(secure.headers),
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "stranger_status": stranger.status_code,
    "settings": {
        name: getattr(settings, name)
        for name in [
            "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_NAME",
            "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_AGE",
            "SESSION_SAVE_EVERY_REQUEST", "CSRF_COOKIE_NAME", "CSRF_COOKIE_SECURE",
        ]
    },
    "mail_timeout": settings.MAILERS["default"]["OPTIONS"]["timeout"],
}))
"""


@pytest.fixture(scope="module")
def production():
    """What the production profile answers and holds, probed in a process of its own."""
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=BASE_DIR,
        env={
            **inherited,
            **PRODUCTION,
            "DJANGO_SETTINGS_MODULE": "thredd_onboard.settings",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "https://connect.thredd.example,https://b.example",
            "EMAIL_TIMEOUT": "7",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_production_sends_hsts_and_the_security_headers(production):
    headers = production["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline': inline script never runs
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


def test_production_redirects_plain_http_and_refuses_unknown_hosts(production):
    assert production["plain_status"] == 301
    assert production["plain_location"] == "https://connect.thredd.example/health/"
    assert production["stranger_status"] == 400


def test_production_cookies_hosts_and_mail_timeout_come_from_the_profile(production):
    values = production["settings"]
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_AGE"] == 15 * 60
    # The idle timeout slides through IdleTimeoutMiddleware, not on every request.
    assert values["SESSION_SAVE_EVERY_REQUEST"] is False
    assert values["ALLOWED_HOSTS"] == ["connect.thredd.example"]
    assert values["CSRF_TRUSTED_ORIGINS"] == [
        "https://connect.thredd.example",
        "https://b.example",
    ]
    assert production["mail_timeout"] == 7


def test_the_content_security_policy_applies_in_every_profile(client, db):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("password", ["Tr0ub4dor&3x", "correct-horse"])
def test_passwords_need_at_least_12_characters(password):
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password(password[:11])
    validate_password(password + "-battery")  # long enough, and not a common one


def _session_of(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_an_active_session_slides_and_an_idle_one_signs_out(client, client_user):
    client.force_login(client_user)
    requests_page = reverse("request-list")

    # 14 minutes idle: the session is alive, and using it pushes expiry 15 minutes on.
    Session.objects.filter(pk=_session_of(client).pk).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    response = client.get(requests_page)
    assert response.status_code == 200
    assert response.cookies["sessionid"]["max-age"] == 15 * 60
    assert response.cookies["sessionid"]["httponly"]
    remaining = _session_of(client).expire_date - timezone.now()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)

    # More than 15 minutes idle: signed out.
    Session.objects.filter(pk=_session_of(client).pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(requests_page)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_idle_timeout_slides_at_most_once_a_minute(client, client_user):
    """Requests within a minute of the last slide save nothing: no query, no new cookie; the
    session ends at most a minute early, never late."""
    client.force_login(client_user)
    requests_page = reverse("request-list")
    first = client.get(requests_page)
    assert first.cookies["sessionid"]["max-age"] == 15 * 60
    slid_to = _session_of(client).expire_date

    again = client.get(requests_page)
    assert "sessionid" not in again.cookies
    assert _session_of(client).expire_date == slid_to

    session = client.session
    session[SLID_AT_KEY] -= SLIDE_EVERY_SECONDS
    session.save()
    Session.objects.filter(pk=_session_of(client).pk).update(expire_date=slid_to)
    later = client.get(requests_page)
    assert later.cookies["sessionid"]["max-age"] == 15 * 60
    assert _session_of(client).expire_date > slid_to
