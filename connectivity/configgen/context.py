"""Gather every value a configuration template uses, in one place and already checked.

`build_context` is the only way a template gets its values: it refuses a request document
with any error finding (so every name and device field is already in its safe character
set), fills in Thredd's defaults (REFERENCE §4, §5), and computes what the templates would
otherwise compute themselves (inside addresses, netmasks, proposals, the names and numbers of
device objects). The result is plain frozen dataclasses, identical for identical inputs, so a
rendered file's checksum is stable.
"""

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import IPv4Address, IPv4Network
from itertools import product
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography import x509

from connectivity import constants as limits
from connectivity.catalogue import find_platform
from connectivity.choices import (
    ConnectionType,
    Environment,
    IkeVersion,
    Routing,
    Service,
    service_labels,
)
from connectivity.configgen.keywords import AEAD_ENCRYPTION
from connectivity.configgen.targets import target_for_device
from connectivity.configgen.values import TunnelValues
from connectivity.document import RequestDocument, Tunnel
from connectivity.findings import Finding, has_errors
from connectivity.rules import check_inside_cidr, check_psk, validate_document

# Thredd's tunnel defaults (REFERENCE §4): AWS's lifetimes, DPD, MTU, MSS; the algorithm
# defaults are in `constants`, where the rules read them too.
DPD_DELAY = 10
DPD_RETRIES = 3
TUNNEL_MTU = 1436
TCP_MSS = 1387
BGP_HOLD_TIME = 30
BGP_KEEPALIVE = 10
# Tunnel 1 is preferred both ways (REFERENCE §7). Its routes get the lower metric (distance,
# priority); over BGP, each side prefers what it learns on tunnel 1 by local preference, and
# tells the other side to do the same the way AWS does: tunnel 2's advertisements carry a
# longer AS path (the advertiser's ASN prepended) and a higher MED.
ROUTE_METRICS = (100, 200)
BGP_LOCAL_PREFERENCES = (200, 100)
BGP_PREPENDS = (0, 2)
BGP_MEDS = (100, 200)
MTLS_DEFAULT_PORT = 443

REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.ASCII)


