"""`rotate_psk_keys` re-encrypts every PSK and configuration file with the newest key."""

from io import StringIO

from cryptography.fernet import Fernet
from django.core.management import call_command

from connectivity.models import Artifact, Tunnel

from .conftest import render_all


def _rotate() -> str:
    out = StringIO()
    call_command("rotate_psk_keys", stdout=out)
    return out.getvalue()


def test_rotation_moves_every_secret_to_the_new_key_once(approved_request, settings):
    connectivity_request = approved_request()
    render_all(connectivity_request)
    psks = sorted(Tunnel.objects.values_list("psk", flat=True))
    content = Artifact.objects.get().content
    old_key = settings.PSK_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.PSK_ENCRYPTION_KEYS = [new_key, old_key]

    assert _rotate().splitlines() == [
        "tunnel PSKs: 2 re-encrypted, 0 already on the newest key",
        "configuration files: 1 re-encrypted, 0 already on the newest key",
        "staff authenticator secrets: 0 re-encrypted, 0 already on the newest key",
        "mTLS CA keys: 0 re-encrypted, 0 already on the newest key",
    ]
    assert _rotate().splitlines() == [
        "tunnel PSKs: 0 re-encrypted, 2 already on the newest key",
        "configuration files: 0 re-encrypted, 1 already on the newest key",
        "staff authenticator secrets: 0 re-encrypted, 0 already on the newest key",
        "mTLS CA keys: 0 re-encrypted, 0 already on the newest key",
    ]

    # The old key can go: everything reads with the new one alone.
    settings.PSK_ENCRYPTION_KEYS = [new_key]
    assert sorted(Tunnel.objects.values_list("psk", flat=True)) == psks
    assert Artifact.objects.get().content == content
