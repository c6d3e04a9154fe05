"""Rules about a VPN and its tunnels: peer address, device, IKE, PSK, inside CIDR, algorithms."""

from collections.abc import Callable, Sequence
from dataclasses import replace
from ipaddress import AddressValueError, IPv4Address, IPv4Network

from django.core.exceptions import ValidationError

from connectivity import constants as limits
from connectivity.catalogue import CATALOGUE, Platform, find_platform, platforms, vendors
from connectivity.choices import (
    IkeVersion,
    Routing,
)
from connectivity.document import (
    VALUE_INVALID,
    Device,
    Tunnel,
    Vpn,
    join_path,
)
from connectivity.findings import Finding, error
from connectivity.validators import (
    parse_ipv4_network,
    validate_device_software,
)

from .base import alternatives, from_validation_error, in_document, indexed, listing
from .requests import check_services


def check_peer_ip(value: str | None, field: str) -> list[Finding]:
    """Check the client's VPN device address is a public IPv4 address."""
    if not value:
        return [
            error("peer_ip_invalid", field, "Enter the public IPv4 address of your VPN device.")
        ]
    try:
        address = IPv4Address(value)
    except AddressValueError:
        return [
            error(
                "peer_ip_invalid",
                field,
                "Enter your VPN device's public IPv4 address, such as 81.2.69.160: Thredd's VPN "
                "endpoints accept IPv4 peers only.",
            )
        ]
    not_public = (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or any(address in network for network in limits.NON_PUBLIC_PEER_NETWORKS)
    )
    if not_public:
        return [
            error(
                "peer_ip_not_public",
                field,
                f"{address} is not reachable from the internet (private, shared, loopback, "
                "link-local, multicast, reserved or documentation range): enter the public "
                "address your VPN device uses.",
            )
        ]
    return []


def check_private_ip(value: str | None, field: str, *, peer_ip: str | None) -> list[Finding]:
    """Check the address of a device behind 1:1 NAT: a private IPv4 address, not the public one.

    Optional: most devices own their public address, and then it is left empty.
    """
    if not value:
        return []
    try:
        address = IPv4Address(value)
    except AddressValueError:
        return [
            error(
                "private_ip_invalid",
                field,
                "Enter the device's own IPv4 address behind the NAT, such as 10.0.1.15, or leave "
                "it empty if the device owns its public address.",
            )
        ]
    if address.is_global or address.is_multicast or address.is_loopback or value == peer_ip:
        return [
            error(
                "private_ip_invalid",
                field,
                f"{address} is not a private address: behind 1:1 NAT the device has a private "
                "one (10.x, 172.16-31.x, 192.168.x or 100.64-127.x). Leave it empty if the "
                "device owns its public address.",
            )
        ]
    return []


def check_device(device: Device | None, field: str) -> list[Finding]:
    """Check the VPN device is in Thredd's catalogue and its software version is safe text."""
    if device is None:
        return [
            error(
                "device_unsupported",
                field,
                "Choose your VPN device's vendor and platform, or the generic template.",
            )
        ]
    offered_vendors = dict(vendors())
    generic = offered_vendors["generic"]
    if device.vendor not in offered_vendors:
        listed = listing(label for label in offered_vendors.values() if label != generic)
        choice = f"{listed}, or {generic} if yours is not listed"
        message = (
            f"Thredd has no template for vendor {device.vendor!r}: select {choice} "
            f"({in_document(offered_vendors)})."
            if device.vendor
            else f"Select the device vendor: {choice}."
        )
        return [error("device_unsupported", join_path(field, "vendor"), message)]
    if find_platform(device.vendor, device.platform or "") is None:
        vendor = offered_vendors[device.vendor]
        offered = platforms(device.vendor)
        choice = alternatives((platform.label for platform in offered), separator="; ")
        elsewhere = next((item for item in CATALOGUE if item.key == device.platform), None)
        if elsewhere is not None:  # another vendor's platform, as a page without script allows
            message = f"{elsewhere.name} is not a {vendor} platform: select {choice}."
        elif device.platform:
            message = (
                f"Thredd has no {vendor} template for platform {device.platform!r}: for {vendor}, "
                f"select {choice} ({in_document(platform.key for platform in offered)})."
            )
        else:
            message = f"Select the device platform: for {vendor}, Thredd offers {choice}."
        return [error("device_unsupported", join_path(field, "platform"), message)]
    if device.software is None:
        return []
    try:
        validate_device_software(device.software)
    except ValidationError as exc:
        return [from_validation_error(exc, join_path(field, "software"))]
    return []


def check_ike_version(value: int | None, field: str, *, platform: Platform | None) -> list[Finding]:
    """Check the IKE version is 1 or 2 (left out: IKEv2) and that the platform supports it."""
    if value is None:
        return []
    if value not in IkeVersion.values:
        return [error("ike_version_invalid", field, "Choose IKE version 2, or 1 if you must.")]
    if platform is not None and value not in platform.ike:
        return [
            error(
                "ike_version_invalid",
                field,
                f"{platform.name} is offered with IKEv{listing(sorted(platform.ike))} only: "
                f"choose IKE version {max(platform.ike)}.",
            )
        ]
    return []