class ContextError(ValueError):
    """The inputs cannot make a complete, safe configuration; the message says what to fix."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


@dataclass(frozen=True, slots=True)
class ThreddSide:
    """Thredd's own values for one environment, as staff keep them in ThreddSettings.

    `service_ranges` maps each service to the networks it lives in. Thredd's outside
    addresses are not here: AWS gives every tunnel of every VPN connection its own, so they
    come with each VPN's tunnel values.
    """

    environment: str
    service_ranges: Mapping[str, tuple[str, ...]]
    bgp_asn: int
    mtls_trust_chain_pem: str = ""
    preview: bool = False

    @classmethod
    def from_settings(cls, settings) -> "ThreddSide":
        """Read a `ThreddSettings` row (with its service ranges)."""
        ranges: dict[str, list[str]] = {}
        for service_range in settings.service_ranges.all():
            ranges.setdefault(service_range.service, []).append(str(service_range.network))
        return cls(
            environment=settings.environment,
            service_ranges={service: tuple(networks) for service, networks in ranges.items()},
            bgp_asn=settings.bgp_asn,
            mtls_trust_chain_pem=settings.mtls_trust_chain_pem,
        )


@dataclass(frozen=True, slots=True)
class Network:
    """A network as each syntax wants it: CIDR, address, netmask, prefix length."""

    cidr: str
    address: str
    netmask: str
    prefixlen: int

    @classmethod
    def of(cls, value: str | IPv4Network) -> "Network":
        network = IPv4Network(value)
        return cls(
            cidr=str(network),
            address=str(network.network_address),
            netmask=str(network.netmask),
            prefixlen=network.prefixlen,
        )


@dataclass(frozen=True, slots=True)
class Proposal:
    """One combination of encryption, integrity and DH group offered in a phase.

    With an AEAD cipher (GCM) `integrity` is the PRF for IKE and is not used by ESP.
    """

    encryption: str
    integrity: str
    dh_group: int
    aead: bool


@dataclass(frozen=True, slots=True)
class Phase:
    """The algorithms and lifetime of IKE (phase 1) or IPsec (phase 2)."""

    encryption: tuple[str, ...]
    integrity: tuple[str, ...]
    dh_groups: tuple[int, ...]
    lifetime: int
    proposals: tuple[Proposal, ...]


@dataclass(frozen=True, slots=True)
class TunnelContext:
    """One tunnel of a VPN: its two ends, its secrets and algorithms, and its device names.

    `name` ("thredd-vpn2-t1") and `unit` (10 x VPN number + tunnel number: 11, 12, 21, 22)
    are what the templates call the tunnel's objects and number its interfaces, sequence
    numbers and priorities by, so the files of a site's two VPNs pasted into one device
    never reuse each other's.

    `policy_priority` orders a policy-based device's policies (lower wins): the more specific
    selector first, so a site's other VPN never takes traffic whose range is its own, and
    within a VPN tunnel 1 before tunnel 2.
    """

    number: int
    name: str
    unit: int
    preferred: bool
    thredd_outside_ip: str
    client_outside_ip: str
    inside: Network
    thredd_inside_ip: str
    client_inside_ip: str
    psk: str
    phase1: Phase
    phase2: Phase
    route_metric: int
    bgp_local_preference: int
    bgp_prepend: int
    bgp_med: int
    policy_priority: int


@dataclass(frozen=True, slots=True)
class BgpContext:
    client_asn: int
    thredd_asn: int
    hold_time: int
    keepalive: int


@dataclass(frozen=True, slots=True)
class VpnContext:
    """One VPN: its two tunnels and everything they share.

    `name` ("thredd-vpn2") names the objects the two tunnels share on the client's device.
    `client_local_ip` is the address the device itself has: its private one behind 1:1 NAT
    (`behind_nat`), else its public one. `local_selector` and `remote_selector` are the one
    selector pair a policy-based device negotiates per tunnel, since AWS takes one SA pair
    per tunnel: the client's subnets and Thredd's ranges of this VPN, each summarised into the
    smallest network holding them all.
    """

    number: int
    name: str
    services: tuple[str, ...]
    service_labels: tuple[str, ...]
    client_outside_ip: str
    client_local_ip: str
    behind_nat: bool
    local_selector: Network
    remote_selector: Network
    device_vendor: str
    device_platform: str
    device_software: str
    device_target: str
    ike_version: int
    ikev1: bool
    routing: str
    bgp: BgpContext | None
    routes: tuple[Network, ...]
    dpd_delay: int
    dpd_retries: int
    dpd_timeout: int
    mtu: int
    mss: int
    tunnels: tuple[TunnelContext, ...]


@dataclass(frozen=True, slots=True)
class AttachmentContext:
    number: int
    service_labels: tuple[str, ...]
    routes: tuple[Network, ...]


@dataclass(frozen=True, slots=True)
class TgwContext:
    """One TGW site: the client's transit gateway and Thredd's one peering attachment to it.

    `attachments` say which services the site asked for on each; they all ride the peering
    attachment `peering_attachment_id`, so `routes` are their Thredd ranges, each once.
    """

    tgw_id: str
    aws_account_id: str
    region: str
    peering_attachment_id: str
    attachments: tuple[AttachmentContext, ...]
    routes: tuple[Network, ...]


def client_certificate_file(request_reference: str) -> str:
    """Return the name of the issued client certificate's download, as the test script uses it."""
    return f"{_slug(request_reference)}-client-certificate.pem"


def _config_word(text: str, safe: str) -> str:
    """Return `text` as one double-quoted word that nginx and Apache read as it is.

    Whatever is outside `safe` (letters and digits always) is percent-encoded: a URL path
    or host means the same encoded, and no quote, backslash, `$`, brace, semicolon, space
    or newline is left to end the word or the directive.
    """
    return f'"{quote(text, safe=safe)}"'


