"""docker-compose.yml cannot run here (no Docker engine), so read it and test what it relies on."""

import os
import re
import subprocess
import sys

import yaml
from cryptography.fernet import Fernet

from tests.conftest import BASE_DIR

VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::(?P<op>[-?])(?P<default>[^}]*))?\}")
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_runs_every_part_from_one_image():
    services = COMPOSE["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis", "mailpit"}
    images = {services[name]["image"] for name in ("web", "worker", "beat")}
    assert images == {"thredd-onboard:latest"}
    assert all(services[name]["build"] == "." for name in ("web", "worker", "beat"))
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A thredd_onboard worker")
    assert services["beat"]["command"].startswith("celery -A thredd_onboard beat")
    assert (BASE_DIR / "Dockerfile").is_file()


def test_the_environment_compose_gives_is_what_settings_read():
    """Resolve compose's variables as compose would and load the settings with them."""
    raw = COMPOSE["services"]["web"]["environment"]
    given = {
        "DJANGO_SECRET_KEY": "k" * 60,
        "POSTGRES_PASSWORD": "pw",
        "PSK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }

    def resolve(value: str) -> str:
        return VARIABLE.sub(
            lambda m: given.get(m["name"], m["default"] if m["op"] == "-" else ""), str(value)
        )

    environment = {name: resolve(value) for name, value in raw.items()}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; m = s.MAILERS['default']['OPTIONS']; "
        "print(d['HOST'], d['NAME'], d['USER'], d['PASSWORD'], s.CELERY_BROKER_URL, "
        "s.CELERY_TASK_ALWAYS_EAGER, m['host'], m['port'], s.DEBUG, s.ALLOWED_HOSTS, "
        "s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "thredd_onboard.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "postgres",
        "thredd",
        "thredd",
        "pw",
        "redis://redis:6379/0",
        "False",
        "mailpit",
        "1025",
        "False",
        "['localhost']",
        "False",
    ]
