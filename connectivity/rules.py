"""Judge one request against Thredd's rules and AWS's tunnel rules, without the database.

Each checker takes raw values as the client sent them (strings stay strings) and the field
path to report at, and returns findings (REFERENCE §2). Forms call the small checkers one
field at a time; `validate_document` runs them all over a request document. Rules that read
other rows (`subnet_reserved`, `subnet_unavailable`) live in `availability.py`.
"""

from collections.abc import Collection, Iterable, Sequence
from ipaddress import AddressValueError, IPv4Address, IPv4Network
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from connectivity import constants as limits
from connectivity.choices import (
    ConnectionType,
    ContactRole,
    Environment,
    IkeVersion,
    Routing,
    Service,
    SubnetPurpose,
)
from connectivity.configgen.catalogue import Platform, find_platform, platforms, vendors
from connectivity.document import (
    VALUE_INVALID,
    Bgp,
    Contact,
    Device,
    Mtls,
    RequestDocument,
    Site,
    Tgw,
    Tunnel,
    Vpn,
    join_path,
    parse_document,
)
from connectivity.findings import Finding, error, warning
from connectivity.validators import (
    parse_ipv4_network,
    validate_device_software,
    validate_site_name,
)


def _listing(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)


def _index(path: str, index: int) -> str:
    return f"{path}[{index}]"


def _check_choice(
    value: str | None, field: str, *, choices: type, code: str, noun: str
) -> list[Finding]:
    """Refuse a value that is not one of `choices`, naming the values allowed."""
    if value in choices.values:
        return []
    allowed = _listing(choices.values)
    if value is None or value == "":
        return [error(code, field, f"Choose the {noun}: one of {allowed}.")]
    return [
        error(code, field, f"{value!r} is not a {noun} Thredd offers: choose one of {allowed}.")
    ]


def _from_validation_error(exc: ValidationError, field: str) -> Finding:
    return error(str(exc.code), field, exc.messages[0])


# --- Request level ----------------------------------------------------------------------------


def check_environment(value: str | None, field: str = "environment") -> list[Finding]:
    """Check the environment is UAT or production."""
    return _check_choice(
        value, field, choices=Environment, code="environment_invalid", noun="environment"
    )


def check_connection_type(value: str | None, field: str = "connection_type") -> list[Finding]:
    """Check the connection type is one of the three Thredd offers."""
    return _check_choice(
        value, field, choices=ConnectionType, code="connection_type_invalid", noun="connection type"
    )


def check_services(values: Sequence[str], field: str, *, noun: str = "request") -> list[Finding]:
    """Check a list of services names only Thredd's services, and at least one of them."""
    if not values:
        return [
            error(
                VALUE_INVALID,
                field,
                f"Choose at least one service for this {noun}: {_listing(Service.values)}.",
            )
        ]
    return [
        finding
        for index, value in enumerate(values)
        for finding in _check_choice(
            value, _index(field, index), choices=Service, code=VALUE_INVALID, noun="service"
        )
    ]


def check_contacts(contacts: Sequence[Contact], field: str = "contacts") -> list[Finding]:
    """Check each contact's email and role, and that a technical contact can be emailed."""
    findings: list[Finding] = []
    reachable_technical = False
    for index, contact in enumerate(contacts):
        path = _index(field, index)
        email_findings = _check_email(contact.email, join_path(path, "email"))
        findings += email_findings
        findings += _check_choice(
            contact.role,
            join_path(path, "role"),
            choices=ContactRole,
            code=VALUE_INVALID,
            noun="contact role",
        )
        if contact.role == ContactRole.TECHNICAL and contact.email and not email_findings:
            reachable_technical = True
    if not reachable_technical:
        findings.append(
            error(
                "contact_required",
                field,
                "Add a technical contact with an email address: Thredd's engineers write to "
                "them about this connection.",
            )
        )
    return findings