def _comment_text(text: str) -> str:
    """Return `text` with anything outside printable ASCII percent-encoded, for one comment line."""
    return quote(text, safe="".join(chr(code) for code in range(0x21, 0x7F)))


@dataclass(frozen=True, slots=True)
class MtlsContext:
    """The EHI endpoint of an mTLS request and Thredd's trust chain.

    The endpoint values are checked by `rules.check_endpoint_url` before they get here; the
    `*_shell`, `*_conf` and `*_comment` forms still quote them for each file's own syntax,
    so a value that slipped past the rules could not run a command or add a directive.
    """

    trust_chain_pem: str
    endpoint_url: str
    endpoint_host: str
    endpoint_port: int
    endpoint_path: str
    service_labels: tuple[str, ...]
    certificate_file: str

    @property
    def url_shell(self) -> str:
        return shlex.quote(self.endpoint_url)

    @property
    def connect_shell(self) -> str:
        return shlex.quote(f"{self.endpoint_host}:{self.endpoint_port}")

    @property
    def host_shell(self) -> str:
        return shlex.quote(self.endpoint_host)

    @property
    def certificate_file_shell(self) -> str:
        return shlex.quote(self.certificate_file)

    @property
    def host_conf(self) -> str:
        return _config_word(self.endpoint_host, safe=".-")

    @property
    def path_encoded(self) -> str:
        return quote(self.endpoint_path, safe="/._~-")

    @property
    def path_conf(self) -> str:
        return _config_word(self.endpoint_path, safe="/._~-")

    @property
    def url_comment(self) -> str:
        return _comment_text(self.endpoint_url)


@dataclass(frozen=True, slots=True)
class Header:
    """What every file's header says (REFERENCE §4)."""

    request_reference: str
    environment: str
    environment_label: str
    site_name: str
    generated_at: str
    preview: bool
    file_stem: str


@dataclass(frozen=True, slots=True)
class ConfigContext:
    """Everything a template may use; exactly one of `vpn`, `tgw`, `mtls` is set."""

    header: Header
    site_subnets: tuple[Network, ...]
    vpn: VpnContext | None = None
    tgw: TgwContext | None = None
    mtls: MtlsContext | None = None


