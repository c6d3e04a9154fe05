"""Model fields for IPv4 networks (PostgreSQL `cidr`) and secrets encrypted at rest."""

from ipaddress import IPv4Network

from django.db import models
from django.db.models import Lookup

from connectivity import crypto
from connectivity.validators import parse_ipv4_network


class IPv4NetworkField(models.Field):
    """Store an IPv4 network in a PostgreSQL `cidr` column, as an `ipaddress.IPv4Network`.

    `cidr` rejects host bits in the database too, and gives the GiST `inet_ops` index and
    the `&&` (overlaps) operator that the allocation exclusion constraint relies on.
    """

    description = "IPv4 network (CIDR)"

    def db_type(self, connection) -> str:
        return "cidr"

    def from_db_value(self, value, expression, connection):
        return None if value is None else IPv4Network(value)

    def to_python(self, value):
        if value is None or isinstance(value, IPv4Network):
            return value
        return parse_ipv4_network(str(value))

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value in (None, "") else self.to_python(value)

    def value_to_string(self, obj) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)


@IPv4NetworkField.register_lookup
class NetworkOverlaps(Lookup):
    """`network__net_overlaps=...`: the two networks share at least one address (`&&`)."""

    lookup_name = "net_overlaps"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} && {rhs}", (*lhs_params, *rhs_params)


class EncryptedSecretField(models.TextField):
    """Keep a secret (a tunnel's pre-shared key) encrypted in the database.

    The column holds a Fernet token made with PSK_ENCRYPTION_KEYS, keys kept apart from
    SECRET_KEY; Python code sees the plain value. A raw `SELECT` shows only the token.
    """

    def from_db_value(self, value, expression, connection):
        return None if value is None else crypto.decrypt_secret(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value in (None, "") else crypto.encrypt_secret(value)


@models.GenericIPAddressField.register_lookup
class AddressWithin(Lookup):
    """`address__net_within=network`: the address lies in the network (PostgreSQL `<<=`)."""

    lookup_name = "net_within"
    prepare_rhs = False  # a network, not an address: the field's address preparation is wrong

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} <<= {rhs}::inet", [*lhs_params, *rhs_params]

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [str(value)])
