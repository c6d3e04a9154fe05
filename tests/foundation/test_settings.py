"""Settings from the environment: the production profile, mail, Celery, compose."""

import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.conftest import BASE_DIR
from tests.foundation import settings_value


def _manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    # The browser tests' async-safety switch is the suite's own, never a deployment's.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**inherited, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "connect.thredd.example",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://connect.thredd.example",
    "EMAIL_HOST": "smtp.thredd.example",
    "PSK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


def test_production_profile_passes_check_deploy_with_no_issue():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_the_production_profile():
    """The same check fails on the development profile: the test above proves something."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_ENV="development")
    assert result.returncode != 0


def test_production_refuses_to_start_without_a_secret_key():
    environment = {**PRODUCTION}
    environment.pop("DJANGO_SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env={k: v for k, v in {**os.environ, **environment}.items() if k != "DJANGO_SECRET_KEY"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_smtp_settings_come_from_the_environment():
    mailer = settings_value(
        "settings.MAILERS['default']",
        EMAIL_HOST="mail.example",
        EMAIL_PORT="2525",
        EMAIL_USE_TLS="true",
    )
    assert "'host': 'mail.example'" in mailer
    assert "'port': 2525" in mailer
    assert "'use_tls': True" in mailer
    assert "smtp.EmailBackend" in mailer


def test_without_smtp_mail_goes_to_the_console():
    assert "console.EmailBackend" in settings_value("settings.MAILERS['default']", EMAIL_HOST="")


@pytest.mark.parametrize(("broker", "eager"), [("", "True"), ("redis://127.0.0.1:6379/0", "False")])
def test_tasks_run_in_process_only_without_a_broker(broker, eager):
    assert settings_value("settings.CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL=broker) == eager


def test_celery_is_configured_for_reliable_delivery():
    from thredd_onboard.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0


def test_production_keeps_database_connections_and_development_does_not():
    expression = "settings.DATABASES['default']['CONN_MAX_AGE']"
    assert settings_value(expression, **PRODUCTION) == "60"
    assert settings_value(expression, DJANGO_ENV="development") == "0"


def test_a_missing_database_url_is_a_message_not_a_traceback():
    """In production, which must name its database; elsewhere manage.py uses the embedded one
    (tests/foundation/test_cli_newcomer.py)."""
    environment = {k: v for k, v in {**os.environ, **PRODUCTION}.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Set the DATABASE_URL environment variable" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_psk_key_stops_every_command_with_the_reason():
    result = _manage("rotate_psk_keys", PSK_ENCRYPTION_KEYS="not-a-key")
    assert result.returncode != 0
    assert "connectivity.E002" in result.stderr
    assert "Traceback" not in result.stderr
