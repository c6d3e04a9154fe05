"""Re-encrypt every stored secret with the newest key of PSK_ENCRYPTION_KEYS."""

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from connectivity.crypto import rotate_secret
from connectivity.models import Artifact, Authenticator, PortalCertificateAuthority, Tunnel

# The encrypted columns: tunnel PSKs and rendered configuration files (which hold PSKs).
SECRET_COLUMNS = (
    (Tunnel, "psk", "tunnel PSKs"),
    (Artifact, "content", "configuration files"),
    (Authenticator, "key", "staff authenticator secrets"),
    (PortalCertificateAuthority, "private_key_pem", "mTLS CA keys"),
)


def _on_newest_key(newest: Fernet, token: str) -> bool:
    try:
        newest.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def _rotate_column(model, field_name: str, newest: Fernet) -> tuple[int, int]:
    """Re-encrypt one column's tokens not yet under the newest key; return (rotated, kept).

    The tokens are read and written with SQL, past the field that would decrypt them.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field_name).column)
    rotated = kept = 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id FOR UPDATE"  # noqa: S608 - names from the model
        )
        for row_id, token in cursor.fetchall():
            if _on_newest_key(newest, token):
                kept += 1
                continue
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608 - names from the model
                [rotate_secret(token), row_id],
            )
            rotated += 1
    return rotated, kept


class Command(BaseCommand):
    help = (
        "Re-encrypt every tunnel PSK and configuration file with the first (newest) key of "
        "PSK_ENCRYPTION_KEYS. Put the new key first, keep the old ones after it, run this, "
        "then remove the old keys. Running it again changes nothing."
    )

    def handle(self, *args, **options) -> None:
        newest = Fernet(settings.PSK_ENCRYPTION_KEYS[0])
        with transaction.atomic():
            for model, field_name, noun in SECRET_COLUMNS:
                rotated, kept = _rotate_column(model, field_name, newest)
                self.stdout.write(
                    f"{noun}: {rotated} re-encrypted, {kept} already on the newest key"
                )