def check_psk(value: str | None, field: str) -> list[Finding]:
    """Check a client-chosen pre-shared key meets AWS's rule (left out: Thredd generates one)."""
    if value is None:
        return []
    if not limits.PSK_MIN_LENGTH <= len(value) <= limits.PSK_MAX_LENGTH:
        problem = f"it has {len(value)} characters"
    elif not limits.PSK_PATTERN.fullmatch(value):
        problem = "it has other characters"
    elif value.startswith("0"):
        problem = "it starts with 0"
    else:
        return []
    return [
        error(
            "psk_invalid",
            field,
            f"Use a pre-shared key of {limits.PSK_MIN_LENGTH} to {limits.PSK_MAX_LENGTH} "
            f"{limits.PSK_CHARACTERS}, not starting with 0 ({problem}), or leave it out and "
            "Thredd will generate one.",
        )
    ]


def check_inside_cidr(value: str | None, field: str) -> list[Finding]:
    """Check a tunnel inside CIDR is a /30 of 169.254.0.0/16 that AWS does not reserve."""
    if value is None:
        return []
    try:
        network = parse_ipv4_network(value, code="inside_cidr_invalid")
    except ValidationError as exc:
        return [error("inside_cidr_invalid", field, exc.messages[0])]
    if network.prefixlen != limits.INSIDE_CIDR_PREFIX or not network.subnet_of(
        limits.INSIDE_CIDR_RANGE
    ):
        problem = f"{network} is not a /{limits.INSIDE_CIDR_PREFIX} in {limits.INSIDE_CIDR_RANGE}"
    elif network in limits.RESERVED_INSIDE_CIDRS:
        problem = f"{network} is reserved by AWS"
    else:
        return []
    return [
        error(
            "inside_cidr_invalid",
            field,
            f"{problem}: choose another such as {limits.EXAMPLE_INSIDE_CIDR}, or leave it out "
            "and Thredd will allocate one.",
        )
    ]


def check_inside_cidrs_unique(
    inside_cidrs: Sequence[tuple[str, str | None]], *, name_of: Callable[[str], str] = str
) -> list[Finding]:
    """Refuse two tunnels with one inside CIDR, given (field, inside_cidr) pairs; `name_of`
    names the first tunnel's field in the message (`places.place_name`)."""
    findings = []
    first_seen: dict[IPv4Network, str] = {}
    for field, value in inside_cidrs:
        try:
            network = parse_ipv4_network(value)
        except ValidationError:
            continue
        if network in first_seen:
            findings.append(
                error(
                    "inside_cidr_invalid",
                    field,
                    f"{network} is already the inside CIDR of {name_of(first_seen[network])}: "
                    "each tunnel needs its own.",
                )
            )
        else:
            first_seen[network] = field
    return findings


def check_lifetimes(phase1: int | None, phase2: int | None, field: str) -> list[Finding]:
    """Check the IKE lifetimes of one tunnel; a left-out lifetime takes AWS's default."""
    findings = [
        error(
            "lifetime_invalid",
            join_path(field, f"phase{phase}_lifetime"),
            f"Enter a phase {phase} lifetime from {low} to {high} seconds (default {default}).",
        )
        for phase, value, low, high, default in (
            (
                1,
                phase1,
                limits.PHASE1_LIFETIME_MIN,
                limits.PHASE1_LIFETIME_MAX,
                limits.PHASE1_LIFETIME_DEFAULT,
            ),
            (
                2,
                phase2,
                limits.PHASE2_LIFETIME_MIN,
                limits.PHASE2_LIFETIME_MAX,
                limits.PHASE2_LIFETIME_DEFAULT,
            ),
        )
        if value is not None and not low <= value <= high
    ]
    effective1 = limits.PHASE1_LIFETIME_DEFAULT if phase1 is None else phase1
    effective2 = limits.PHASE2_LIFETIME_DEFAULT if phase2 is None else phase2
    if not findings and effective2 >= effective1:
        findings.append(
            error(
                "lifetime_invalid",
                join_path(field, "phase2_lifetime"),
                f"Make the phase 2 lifetime ({effective2} s) shorter than phase 1 "
                f"({effective1} s).",
            )
        )
    return findings