def _check_email(value: str | None, field: str) -> list[Finding]:
    if value is None or value == "":
        return []
    try:
        EmailValidator()(value)
    except ValidationError:
        return [
            error(
                "contact_email_invalid",
                field,
                "Enter an email address such as ada@example.com; this one cannot receive mail.",
            )
        ]
    return []


# --- Sites ------------------------------------------------------------------------------------


def check_site_name(value: str | None, field: str) -> list[Finding]:
    """Check a site name is present, short and uses only characters safe in a configuration."""
    try:
        validate_site_name(value or "")
    except ValidationError as exc:
        return [_from_validation_error(exc, field)]
    return []


def check_site_names_unique(sites: Sequence[Site], field: str = "sites") -> list[Finding]:
    """Refuse two sites of one request with the same name, ignoring case."""
    findings = []
    first_seen: dict[str, int] = {}
    for index, site in enumerate(sites):
        if not site.name:
            continue
        key = site.name.strip().casefold()
        if key in first_seen:
            findings.append(
                error(
                    "site_name_duplicate",
                    join_path(_index(field, index), "name"),
                    f"Site {first_seen[key] + 1} is already called {site.name!r}: "
                    "give each site its own name.",
                )
            )
        else:
            first_seen[key] = index
    return findings


def check_subnet(cidr: str | None, field: str) -> list[Finding]:
    """Check one client subnet against Thredd's size rules (seed; REFERENCE §1, §2)."""
    try:
        network = parse_ipv4_network(cidr)
    except ValidationError as exc:
        return [_from_validation_error(exc, field)]
    prefix = network.prefixlen
    example = IPv4Network((network.network_address, limits.RECOMMENDED_PREFIX), strict=False)
    if prefix == limits.FORBIDDEN_PREFIX:
        return [
            error(
                "subnet_too_large",
                field,
                f"/{prefix} is not permitted by Thredd: enter a subnet no larger than "
                f"/{limits.MAX_PREFIX}, such as {example}.",
            )
        ]
    if prefix < limits.MAX_PREFIX:
        return [
            error(
                "subnet_too_large",
                field,
                f"{network} is too large: the maximum is /{limits.MAX_PREFIX}. Enter a subnet "
                f"no larger than /{limits.MAX_PREFIX}, such as {example}.",
            )
        ]
    if prefix == limits.SINGLE_HOST_PREFIX:
        return [
            error(
                "subnet_single_host",
                field,
                f"{network} is a single address, but an EHI endpoint must be a subnet: enter the "
                f"subnet it sits in, such as {example}.",
            )
        ]
    if prefix != limits.RECOMMENDED_PREFIX:
        return [
            warning(
                "subnet_not_recommended",
                field,
                f"Thredd recommends /{limits.RECOMMENDED_PREFIX}: {network} is allowed, but "
                f"consider {example}.",
            )
        ]
    return []


def check_subnet_purpose(value: str | None, field: str) -> list[Finding]:
    """Check a subnet says which service it is for."""
    return _check_choice(
        value, field, choices=SubnetPurpose, code="subnet_purpose_invalid", noun="subnet purpose"
    )


def check_subnet_overlap(subnets: Sequence[tuple[str, str | None]]) -> list[Finding]:
    """Refuse subnets of one request that overlap, given (field, cidr) pairs across all sites.

    Values that do not parse are left to `check_subnet`; each overlap is reported once, on the
    later subnet, naming the earlier one.
    """
    findings = []
    seen: list[tuple[str, IPv4Network]] = []
    for field, cidr in subnets:
        try:
            network = parse_ipv4_network(cidr)
        except ValidationError:
            continue
        for earlier_field, earlier in seen:
            if network.overlaps(earlier):
                findings.append(
                    error(
                        "subnet_overlap",
                        field,
                        f"{network} overlaps {earlier} ({earlier_field}): each subnet of a "
                        "request must be separate. Remove one or choose another range.",
                    )
                )
                break
        seen.append((field, network))
    return findings


