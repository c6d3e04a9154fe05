"""Thredd staff's second factor: a TOTP authenticator app, its secret encrypted at rest."""

from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from connectivity.fields import EncryptedSecretField

__all__ = ["Authenticator"]


class Authenticator(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's authenticator app (TOTP, RFC 6238) for django-otp.

    django-otp's own TOTP device keeps the shared secret in clear; this one keeps it
    encrypted with PSK_ENCRYPTION_KEYS, like the tunnels' PSKs, so a copy of the database
    does not hand out everyone's second factor. Verifying, throttling and the otpauth URL
    are django-otp's own, borrowed as they are (they read only these fields).
    """

    key = EncryptedSecretField(default=default_key, help_text="The hex secret, encrypted.")
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    bin_key = TOTPDevice.bin_key
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings

    class Meta(Device.Meta):
        verbose_name = "authenticator app"
