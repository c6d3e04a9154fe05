"""Rules about a site: its name, subnets, routing, BGP and how its VPNs split the services."""

from collections.abc import Callable, Collection, Sequence
from ipaddress import IPv4Network

from django.core.exceptions import ValidationError

from connectivity import constants as limits
from connectivity.choices import (
    ConnectionType,
    Environment,
    Routing,
    Service,
    SubnetPurpose,
)
from connectivity.document import (
    VALUE_INVALID,
    Bgp,
    Site,
    join_path,
)
from connectivity.findings import Finding, error, warning
from connectivity.validators import (
    parse_ipv4_network,
    validate_site_name,
)

from .base import check_choice, from_validation_error, indexed


def check_site_name(value: str | None, field: str) -> list[Finding]:
    """Check a site name is present, short and uses only characters safe in a configuration."""
    try:
        validate_site_name(value or "")
    except ValidationError as exc:
        return [from_validation_error(exc, field)]
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
                    join_path(indexed(field, index), "name"),
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
        return [from_validation_error(exc, field)]
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
    for special, what in limits.NEVER_CLIENT_NETWORKS:
        if network.overlaps(special):
            return [
                error(
                    "subnet_reserved",
                    field,
                    f"{network} overlaps {special}, which is {what}: it can never be a client's "
                    "network. Enter the private range your systems use, such as 10.20.30.0/24.",
                )
            ]
    if not any(network.subnet_of(private) for private in limits.PRIVATE_NETWORKS):
        # Not refused: a client may own public space. Said, so nobody types a typo through.
        return [
            warning(
                "subnet_not_private",
                field,
                f"{network} is not private address space (10/8, 172.16/12, 192.168/16): check "
                "your organisation owns it and routes it to this site.",
            ),
            *_size_warnings(network, field, example),
        ]
    return _size_warnings(network, field, example)


def _size_warnings(network: IPv4Network, field: str, example: IPv4Network) -> list[Finding]:
    """Say Thredd recommends /24 when the size is allowed but another."""
    if network.prefixlen != limits.RECOMMENDED_PREFIX:
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
    return check_choice(
        value, field, choices=SubnetPurpose, code="subnet_purpose_invalid", noun="subnet purpose"
    )


def check_subnet_overlap(
    subnets: Sequence[tuple[str, str | None]], *, name_of: Callable[[str], str] = str
) -> list[Finding]:
    """Refuse subnets of one request that overlap, given (field, cidr) pairs across all sites.

    `name_of` names the earlier subnet's field in the message, such as "subnet 1 at London
    DC1" (`places.place_name`).

    Values that do not parse are left to `check_subnet`; each subnet that overlaps an earlier
    one (in document order) is reported once, naming the earliest. CIDR networks are nested
    or apart, so they form a forest: one pass in address order, with a stack of the networks
    holding the current one, finds every overlap in O(n log n) however many subnets.
    """
    parsed = []
    for index, (field, cidr) in enumerate(subnets):
        try:
            parsed.append(_Node(index, field, parse_ipv4_network(cidr)))
        except ValidationError:
            continue
    parsed.sort(key=lambda node: (int(node.network.network_address), node.network.prefixlen))
    findings: dict[int, Finding] = {}
    stack: list[_Node] = []
    for node in parsed:
        while stack and not node.network.subnet_of(stack[-1].network):
            _close(stack.pop(), stack, findings, name_of)
        if stack:
            node.earliest_around = _earliest(stack[-1].earliest_around, stack[-1])
        stack.append(node)
    while stack:
        _close(stack.pop(), stack, findings, name_of)
    return [findings[index] for index in sorted(findings)]


class _Node:
    """A subnet in the overlap pass: where it is, and the earliest subnets around it."""

    __slots__ = ("earliest_around", "earliest_inside", "field", "index", "network")

    def __init__(self, index: int, field: str, network: IPv4Network) -> None:
        self.index, self.field, self.network = index, field, network
        self.earliest_around: _Node | None = None  # among the networks holding this one
        self.earliest_inside: _Node | None = None  # among the networks this one holds


def _earliest(*nodes: "_Node | None") -> "_Node | None":
    present = [node for node in nodes if node is not None]
    return min(present, key=lambda node: node.index) if present else None


def _close(
    node: _Node, stack: list[_Node], findings: dict[int, Finding], name_of: Callable[[str], str]
) -> None:
    """Report `node` if an earlier subnet holds it or lies in it; pass its subtree up."""
    earlier = _earliest(node.earliest_around, node.earliest_inside)
    if earlier is not None and earlier.index < node.index:
        findings[node.index] = error(
            "subnet_overlap",
            node.field,
            f"{node.network} overlaps {earlier.network} ({name_of(earlier.field)}): each subnet "
            "of a request must be separate. Remove one or choose another range.",
        )
    if stack:
        stack[-1].earliest_inside = _earliest(stack[-1].earliest_inside, node, node.earliest_inside)


def check_routing(site: Site, field: str, *, connection_type: str | None) -> list[Finding]:
    """Check the routing is static or BGP, and static on Transit Gateway attachments."""
    path = join_path(field, "routing")
    findings = check_choice(
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