def check_routing(site: Site, field: str, *, connection_type: str | None) -> list[Finding]:
    """Check the routing is static or BGP, and static on Transit Gateway attachments."""
    path = join_path(field, "routing")
    findings = _check_choice(
        site.routing, path, choices=Routing, code="routing_invalid", noun="routing"
    )
    if site.routing == Routing.BGP and connection_type == ConnectionType.AWS_TGW:
        findings.append(
            error(
                "bgp_not_allowed_for_tgw",
                path,
                "Thredd supports only static routing on Transit Gateway attachments: "
                "choose static routing.",
            )
        )
    if site.bgp is not None and site.routing != Routing.BGP:
        findings.append(
            error(
                VALUE_INVALID,
                join_path(field, "bgp"),
                "BGP details are given but routing is not BGP: remove them or choose BGP.",
            )
        )
    return findings


def check_bgp(site: Site, field: str, thredd_asn: int) -> list[Finding]:
    """Check the BGP details of a site that asks for BGP (by exception, VPN only)."""
    if site.routing != Routing.BGP:
        return []
    bgp = site.bgp or Bgp()
    path = join_path(field, "bgp")
    findings = [
        warning(
            "bgp_needs_approval",
            join_path(field, "routing"),
            "Thredd uses static routing and agrees to BGP only by exception: Thredd's engineers "
            "will review your reason before approving.",
        )
    ]
    findings += check_bgp_asn(bgp.asn, join_path(path, "asn"), thredd_asn=thredd_asn)
    if not (bgp.justification or "").strip():
        findings.append(
            error(
                "bgp_justification_required",
                join_path(path, "justification"),
                "Explain why static routing will not do for this site: Thredd agrees to BGP "
                "only with a reason.",
            )
        )
    return findings


def check_bgp_asn(asn: int | None, field: str, *, thredd_asn: int) -> list[Finding]:
    """Check the client's BGP ASN is a usable 4-byte ASN other than Thredd's own."""
    if asn is None:
        return [error("bgp_asn_required", field, "Enter your BGP ASN, such as 65010.")]
    if not limits.BGP_ASN_MIN <= asn <= limits.BGP_ASN_MAX:
        reason = f"{asn} is outside {limits.BGP_ASN_MIN} to {limits.BGP_ASN_MAX}"
    elif asn == limits.AS_TRANS:
        reason = f"{asn} is AS_TRANS, which stands in for 4-byte ASNs and cannot be a peer"
    elif asn == thredd_asn:
        reason = f"{asn} is Thredd's own ASN"
    else:
        return []
    return [
        error(
            "bgp_asn_invalid",
            field,
            f"{reason}: enter your own ASN, such as a private one from 64512 to 65534.",
        )
    ]


def check_vpn_split(
    carriers: Sequence[Sequence[str]],
    field: str,
    *,
    environment: str | None,
    requested: Collection[str],
    noun: str = "VPN",
) -> list[Finding]:
    """Check how many VPNs (or attachments) a site has and which services each carries.

    `carriers` holds the services of each VPN or attachment of one site; `field` is the path
    of their list. Production needs exactly two, split as the seed says; UAT one or two.
    Every requested service must be carried by one of them.
    """
    production = environment == Environment.PRODUCTION
    split = ", the other ".join(
        " and ".join(Service(service).label for service in Service.values if service in part)
        for part in limits.PRODUCTION_SPLIT
    )
    count = len(carriers)
    if production and count != limits.PRODUCTION_CARRIERS_PER_SITE:
        return [
            error(
                "vpn_count_invalid",
                field,
                f"A production site needs exactly {limits.PRODUCTION_CARRIERS_PER_SITE} {noun}s "
                f"(it has {count}): one carrying {split}.",
            )
        ]
    if not limits.MIN_CARRIERS_PER_SITE <= count <= limits.MAX_CARRIERS_PER_SITE:
        return [
            error(
                "vpn_count_invalid",
                field,
                f"A site needs {limits.MIN_CARRIERS_PER_SITE} or {limits.MAX_CARRIERS_PER_SITE} "
                f"{noun}s (it has {count}).",
            )
        ]
    carried = [frozenset(services) for services in carriers]
    if production and set(carried) != set(limits.PRODUCTION_SPLIT):
        return [
            error(
                "production_split_required",
                field,
                f"Split this production site's two {noun}s by service: one carrying {split}.",
            )
        ]
    everything_carried = frozenset().union(*carried)
    return [
        error(
            "services_missing",
            field,
            f"No {noun} of this site carries {Service(service).label}: add it to a {noun}'s "
            "services, or remove it from the request.",
        )
        for service in Service.values
        if service in requested and service not in everything_carried
    ]


