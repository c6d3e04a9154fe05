"""docker-compose.yml cannot run here (no Docker engine), so read it and test what it relies on."""

import re

import yaml
from cryptography.fernet import Fernet

from tests.conftest import BASE_DIR
from tests.foundation import settings_value

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
    printed = settings_value(
        "settings.DATABASES['default']['HOST'], settings.DATABASES['default']['NAME'], "
        "settings.DATABASES['default']['USER'], settings.DATABASES['default']['PASSWORD'], "
        "settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER, "
        "settings.MAILERS['default']['OPTIONS']['host'], "
        "settings.MAILERS['default']['OPTIONS']['port'], settings.DEBUG, "
        "settings.ALLOWED_HOSTS, settings.SECURE_SSL_REDIRECT, sep='|'",
        **environment,
    )
    assert printed.split("|") == [
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
