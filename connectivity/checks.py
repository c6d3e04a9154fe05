"""System checks: refuse to start with settings that would fail later, and say why."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, register


@register()
def psk_encryption_keys_check(app_configs, **kwargs) -> list[Error]:
    """Check that PSK_ENCRYPTION_KEYS holds at least one valid Fernet key, and only those."""
    keys = settings.PSK_ENCRYPTION_KEYS
    if not keys:
        return [
            Error(
                "PSK_ENCRYPTION_KEYS is empty: tunnel PSKs could be neither stored nor read.",
                hint="Set it to one or more Fernet keys, newest first (see README, Security).",
                id="connectivity.E001",
            )
        ]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            errors.append(
                Error(
                    f"Key {position} of PSK_ENCRYPTION_KEYS is not a Fernet key "
                    "(32 bytes, URL-safe base64).",
                    hint='Make one with: python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"',
                    id="connectivity.E002",
                )
            )
    if settings.PRODUCTION and settings.DEVELOPMENT_PSK_KEY in keys:
        errors.append(
            Error(
                "PSK_ENCRYPTION_KEYS holds the development key, which is public (it is in the "
                "portal's source): anyone could read the PSKs stored with it.",
                hint="Make a key of your own, put it first, run rotate_psk_keys, then drop the "
                "development key (README, Security).",
                id="connectivity.E003",
            )
        )
    return errors