def build_context(
    doc: RequestDocument,
    *,
    thredd: ThreddSide,
    request_reference: str,
    generated_at: datetime,
    site_index: int | None = None,
    vpn_index: int | None = None,
    tunnel_values: Sequence[TunnelValues] = (),
    peering_attachment_id: str = "",
) -> ConfigContext:
    """Return the context of one VPN (IPsec request), one site (TGW) or the request (mTLS).

    `site_index` and `vpn_index` pick the VPN; `tunnel_values` are its two tunnels' approved
    PSKs and inside /30s (see `values.plan_tunnel_values`) and the outside addresses AWS gave
    them. `peering_attachment_id` is the ID of the peering attachment Thredd created to a TGW
    site. Raises `ContextError` when `doc` has any error finding, when Thredd's side lacks a
    value the file needs (a service range, AWS's addresses of a tunnel, the peering
    attachment), or when a value given here breaks a rule.
    """
    findings = validate_document(doc, thredd_asn=thredd.bgp_asn)
    if has_errors(findings):
        raise ContextError(
            "The request has errors; fix them before generating configuration.", findings
        )
    if not REFERENCE_PATTERN.fullmatch(request_reference):
        raise ContextError(
            f"Request reference {request_reference!r} must be 1-64 letters, digits, . _ -."
        )
    if thredd.environment != doc.environment:
        raise ContextError(
            f"Thredd's settings are for {thredd.environment}, the request is for {doc.environment}."
        )
    if generated_at.tzinfo is None:
        raise ContextError("The generated time must be timezone-aware.")

    def _header(*, site_name: str, file_stem: str) -> Header:
        return Header(
            request_reference=request_reference,
            environment=doc.environment,
            environment_label=Environment(doc.environment).label,
            site_name=site_name,
            generated_at=generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            preview=thredd.preview,
            file_stem=file_stem,
        )

    if doc.connection_type == ConnectionType.MTLS:
        header = _header(site_name="", file_stem=_slug(request_reference))
        return ConfigContext(
            header=header, site_subnets=(), mtls=_mtls(doc, thredd, request_reference)
        )

    site = _pick(doc.sites, site_index, "site")
    subnets = tuple(Network.of(subnet.cidr) for subnet in site.subnets)
    stem = f"{_slug(request_reference)}-{_slug(site.name)}"
    if doc.connection_type == ConnectionType.AWS_TGW:
        if not peering_attachment_id:
            raise ContextError(
                f"Site {site.name}: the peering attachment has not been created yet. Thredd "
                f"creates it from its transit gateway to {site.tgw.tgw_id}; record its ID, then "
                "generate the files."
            )
        if not limits.TGW_ATTACHMENT_ID_PATTERN.fullmatch(peering_attachment_id):
            raise ContextError(
                f"Peering attachment ID {peering_attachment_id!r} must be tgw-attach- and 17 "
                "lowercase hex digits, as AWS gives it."
            )
        header = _header(site_name=site.name, file_stem=stem)
        carried = [service for item in site.attachments for service in item.services]
        tgw = TgwContext(
            tgw_id=site.tgw.tgw_id,
            aws_account_id=site.tgw.aws_account_id,
            region=site.tgw.region,
            peering_attachment_id=peering_attachment_id,
            attachments=tuple(
                AttachmentContext(
                    number=number,
                    service_labels=service_labels(attachment.services),
                    routes=_routes(thredd, attachment.services),
                )
                for number, attachment in enumerate(site.attachments, start=1)
            ),
            routes=_routes(thredd, carried),
        )
        return ConfigContext(header=header, site_subnets=subnets, tgw=tgw)

    vpn = _pick(site.vpns, vpn_index, "VPN")
    vpn_number = vpn_index + 1
    header = _header(site_name=site.name, file_stem=f"{stem}-vpn{vpn_number}")
    if len(tunnel_values) != limits.MAX_TUNNELS_PER_VPN:
        raise ContextError(
            f"Give the values of both tunnels of the VPN (got {len(tunnel_values)})."
        )
    thredd_ips = _thredd_outside_ips(tunnel_values, vpn_number=vpn_number, site_name=site.name)
    problems = [
        finding
        for number, values in enumerate(tunnel_values, start=1)
        for finding in (
            *check_psk(values.psk, f"tunnels[{number - 1}].psk"),
            *check_inside_cidr(values.inside_cidr, f"tunnels[{number - 1}].inside_cidr"),
        )
    ]
    if problems:
        raise ContextError("A tunnel's generated values break AWS's rules.", problems)
    platform = find_platform(vpn.device.vendor, vpn.device.platform)
    bgp = (
        BgpContext(
            client_asn=site.bgp.asn,
            thredd_asn=thredd.bgp_asn,
            hold_time=BGP_HOLD_TIME,
            keepalive=BGP_KEEPALIVE,
        )
        if site.routing == Routing.BGP
        else None
    )
    ike_version = vpn.ike_version or IkeVersion.IKEV2
    routes = _routes(thredd, vpn.services)
    remote_selector = summarise(routes)
    tunnels = tuple(
        _tunnel(
            number,
            vpn_number=vpn_number,
            overrides=vpn.tunnels[number - 1] if number <= len(vpn.tunnels) else Tunnel(),
            values=values,
            thredd_ip=thredd_ips[number - 1],
            client_ip=vpn.peer_ip,
            remote_selector=remote_selector,
        )
        for number, values in enumerate(tunnel_values, start=1)
    )
    context_vpn = VpnContext(
        number=vpn_number,
        name=f"thredd-vpn{vpn_number}",
        services=vpn.services,
        service_labels=service_labels(vpn.services),
        client_outside_ip=vpn.peer_ip,
        client_local_ip=vpn.private_ip or vpn.peer_ip,
        behind_nat=bool(vpn.private_ip),
        local_selector=summarise(subnets),
        remote_selector=remote_selector,
        device_vendor=platform.vendor_label,
        device_platform=platform.label,
        device_software=vpn.device.software or "any",
        device_target=target_for_device(platform.vendor, platform.key).key,
        ike_version=ike_version,
        ikev1=ike_version == IkeVersion.IKEV1,
        routing=site.routing,
        bgp=bgp,
        routes=routes,
        dpd_delay=DPD_DELAY,
        dpd_retries=DPD_RETRIES,
        dpd_timeout=DPD_DELAY * DPD_RETRIES,
        mtu=TUNNEL_MTU,
        mss=TCP_MSS,
        tunnels=tunnels,
    )
    return ConfigContext(header=header, site_subnets=subnets, vpn=context_vpn)