def check_algorithms(
    tunnel: Tunnel,
    field: str,
    *,
    platform: Platform | None = None,
    ike_version: int | None = None,
) -> list[Finding]:
    """Check a tunnel's algorithms: AWS accepts each chosen one, and the client's device can
    negotiate it, and Thredd's default for each one left out, with the IKE version chosen.

    Without a platform (or IKE version) only AWS's lists are checked. A device finding names
    the device and what it does support, so the client can pick again.
    """
    version = ike_version or IkeVersion.IKEV2
    row = platform.ike.get(version) if platform is not None else None
    findings = []
    for phase in (1, 2):
        dh_groups = limits.PHASE1_DH_GROUPS if phase == 1 else limits.PHASE2_DH_GROUPS
        for name, allowed, code, default in (
            (
                "encryption",
                limits.ENCRYPTION_ALGORITHMS,
                "algorithm_invalid",
                limits.DEFAULT_ENCRYPTION,
            ),
            (
                "integrity",
                limits.INTEGRITY_ALGORITHMS,
                "algorithm_invalid",
                limits.DEFAULT_INTEGRITY,
            ),
            ("dh_groups", sorted(dh_groups), "dh_group_invalid", limits.DEFAULT_DH_GROUPS),
        ):
            key = f"phase{phase}_{name}"
            values = getattr(tunnel, key)
            path = join_path(field, key)
            advice = f"choose from {listing(allowed)}, or leave it out for Thredd's defaults"
            if values == ():
                findings.append(error(code, path, f"The list is empty: {advice}."))
            for index, value in enumerate(values or ()):
                if value not in allowed:
                    findings.append(
                        error(
                            code,
                            indexed(path, index),
                            f"AWS does not accept {value!r} in phase {phase}: {advice}.",
                        )
                    )
            if row is None:
                continue
            supported = row.allowed(phase, name)
            offered = listing(value for value in allowed if value in supported)
            for index, value in enumerate(values or default):
                if value in allowed and value not in supported:
                    chosen = f"{value!r}" if values else f"Thredd's default {value!r}"
                    findings.append(
                        error(
                            code,
                            indexed(path, index) if values else path,
                            f"{platform.name} cannot negotiate {chosen} in phase {phase} with "
                            f"IKEv{version}: choose from {offered}.",
                        )
                    )
    return findings


def check_tunnel(
    tunnel: Tunnel,
    field: str,
    *,
    platform: Platform | None = None,
    ike_version: int | None = None,
) -> list[Finding]:
    """Check every value a client set on one tunnel, against AWS and the client's device."""
    return [
        *check_inside_cidr(tunnel.inside_cidr, join_path(field, "inside_cidr")),
        *check_psk(tunnel.psk, join_path(field, "psk")),
        *check_algorithms(tunnel, field, platform=platform, ike_version=ike_version),
        *check_lifetimes(tunnel.phase1_lifetime, tunnel.phase2_lifetime, field),
    ]


def check_vpn(vpn: Vpn, field: str, *, routing: str | None) -> list[Finding]:
    """Check one VPN: its services, peer, device, IKE version and tunnels, each against what
    the device's platform can negotiate (`catalogue`)."""
    device = vpn.device or Device()
    platform = find_platform(device.vendor or "", device.platform or "")
    findings = [
        *check_services(vpn.services, join_path(field, "services"), noun="VPN"),
        *check_peer_ip(vpn.peer_ip, join_path(field, "peer_ip")),
        *check_private_ip(vpn.private_ip, join_path(field, "private_ip"), peer_ip=vpn.peer_ip),
        *check_device(vpn.device, join_path(field, "device")),
        *check_ike_version(vpn.ike_version, join_path(field, "ike_version"), platform=platform),
    ]
    if routing == Routing.BGP and platform is not None and not platform.bgp:
        bgp_platforms = alternatives(
            (item.name for item in platforms(platform.vendor) if item.bgp), separator="; "
        )
        findings.append(
            error(
                "routing_invalid",
                join_path(field, "device.platform"),
                f"{platform.name} cannot run BGP over the tunnel: choose static routing"
                + (f", or the {bgp_platforms} platform." if bgp_platforms else "."),
            )
        )
    if routing == Routing.STATIC and platform is not None and not platform.static:
        static_platforms = alternatives(
            (item.name for item in platforms(platform.vendor) if item.static), separator="; "
        )
        findings.append(
            error(
                "routing_invalid",
                join_path(field, "device.platform"),
                f"{platform.name} is for BGP routing: choose BGP, or the {static_platforms} "
                "platform for static routing.",
            )
        )
    tunnels_path = join_path(field, "tunnels")
    if len(vpn.tunnels) > limits.MAX_TUNNELS_PER_VPN:
        findings.append(
            error(
                VALUE_INVALID,
                tunnels_path,
                f"A VPN has at most {limits.MAX_TUNNELS_PER_VPN} tunnels (this one lists "
                f"{len(vpn.tunnels)}): remove the extra ones.",
            )
        )
    for index, tunnel in enumerate(vpn.tunnels):
        findings += check_tunnel(
            tunnel, indexed(tunnels_path, index), platform=platform, ike_version=vpn.ike_version
        )
    if len(vpn.tunnels) < limits.MAX_TUNNELS_PER_VPN and vpn.ike_version in (None, *IkeVersion):
        # A tunnel the client left out gets Thredd's defaults: the device must take them too.
        findings += [
            replace(finding, field=join_path(field, "ike_version"))
            for finding in check_algorithms(
                Tunnel(), field, platform=platform, ike_version=vpn.ike_version
            )
        ]
    return findings
