"""Read and write the request document of REFERENCE §3 as typed dataclasses.

One JSON shape describes a request everywhere (the validate command, imports and exports,
test fixtures), so parsing and dumping are driven by the dataclasses below: each field's
type says what JSON it takes, and an `Annotated` finding code says which rule judges it.

Parsing only checks shapes; `rules` judges the contents, which are kept as the raw
strings and numbers the client sent. A value of the wrong JSON type is reported with the code
of the rule for that field (a number where a subnet belongs is `subnet_invalid`). Two codes
are added to REFERENCE §2's list, and only these two:

- `value_invalid`: a value that no rule's own code describes, such as an object where a list
  belongs or a service name Thredd does not offer;
- `document_invalid`: the text is not JSON, or its top level is not a JSON object.

No database here: `selectors.request_to_document` dumps a stored request into a document, and
`services.drafts.document_load` stores one.
"""

import json
from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from connectivity.findings import Finding, error

VALUE_INVALID = "value_invalid"
DOCUMENT_INVALID = "document_invalid"


@dataclass(frozen=True, slots=True)
class Contact:
    name: str | None = None
    email: Annotated[str | None, "contact_email_invalid"] = None
    phone: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Bgp:
    asn: Annotated[int | None, "bgp_asn_invalid"] = None
    justification: Annotated[str | None, "bgp_justification_required"] = None


@dataclass(frozen=True, slots=True)
class Device:
    vendor: Annotated[str | None, "device_unsupported"] = None
    platform: Annotated[str | None, "device_unsupported"] = None
    software: Annotated[str | None, "device_unsupported"] = None


@dataclass(frozen=True, slots=True)
class Tunnel:
    """One tunnel of a VPN; every value is optional and Thredd fills in what is left out."""

    inside_cidr: Annotated[str | None, "inside_cidr_invalid"] = None
    psk: Annotated[str | None, "psk_invalid"] = None
    phase1_encryption: Annotated[tuple[str, ...] | None, "algorithm_invalid"] = None
    phase1_integrity: Annotated[tuple[str, ...] | None, "algorithm_invalid"] = None
    phase1_dh_groups: Annotated[tuple[int, ...] | None, "dh_group_invalid"] = None
    phase1_lifetime: Annotated[int | None, "lifetime_invalid"] = None
    phase2_encryption: Annotated[tuple[str, ...] | None, "algorithm_invalid"] = None
    phase2_integrity: Annotated[tuple[str, ...] | None, "algorithm_invalid"] = None
    phase2_dh_groups: Annotated[tuple[int, ...] | None, "dh_group_invalid"] = None
    phase2_lifetime: Annotated[int | None, "lifetime_invalid"] = None