def _pick(items: Sequence, index: int | None, noun: str):
    if index is None or not 0 <= index < len(items):
        raise ContextError(f"Choose a {noun} by its index: 0 to {len(items) - 1}, not {index}.")
    return items[index]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _thredd_outside_ips(
    tunnel_values: Sequence[TunnelValues], *, vpn_number: int, site_name: str
) -> tuple[str, ...]:
    """Return AWS's outside address of each tunnel of a VPN, checked.

    Every tunnel of every AWS VPN connection ends on its own address, so an empty one means
    the VPN connection is not created (or not recorded) yet, and a shared one is a mistake.
    """
    addresses = []
    for number, values in enumerate(tunnel_values, start=1):
        if not values.thredd_outside_ip:
            raise ContextError(
                f"Thredd's AWS side of VPN {vpn_number} is not recorded yet: tunnel {number} "
                f"of site {site_name} has no AWS outside address. Record the addresses of the "
                "VPN connection's tunnels once AWS has created it, then generate the files."
            )
        try:
            addresses.append(str(IPv4Address(values.thredd_outside_ip)))
        except ValueError:
            raise ContextError(
                f"Tunnel {number} of VPN {vpn_number} at site {site_name}: AWS outside address "
                f"{values.thredd_outside_ip!r} is not an IPv4 address."
            ) from None
    if len(set(addresses)) != len(addresses):
        raise ContextError(
            f"Both tunnels of VPN {vpn_number} at site {site_name} have Thredd outside address "
            f"{addresses[0]}: AWS gives each tunnel its own, so check the recorded addresses."
        )
    return tuple(addresses)


def summarise(networks: Sequence[Network]) -> Network:
    """Return the smallest network that holds every one of `networks` (one: itself)."""
    parsed = [IPv4Network(network.cidr) for network in networks]
    summary = parsed[0]
    while not all(network.subnet_of(summary) for network in parsed):
        summary = summary.supernet()
    return Network.of(summary)


def _routes(thredd: ThreddSide, services: Sequence[str]) -> tuple[Network, ...]:
    """Return Thredd's ranges of `services`: the static routes (and BGP expectations) of a VPN."""
    missing = [
        Service(service).label for service in services if not thredd.service_ranges.get(service)
    ]
    if missing:
        raise ContextError(
            f"Thredd's {thredd.environment} settings have no range for {', '.join(missing)}: "
            "add its service range before generating configuration."
        )
    networks = {
        IPv4Network(cidr) for service in services for cidr in thredd.service_ranges[service]
    }
    return tuple(Network.of(network) for network in sorted(networks))


