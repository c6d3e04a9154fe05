"""Say where a finding is in plain words, and which element of a page it links to.

A finding's `field` is a path into the request document (REFERENCE §2), such as
`sites[0].vpns[1].peer_ip`: right for the JSON validator, but not for people. Every page that
shows findings (a site's page, check your answers, the staff review) asks `finding_place`,
which names the answer from the document itself ("VPN 2 (Thredd Portal) at London DC1") and
picks, among the anchors the page has, the one nearest the path. No database here.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connectivity.choices import Severity, services_label
from connectivity.document import RequestDocument, Site
from connectivity.findings import Finding

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

# The request-level answers, as their pages and check your answers call them.
_TOP_LEVEL = {
    "environment": "Environment",
    "connection_type": "Connection type",
    "services": "Services",
    "contacts": "Contacts",
    "sites": "Sites",
    "mtls": "Certificate and EHI endpoint",
}
_MTLS = {"csr_pem": "Certificate signing request", "ehi_endpoint_url": "EHI endpoint URL"}
# The parts of a site a finding can be about as a whole, after "… at London DC1".
_SITE_PARTS = {
    "routing": "Routing",
    "bgp": "BGP",
    "tgw": "Transit Gateway",
    "vpns": "VPNs",
    "attachments": "Attachments",
    "subnets": "Subnets",
}


@dataclass(frozen=True, slots=True)
class Place:
    """Where a finding is: `name` in plain words ("" for the request as a whole) and the
    `anchor` of the page to link to ("" when the page shows no such answer)."""

    name: str
    anchor: str = ""

    def describe(self, message: str) -> str:
        """Return `message` preceded by where it applies, such as "Subnet 1 at London DC1: …"."""
        return f"{self.name}: {message}" if self.name else message


def _parts(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _PART.findall(path)]


def _item(items: tuple, index: int):
    return items[index] if 0 <= index < len(items) else None


def _site_name(site: Site | None, index: int) -> str:
    return (site.name or "").strip() if site is not None and site.name else f"Site {index + 1}"


def _carrier_name(noun: str, carrier, index: int) -> str:
    carried = services_label(carrier.services) if carrier is not None else ""
    return f"{noun} {index + 1}" + (f" ({carried})" if carried else "")


def place_name(path: str, doc: RequestDocument | None) -> str:
    """Name the answer at `path` of `doc` as the client knows it, such as "Subnet 2 at London
    DC1"; "" for the request as a whole. Parts missing from `doc` are named by number."""
    parts = _parts(path)
    if not parts:
        return ""
    top = parts[0]
    if top == "contacts" and len(parts) > 1 and isinstance(parts[1], int):
        return f"Contact {parts[1] + 1}"
    if top == "mtls" and len(parts) > 1 and parts[1] in _MTLS:
        return _MTLS[parts[1]]
    if top != "sites" or len(parts) < 2 or not isinstance(parts[1], int):
        return _TOP_LEVEL.get(top, "") if isinstance(top, str) else ""
    index = parts[1]
    site = _item(doc.sites, index) if doc is not None else None
    where = _site_name(site, index)
    rest = parts[2:]
    if not rest:
        return where
    if rest[0] == "name":
        return f"Site {index + 1}"
    if len(rest) >= 2 and isinstance(rest[1], int) and rest[0] in ("vpns", "attachments"):
        noun = "VPN" if rest[0] == "vpns" else "Attachment"
        carrier = _item(getattr(site, rest[0]), rest[1]) if site is not None else None
        named = _carrier_name(noun, carrier, rest[1])
        if len(rest) >= 4 and rest[2] == "tunnels" and isinstance(rest[3], int):
            named = f"Tunnel {rest[3] + 1} of {named}"
        return f"{named} at {where}"
    if len(rest) >= 2 and rest[0] == "subnets" and isinstance(rest[1], int):
        return f"Subnet {rest[1] + 1} at {where}"
    part = _SITE_PARTS.get(rest[0]) if isinstance(rest[0], str) else None
    return f"{part} at {where}" if part else where


def parent_path(path: str) -> str:
    """Return the path one level up, such as "sites[0].vpns" for "sites[0].vpns[1]"."""
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def finding_place(
    path: str, doc: RequestDocument | None, anchors: Mapping[str, str] | None = None
) -> Place:
    """Return where the finding at `path` is: its name, and the anchor among `anchors` (path
    → element id or URL, what the page shows) of that answer or the nearest part holding it."""
    anchors = anchors or {}
    nearest = path
    while nearest and nearest not in anchors:
        nearest = parent_path(nearest)
    return Place(place_name(path, doc), anchors.get(nearest, anchors.get("", "")))


@dataclass(frozen=True, slots=True)
class Located:
    """A finding as a page shows it: its message said where, and the anchor it links to."""

    finding: Finding
    place: Place

    @property
    def message(self) -> str:
        return self.place.describe(self.finding.message)

    @property
    def anchor(self) -> str:
        return self.place.anchor

    @property
    def severity(self) -> Severity:
        return self.finding.severity


def locate(
    findings: Iterable[Finding],
    doc: RequestDocument | None,
    anchors: Mapping[str, str] | None = None,
) -> list[Located]:
    """Return `findings` each with its place (`finding_place`), in the same order."""
    return [Located(finding, finding_place(finding.field, doc, anchors)) for finding in findings]