# --- VPNs and tunnels -------------------------------------------------------------------------


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
    vendor_keys = [key for key, _label in vendors()]
    if device.vendor not in vendor_keys:
        return [
            error(
                "device_unsupported",
                join_path(field, "vendor"),
                f"Thredd has no template for vendor {device.vendor!r}: choose one of "
                f"{_listing(vendor_keys)}, or generic if yours is not listed.",
            )
        ]
    if find_platform(device.vendor, device.platform or "") is None:
        offered = _listing(platform.key for platform in platforms(device.vendor))
        return [
            error(
                "device_unsupported",
                join_path(field, "platform"),
                f"Thredd has no {device.vendor} template for platform {device.platform!r}: "
                f"choose one of {offered}.",
            )
        ]
    if device.software is None:
        return []
    try:
        validate_device_software(device.software)
    except ValidationError as exc:
        return [_from_validation_error(exc, join_path(field, "software"))]
    return []


def check_ike_version(value: int | None, field: str, *, platform: Platform | None) -> list[Finding]:
    """Check the IKE version is 1 or 2 (left out: IKEv2) and that the platform supports it."""
    if value is None:
        return []
    if value not in IkeVersion.values:
        return [error("ike_version_invalid", field, "Choose IKE version 2, or 1 if you must.")]
    if value == IkeVersion.IKEV1 and platform is not None and not platform.supports_ikev1:
        return [
            error(
                "ike_version_invalid",
                field,
                f"{platform.vendor_label} {platform.label} is offered with IKEv2 only: "
                "choose IKE version 2.",
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


def check_inside_cidrs_unique(inside_cidrs: Sequence[tuple[str, str | None]]) -> list[Finding]:
    """Refuse two tunnels with one inside CIDR, given (field, inside_cidr) pairs."""
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
                    f"{network} is already the inside CIDR of {first_seen[network]}: each tunnel "
                    "needs its own.",
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


def check_algorithms(tunnel: Tunnel, field: str) -> list[Finding]:
    """Check a tunnel's algorithm overrides are among those AWS accepts."""
    findings = []
    for phase in (1, 2):
        dh_groups = limits.PHASE1_DH_GROUPS if phase == 1 else limits.PHASE2_DH_GROUPS
        for name, allowed, code in (
            ("encryption", limits.ENCRYPTION_ALGORITHMS, "algorithm_invalid"),
            ("integrity", limits.INTEGRITY_ALGORITHMS, "algorithm_invalid"),
            ("dh_groups", sorted(dh_groups), "dh_group_invalid"),
        ):
            key = f"phase{phase}_{name}"
            values = getattr(tunnel, key)
            path = join_path(field, key)
            advice = f"choose from {_listing(allowed)}, or leave it out for Thredd's defaults"
            if values == ():
                findings.append(error(code, path, f"The list is empty: {advice}."))
            for index, value in enumerate(values or ()):
                if value not in allowed:
                    findings.append(
                        error(
                            code,
                            _index(path, index),
                            f"AWS does not accept {value!r} in phase {phase}: {advice}.",
                        )
                    )
    return findings


def check_tunnel(tunnel: Tunnel, field: str) -> list[Finding]:
    """Check every value a client set on one tunnel."""
    return [
        *check_inside_cidr(tunnel.inside_cidr, join_path(field, "inside_cidr")),
        *check_psk(tunnel.psk, join_path(field, "psk")),
        *check_algorithms(tunnel, field),
        *check_lifetimes(tunnel.phase1_lifetime, tunnel.phase2_lifetime, field),
    ]


def check_vpn(vpn: Vpn, field: str, *, routing: str | None) -> list[Finding]:
    """Check one VPN: its services, peer, device, IKE version and tunnels."""
    device = vpn.device or Device()
    platform = find_platform(device.vendor or "", device.platform or "")
    findings = [
        *check_services(vpn.services, join_path(field, "services"), noun="VPN"),
        *check_peer_ip(vpn.peer_ip, join_path(field, "peer_ip")),
        *check_device(vpn.device, join_path(field, "device")),
        *check_ike_version(vpn.ike_version, join_path(field, "ike_version"), platform=platform),
    ]
    if routing == Routing.BGP and platform is not None and not platform.supports_bgp:
        findings.append(
            error(
                "routing_invalid",
                join_path(field, "device.platform"),
                f"{platform.vendor_label} {platform.label} cannot run BGP over the tunnel: "
                "choose static routing or a route-based platform.",
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
        findings += check_tunnel(tunnel, _index(tunnels_path, index))
    return findings


# --- Transit Gateway --------------------------------------------------------------------------


def check_tgw(tgw: Tgw | None, field: str) -> list[Finding]:
    """Check the Transit Gateway ID, AWS account ID and region of a TGW site."""
    tgw = tgw or Tgw()
    findings = []
    tgw_id_path = join_path(field, "tgw_id")
    if not tgw.tgw_id:
        findings.append(
            error(
                "tgw_id_required",
                tgw_id_path,
                f"Enter your Transit Gateway ID, such as {limits.EXAMPLE_TGW_ID}.",
            )
        )
    elif not limits.TGW_ID_PATTERN.fullmatch(tgw.tgw_id):
        findings.append(
            error(
                "tgw_id_invalid",
                tgw_id_path,
                "A Transit Gateway ID is tgw- followed by 17 (or, on older gateways, 8) "
                f"lowercase hexadecimal digits, such as {limits.EXAMPLE_TGW_ID}.",
            )
        )
    if not limits.AWS_ACCOUNT_ID_PATTERN.fullmatch(tgw.aws_account_id or ""):
        findings.append(
            error(
                "aws_account_id_invalid",
                join_path(field, "aws_account_id"),
                "Enter the 12-digit ID of the AWS account that owns the Transit Gateway, "
                "including any leading zeros, such as 012345678901.",
            )
        )
    if tgw.region not in limits.AWS_REGIONS:
        findings.append(
            error(
                "aws_region_invalid",
                join_path(field, "region"),
                "Enter the code of the AWS region the Transit Gateway is in, such as eu-west-2.",
            )
        )
    return findings


# --- mTLS -------------------------------------------------------------------------------------


def check_csr(pem: str | None, field: str) -> list[Finding]:
    """Check a certificate signing request is a signed PEM PKCS#10 with a strong key."""
    advice = (
        "Paste the certificate signing request in PEM form, from "
        "-----BEGIN CERTIFICATE REQUEST----- to -----END CERTIFICATE REQUEST-----"
    )
    if not pem or not pem.isascii():
        return [error("csr_invalid", field, f"{advice}.")]
    try:
        csr = x509.load_pem_x509_csr(pem.encode("ascii"))
        key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return [error("csr_invalid", field, f"This is not a readable request. {advice}.")]
    # A weak hash is reported before the signature is verified: cryptography declines to
    # verify SHA-1 and MD5 signatures at all, and the client's fix is the same either way.
    hash_name = _signature_hash_name(csr)
    if hash_name in limits.CSR_WEAK_SIGNATURE_HASHES:
        findings = [
            error(
                "csr_signature_weak",
                field,
                f"The request is signed with {hash_name.upper()}, which is broken: sign it with "
                "SHA-256 or stronger.",
            )
        ]
    elif not csr.is_signature_valid:
        return [
            error(
                "csr_invalid",
                field,
                "The request's signature does not match its contents: it was changed after "
                "signing. Generate it again and paste it unchanged.",
            )
        ]
    else:
        findings = []
    if isinstance(key, rsa.RSAPublicKey):
        weak = key.key_size < limits.CSR_MIN_RSA_BITS
        key_text = f"an RSA key of {key.key_size} bits"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        weak = key.curve.name not in limits.CSR_EC_CURVES
        key_text = f"an EC key on {key.curve.name}"
    else:
        weak = True
        key_text = f"a {type(key).__name__.removeprefix('_')} key"
    if weak:
        findings.insert(
            0,
            error(
                "csr_key_too_weak",
                field,
                f"The request has {key_text}: generate it with an RSA key of at least "
                f"{limits.CSR_MIN_RSA_BITS} bits or an EC key on P-256 or P-384.",
            ),
        )
    return findings


def _signature_hash_name(csr: x509.CertificateSigningRequest) -> str | None:
    try:
        algorithm = csr.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    return None if algorithm is None else algorithm.name


def check_endpoint_url(url: str | None, field: str) -> list[Finding]:
    """Check the EHI endpoint is an https://host[:port]/path URL and nothing more."""
    invalid = [
        error(
            "endpoint_url_invalid",
            field,
            "Enter the address where Thredd will call your EHI host as "
            f"https://host[:port]/path, such as {limits.EXAMPLE_ENDPOINT_URL}, without a user "
            "name, query or fragment.",
        )
    ]
    if not url:
        return invalid
    try:
        URLValidator(schemes=[limits.ENDPOINT_URL_SCHEME])(url)
        parts = urlsplit(url)
        _port = parts.port  # raises ValueError when out of range
    except (ValidationError, ValueError):
        return invalid
    if (
        parts.scheme != limits.ENDPOINT_URL_SCHEME
        or not parts.hostname
        or "@" in parts.netloc
        or not parts.path.startswith("/")
        or parts.query
        or parts.fragment
        or url.endswith(("?", "#"))
    ):
        return invalid
    return []


def check_mtls(mtls: Mtls | None, field: str, *, services: Collection[str]) -> list[Finding]:
    """Check the mTLS details: a CSR always, an EHI endpoint when EHI is requested."""
    mtls = mtls or Mtls()
    findings = check_csr(mtls.csr_pem, join_path(field, "csr_pem"))
    endpoint_needed = any(service in services for service in limits.ENDPOINT_URL_REQUIRED_FOR)
    if mtls.ehi_endpoint_url is not None or endpoint_needed:
        findings += check_endpoint_url(mtls.ehi_endpoint_url, join_path(field, "ehi_endpoint_url"))
    return findings


# --- The whole request ------------------------------------------------------------------------


def check_site(
    site: Site,
    field: str,
    *,
    environment: str | None,
    connection_type: str | None,
    services: Collection[str],
    thredd_asn: int,
) -> list[Finding]:
    """Check one site of a VPN or TGW request, except what depends on its sibling sites."""
    findings = [
        *check_site_name(site.name, join_path(field, "name")),
        *check_routing(site, field, connection_type=connection_type),
    ]
    subnets_path = join_path(field, "subnets")
    if len(site.subnets) < limits.MIN_SUBNETS_PER_SITE:
        findings.append(
            error(
                VALUE_INVALID,
                subnets_path,
                f"Add the subnets of this site that reach Thredd, such as {limits.EXAMPLE_SUBNET}.",
            )
        )
    for index, subnet in enumerate(site.subnets):
        path = _index(subnets_path, index)
        findings += check_subnet(subnet.cidr, join_path(path, "cidr"))
        findings += check_subnet_purpose(subnet.purpose, join_path(path, "purpose"))
    if connection_type == ConnectionType.IPSEC_VPN:
        findings += check_bgp(site, field, thredd_asn)
        findings += _check_absent(
            site.attachments, join_path(field, "attachments"), "Transit Gateway"
        )
        findings += _check_absent(site.tgw, join_path(field, "tgw"), "Transit Gateway")
        vpns_path = join_path(field, "vpns")
        for index, vpn in enumerate(site.vpns):
            findings += check_vpn(vpn, _index(vpns_path, index), routing=site.routing)
        carriers, carriers_path, noun = site.vpns, vpns_path, "VPN"
    elif connection_type == ConnectionType.AWS_TGW:
        findings += _check_absent(site.vpns, join_path(field, "vpns"), "IPsec VPN")
        findings += check_tgw(site.tgw, join_path(field, "tgw"))
        attachments_path = join_path(field, "attachments")
        for index, attachment in enumerate(site.attachments):
            findings += check_services(
                attachment.services,
                join_path(_index(attachments_path, index), "services"),
                noun="attachment",
            )
        carriers, carriers_path, noun = site.attachments, attachments_path, "attachment"
    else:
        return findings
    findings += check_vpn_split(
        [carrier.services for carrier in carriers],
        carriers_path,
        environment=environment,
        requested=services,
        noun=noun,
    )
    return findings


def _check_absent(value: object, field: str, used_for: str) -> list[Finding]:
    """Refuse details that belong to another connection type."""
    if not value:
        return []
    return [error(VALUE_INVALID, field, f"Remove this: it is only for {used_for} requests.")]


def validate_document(
    doc: RequestDocument, *, thredd_asn: int = limits.DEFAULT_THREDD_BGP_ASN
) -> list[Finding]:
    """Return every finding of the rules that need no other database rows about `doc`."""
    findings = [
        *check_environment(doc.environment),
        *check_connection_type(doc.connection_type),
        *check_services(doc.services, "services"),
        *check_contacts(doc.contacts),
    ]
    if doc.connection_type == ConnectionType.MTLS:
        findings += _check_absent(doc.sites, "sites", "VPN and Transit Gateway")
        findings += check_mtls(doc.mtls, "mtls", services=doc.services)
        return findings
    findings += _check_absent(doc.mtls, "mtls", "mutual TLS")
    if doc.connection_type in (ConnectionType.IPSEC_VPN, ConnectionType.AWS_TGW) and not doc.sites:
        findings.append(
            error(
                "site_required",
                "sites",
                "Add a site: each VPN or Transit Gateway request describes at least one.",
            )
        )
    for index, site in enumerate(doc.sites):
        findings += check_site(
            site,
            _index("sites", index),
            environment=doc.environment,
            connection_type=doc.connection_type,
            services=doc.services,
            thredd_asn=thredd_asn,
        )
    findings += check_site_names_unique(doc.sites)
    findings += check_subnet_overlap(
        [
            (f"sites[{site_index}].subnets[{index}].cidr", subnet.cidr)
            for site_index, site in enumerate(doc.sites)
            for index, subnet in enumerate(site.subnets)
        ]
    )
    findings += check_inside_cidrs_unique(
        [
            (
                f"sites[{site_index}].vpns[{vpn_index}].tunnels[{index}].inside_cidr",
                tunnel.inside_cidr,
            )
            for site_index, site in enumerate(doc.sites)
            for vpn_index, vpn in enumerate(site.vpns)
            for index, tunnel in enumerate(vpn.tunnels)
        ]
    )
    return findings


def validate_data(
    data: object, *, thredd_asn: int = limits.DEFAULT_THREDD_BGP_ASN
) -> list[Finding]:
    """Parse decoded JSON as a request document and return the findings of parsing and rules."""
    doc, findings = parse_document(data)
    if doc is not None:
        findings += validate_document(doc, thredd_asn=thredd_asn)
    return findings
