"""Parse and check single values, raising Django `ValidationError`s whose code is the finding code.

Model fields, form fields and `rules` all use these, so each value is judged, and each
"did you mean" suggestion made, in exactly one place.
"""

import re
from ipaddress import AddressValueError, IPv4Address, IPv4Network

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from connectivity.constants import (
    AWS_ACCOUNT_ID_PATTERN,
    DEVICE_TEXT_CHARACTERS,
    DEVICE_TEXT_MAX_LENGTH,
    DEVICE_TEXT_PATTERN,
    EXAMPLE_SUBNET,
    SITE_NAME_CHARACTERS,
    SITE_NAME_MAX_LENGTH,
    SITE_NAME_PATTERN,
    TGW_ATTACHMENT_ID_PATTERN,
    TGW_ID_PATTERN,
    TGW_ROUTE_TABLE_ID_PATTERN,
    VPN_CONNECTION_ID_PATTERN,
)

# Four dotted numbers and a decimal prefix length; netmask forms ("/255.255.255.0") that
# `ipaddress` would also accept are refused, because Thredd's rules speak in prefix lengths.
_CIDR = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,3}){3})/(0|[1-9][0-9]?)", re.ASCII)
_MAX_CHARACTERS_NAMED = 5


def parse_ipv4_network(text: object, *, code: str = "subnet_invalid") -> IPv4Network:
    """Return the IPv4 network written as `text`, such as "10.20.30.0/24".

    Refuses with `code` anything that is not an IPv4 address with a prefix length, and with
    `subnet_host_bits` an address that is not the network's first address, suggesting it.
    Callers judging another kind of network (tunnel inside CIDRs) pass their own `code`.
    """
    if not isinstance(text, str) or not text:
        raise ValidationError(f"Enter an IPv4 network such as {EXAMPLE_SUBNET}.", code=code)
    match = _CIDR.fullmatch(text)
    if match is None:
        raise ValidationError(_describe_unparsable(text), code=code)
    address_text, prefix_text = match.groups()
    try:
        address = IPv4Address(address_text)
    except AddressValueError:
        raise ValidationError(
            f"{address_text} is not an IPv4 address: each of its four numbers must be 0 to 255, "
            "written without leading zeros.",
            code=code,
        ) from None
    prefix = int(prefix_text)
    if prefix > address.max_prefixlen:
        raise ValidationError(
            f"/{prefix} is not a prefix length: IPv4 prefix lengths run from /0 to /32.",
            code=code,
        )
    network = IPv4Network((address, prefix), strict=False)
    if network.network_address != address:
        raise ValidationError(
            f"{text} has host bits set: did you mean {network}?", code="subnet_host_bits"
        )
    return network


def _describe_unparsable(text: str) -> str:
    """Say what is wrong with `text` as an IPv4 network, as specifically as it can be told."""
    if ":" in text:
        return f"Enter an IPv4 network such as {EXAMPLE_SUBNET}: IPv6 is not supported."
    if "/" not in text:
        try:
            IPv4Address(text)
        except AddressValueError:
            pass
        else:
            return f"Add the prefix length to {text}, such as {text}/24."
    return f"Enter an IPv4 network with its prefix length, such as {EXAMPLE_SUBNET}."


class SafeTextValidator:
    """Refuse text with characters that could break out of a generated configuration file.

    Names and device details are pasted into device configurations, so only a small,
    printable character set is allowed: no line breaks, quotes, braces, `%` or control
    characters (REFERENCE §2 `site_name_invalid`; constants.py holds the character sets).
    """

    def __init__(
        self, *, noun: str, code: str, pattern: re.Pattern[str], characters: str, max_length: int
    ) -> None:
        self.noun = noun
        self.code = code
        self.pattern = pattern
        self.characters = characters
        self.max_length = max_length

    def __call__(self, value: str) -> None:
        """Raise `ValidationError` with this validator's code unless `value` is safe text."""
        if not value.strip():
            raise ValidationError(f"Enter the {self.noun}.", code=self.code)
        if len(value) > self.max_length:
            raise ValidationError(
                f"Shorten the {self.noun} to {self.max_length} characters or fewer "
                f"(it has {len(value)}).",
                code=self.code,
            )
        if not self.pattern.fullmatch(value):
            unsafe = sorted({character for character in value if not self.pattern.match(character)})
            named = ", ".join(repr(character) for character in unsafe[:_MAX_CHARACTERS_NAMED])
            raise ValidationError(
                f"Use only {self.characters} in the {self.noun}; remove {named}.",
                code=self.code,
            )


_SITE_NAME = SafeTextValidator(
    noun="site name",
    code="site_name_invalid",
    pattern=SITE_NAME_PATTERN,
    characters=SITE_NAME_CHARACTERS,
    max_length=SITE_NAME_MAX_LENGTH,
)
_DEVICE_SOFTWARE = SafeTextValidator(
    noun="software version",
    code="device_unsupported",
    pattern=DEVICE_TEXT_PATTERN,
    characters=DEVICE_TEXT_CHARACTERS,
    max_length=DEVICE_TEXT_MAX_LENGTH,
)


# Model fields name these functions, so migrations refer to them by import path.
def validate_site_name(value: str) -> None:
    """Refuse a site name outside the safe character set (`site_name_invalid`)."""
    _SITE_NAME(value)


def validate_device_software(value: str) -> None:
    """Refuse a device software version outside the safe character set."""
    _DEVICE_SOFTWARE(value)


def _aws_id_validator(pattern: re.Pattern, noun: str, example: str) -> RegexValidator:
    """Return a validator for one kind of AWS resource ID (whole value, AWS's exact form)."""
    return RegexValidator(
        regex=rf"\A(?:{pattern.pattern})\Z",
        message=f"Enter the {noun} as AWS shows it, such as {example}.",
        code="aws_id_invalid",
    )


validate_tgw_id = _aws_id_validator(TGW_ID_PATTERN, "transit gateway ID", "tgw-0123456789abcdef0")
validate_tgw_route_table_id = _aws_id_validator(
    TGW_ROUTE_TABLE_ID_PATTERN, "route table ID", "tgw-rtb-0123456789abcdef0"
)
validate_tgw_attachment_id = _aws_id_validator(
    TGW_ATTACHMENT_ID_PATTERN, "attachment ID", "tgw-attach-0123456789abcdef0"
)
validate_vpn_connection_id = _aws_id_validator(
    VPN_CONNECTION_ID_PATTERN, "VPN connection ID", "vpn-0123456789abcdef0"
)
validate_aws_account_id = _aws_id_validator(
    AWS_ACCOUNT_ID_PATTERN, "12-digit AWS account ID", "012345678901"
)