@dataclass(frozen=True, slots=True)
class Vpn:
    services: tuple[str, ...] = ()
    peer_ip: Annotated[str | None, "peer_ip_invalid"] = None
    # The device's own address when it sits behind 1:1 NAT (a cloud VM): the IKE identity and
    # the address a Linux device's IPsec binds to, where `peer_ip` is what Thredd sees.
    private_ip: Annotated[str | None, "private_ip_invalid"] = None
    device: Annotated[Device | None, "device_unsupported"] = None
    ike_version: Annotated[int | None, "ike_version_invalid"] = None
    tunnels: tuple[Tunnel, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    """One AWS Transit Gateway attachment of a site and the services it carries."""

    services: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tgw:
    tgw_id: Annotated[str | None, "tgw_id_invalid"] = None
    aws_account_id: Annotated[str | None, "aws_account_id_invalid"] = None
    region: Annotated[str | None, "aws_region_invalid"] = None


@dataclass(frozen=True, slots=True)
class SubnetEntry:
    cidr: Annotated[str | None, "subnet_invalid"] = None
    purpose: Annotated[str | None, "subnet_purpose_invalid"] = None


@dataclass(frozen=True, slots=True)
class Site:
    name: Annotated[str | None, "site_name_invalid"] = None
    routing: Annotated[str | None, "routing_invalid"] = None
    bgp: Bgp | None = None
    vpns: tuple[Vpn, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    tgw: Tgw | None = None
    subnets: tuple[SubnetEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Mtls:
    csr_pem: Annotated[str | None, "csr_invalid"] = None
    ehi_endpoint_url: Annotated[str | None, "endpoint_url_invalid"] = None


@dataclass(frozen=True, slots=True)
class RequestDocument:
    environment: Annotated[str | None, "environment_invalid"] = None
    connection_type: Annotated[str | None, "connection_type_invalid"] = None
    services: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()
    sites: tuple[Site, ...] = ()
    mtls: Mtls | None = None


def parse_json(text: str | bytes) -> tuple[RequestDocument | None, list[Finding]]:
    """Parse the JSON text of a request document; see `parse_document`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            error(
                DOCUMENT_INVALID,
                "",
                f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            )
        ]
    except (ValueError, RecursionError) as exc:
        # UnicodeDecodeError (not UTF-8), integers too long to convert, nesting too deep.
        return None, [error(DOCUMENT_INVALID, "", f"The file could not be read as JSON: {exc}.")]
    return parse_document(data)


def parse_document(data: object) -> tuple[RequestDocument | None, list[Finding]]:
    """Read a request document from decoded JSON, reporting every shape problem as a finding.

    Never raises, whatever `data` is. Unknown keys are errors but still give a document, so
    the rules can report everything else; a value of the wrong JSON type gives no document
    (None), because the rules could not judge it.
    """
    if not isinstance(data, dict):
        return None, [
            error(
                DOCUMENT_INVALID,
                "",
                f"The request document must be a JSON object, not {_json_kind(data)}.",
            )
        ]
    reader = _Reader()
    document = reader.read(data, RequestDocument, "", DOCUMENT_INVALID)
    return (None if reader.wrong_type else document), reader.findings


def to_dict(record: object) -> dict[str, object]:
    """Return the document (or any part of it) in its canonical JSON shape.

    Keys that are None, and lists that are empty where the default is empty, are left out as
    REFERENCE §3 allows, so `parse_document(to_dict(document))` gives the same document back.
    """
    result: dict[str, object] = {}
    for spec in fields(record):
        value = getattr(record, spec.name)
        if value is None or (value == () and spec.default == ()):
            continue
        result[spec.name] = _to_json(value)
    return result


def _to_json(value: object) -> object:
    if is_dataclass(value):
        return to_dict(value)
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    return value


@cache
def _field_hints(record_type: type) -> dict[str, tuple[Any, str]]:
    """Return each field's type and the finding code that judges it, in declaration order."""
    hints = get_type_hints(record_type, include_extras=True)
    result = {}
    for spec in fields(record_type):
        hint = hints[spec.name]
        if get_origin(hint) is Annotated:
            result[spec.name] = get_args(hint)[:2]
        else:
            result[spec.name] = (hint, VALUE_INVALID)
    return result


def join_path(path: str, key: object) -> str:
    """Return the field path of `key` inside `path`, such as "sites[0].name"."""
    return f"{path}.{key}" if path else str(key)


def _json_kind(value: object) -> str:
    """Name the JSON type of `value` as a client would say it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _expected_kind(hint: Any) -> str:
    if get_origin(hint) is tuple:
        return "a list"
    if is_dataclass(hint):
        return "an object"
    return "a whole number" if hint is int else "text"


class _Reader:
    """Walk decoded JSON against the dataclasses, collecting findings instead of raising."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.wrong_type = False

    def read(self, data: object, hint: Any, path: str, code: str) -> Any:
        origin = get_origin(hint)
        if origin is UnionType:
            if data is None:
                return None
            (hint,) = (arg for arg in get_args(hint) if arg is not NoneType)
            origin = get_origin(hint)
        if origin is tuple:
            if not isinstance(data, list):
                return self._wrong(data, hint, path, code)
            item_hint = get_args(hint)[0]
            return tuple(
                self.read(item, item_hint, f"{path}[{index}]", code)
                for index, item in enumerate(data)
            )
        if is_dataclass(hint):
            return self._read_record(data, hint, path, code)
        if hint is int and (not isinstance(data, int) or isinstance(data, bool)):
            return self._wrong(data, hint, path, code)
        if hint is str and not isinstance(data, str):
            return self._wrong(data, hint, path, code)
        return data

    def _read_record(self, data: object, record_type: type, path: str, code: str) -> Any:
        if not isinstance(data, dict):
            return self._wrong(data, record_type, path, code)
        hints = _field_hints(record_type)
        for key in data:
            if key not in hints:
                self.findings.append(
                    error(
                        "unknown_field",
                        join_path(path, key),
                        f"Remove {key!r}: there is no such field here. "
                        f"The fields here are {', '.join(hints)}.",
                    )
                )
        values = {}
        for name, (hint, field_code) in hints.items():
            if name in data:
                values[name] = self.read(data[name], hint, join_path(path, name), field_code)
        return record_type(**values)

    def _wrong(self, data: object, hint: Any, path: str, code: str) -> None:
        self.wrong_type = True
        self.findings.append(
            error(code, path, f"Enter {_expected_kind(hint)} here, not {_json_kind(data)}.")
        )


__all__ = [
    "DOCUMENT_INVALID",
    "VALUE_INVALID",
    "Attachment",
    "Bgp",
    "Contact",
    "Device",
    "Mtls",
    "RequestDocument",
    "Site",
    "SubnetEntry",
    "Tgw",
    "Tunnel",
    "Vpn",
    "join_path",
    "parse_document",
    "parse_json",
    "to_dict",
]
