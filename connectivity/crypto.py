"""Encrypt secrets at rest with keys kept apart from SECRET_KEY, and rotate those keys.

PSK_ENCRYPTION_KEYS is a list of Fernet keys, newest first: the first encrypts, every one
can decrypt, so a new key can be put in front and old tokens re-encrypted at leisure.
"""

from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


@cache
def _keyring() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.PSK_ENCRYPTION_KEYS])


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs) -> None:
    if setting == "PSK_ENCRYPTION_KEYS":
        _keyring.cache_clear()


def encrypt_secret(plain: str) -> str:
    """Return `plain` encrypted with the newest key."""
    return _keyring().encrypt(plain.encode()).decode()


def decrypt_secret(token: str) -> str:
    """Return the plain text of `token`, made with any configured key."""
    return _keyring().decrypt(token.encode()).decode()


def rotate_secret(token: str) -> str:
    """Return `token` re-encrypted with the newest key."""
    return _keyring().rotate(token.encode()).decode()