def tunnel_phase(tunnel: Tunnel, phase: int) -> Phase:
    """Return phase 1 (IKE) or 2 (IPsec) of a tunnel: the client's choices, else Thredd's
    defaults. The files and AWS's tunnel options are both made from this."""
    encryption = getattr(tunnel, f"phase{phase}_encryption") or limits.DEFAULT_ENCRYPTION
    integrity = getattr(tunnel, f"phase{phase}_integrity") or limits.DEFAULT_INTEGRITY
    dh_groups = getattr(tunnel, f"phase{phase}_dh_groups") or limits.DEFAULT_DH_GROUPS
    lifetime = getattr(tunnel, f"phase{phase}_lifetime") or (
        limits.PHASE1_LIFETIME_DEFAULT if phase == 1 else limits.PHASE2_LIFETIME_DEFAULT
    )
    return Phase(
        encryption=tuple(encryption),
        integrity=tuple(integrity),
        dh_groups=tuple(dh_groups),
        lifetime=lifetime,
        proposals=tuple(
            Proposal(cipher, hash_, group, cipher in AEAD_ENCRYPTION)
            for cipher, hash_, group in product(encryption, integrity, dh_groups)
        ),
    )


def _tunnel(
    number: int,
    *,
    vpn_number: int,
    overrides: Tunnel,
    values: TunnelValues,
    thredd_ip: str,
    client_ip: str,
    remote_selector: Network,
) -> TunnelContext:
    inside = IPv4Network(values.inside_cidr)
    # AWS's convention: Thredd (the AWS side) takes the first host of the /30, the client the
    # second.
    thredd_inside, client_inside = (str(host) for host in inside.hosts())
    return TunnelContext(
        number=number,
        name=f"thredd-vpn{vpn_number}-t{number}",
        unit=10 * vpn_number + number,
        preferred=number == 1,
        thredd_outside_ip=thredd_ip,
        client_outside_ip=client_ip,
        inside=Network.of(inside),
        thredd_inside_ip=thredd_inside,
        client_inside_ip=client_inside,
        psk=values.psk,
        phase1=tunnel_phase(overrides, 1),
        phase2=tunnel_phase(overrides, 2),
        route_metric=ROUTE_METRICS[number - 1],
        bgp_local_preference=BGP_LOCAL_PREFERENCES[number - 1],
        bgp_prepend=BGP_PREPENDS[number - 1],
        bgp_med=BGP_MEDS[number - 1],
        policy_priority=10 * (32 - remote_selector.prefixlen) + number,
    )


def _mtls(doc: RequestDocument, thredd: ThreddSide, request_reference: str) -> MtlsContext:
    try:
        x509.load_pem_x509_certificates(thredd.mtls_trust_chain_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ContextError(
            f"Thredd's {thredd.environment} settings have no mTLS trust chain: add the PEM "
            "certificates before generating the endpoint bundle."
        ) from None
    url = doc.mtls.ehi_endpoint_url
    if url is None:
        raise ContextError("The mTLS request has no EHI endpoint URL to configure.")
    parts = urlsplit(url)
    return MtlsContext(
        trust_chain_pem=thredd.mtls_trust_chain_pem.strip(),
        endpoint_url=url,
        endpoint_host=parts.hostname,
        endpoint_port=parts.port or MTLS_DEFAULT_PORT,
        endpoint_path=parts.path,
        service_labels=service_labels(doc.services),
        certificate_file=client_certificate_file(request_reference),
    )


PREVIEW_TRUST_CHAIN = (Path(__file__).parent / "preview-trust-chain.pem").read_text()


def preview_thredd_side(environment: str) -> ThreddSide:
    """Return illustrative Thredd values for `environment`, for previews when none are stored.

    The header of a file made with them says "preview", so it cannot be mistaken for one to
    apply.
    """
    return ThreddSide(
        environment=environment,
        service_ranges={
            Service.WEB_SERVICES: ("10.240.1.0/24",),
            Service.EHI: ("10.240.2.0/24",),
            Service.PORTAL: ("10.240.3.0/24",),
        },
        bgp_asn=limits.DEFAULT_THREDD_BGP_ASN,
        mtls_trust_chain_pem=PREVIEW_TRUST_CHAIN,
        preview=True,
    )
