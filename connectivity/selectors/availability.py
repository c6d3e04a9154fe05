"""Rules that read other rows: Thredd's reserved ranges and other organisations' allocations.

`rules` judges one request on its own; this module adds what only the database knows.
Clients are told a subnet is not available, never whose it is (REFERENCE §2
`subnet_unavailable`). The approve service re-checks under lock, and the exclusion
constraints on `Allocation` are the final judge.
"""

import operator
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from ipaddress import IPv4Network

from django.db import connection
from django.db.models import Q

from connectivity import constants as limits
from connectivity.choices import Service
from connectivity.findings import Finding, error
from connectivity.models import (
    Allocation,
    ConnectivityRequest,
    ReservedRange,
    ServiceRange,
    Subnet,
)


@dataclass(frozen=True, slots=True)
class ThreddRange:
    """A range of Thredd's own in an environment: reserved, a service's, or an AWS address."""

    network: IPv4Network
    description: str


# Thredd's reserved and service ranges of an environment that overlap the networks asked.
_THREDD_RANGES_SQL = """
    SELECT 'thredd', r.network::text, r.description, '', ''
      FROM connectivity_reservedrange r
      JOIN connectivity_threddsettings s ON s.id = r.settings_id
     WHERE s.environment = %s AND r.network && ANY(%s::cidr[])
    UNION ALL
    SELECT 'thredd', r.network::text, '', r.service, ''
      FROM connectivity_servicerange r
      JOIN connectivity_threddsettings s ON s.id = r.settings_id
     WHERE s.environment = %s AND r.network && ANY(%s::cidr[])
"""
# AWS's outside addresses of Thredd's tunnels inside the networks asked about.
_AWS_ADDRESSES_SQL = """
    SELECT 'aws', host(t.thredd_outside_ip), '', '', ''
      FROM connectivity_tunnel t
      JOIN connectivity_vpn v ON v.id = t.vpn_id
      JOIN connectivity_site s ON s.id = v.site_id
      JOIN connectivity_connectivityrequest q ON q.id = s.request_id
     WHERE q.environment = %s AND ({overlaps})
"""
# For each network asked: is any of it held by another organisation (EXISTS stops at the
# first such allocation, however many there are), and which of the organisation's own
# connections hold some of it. Each `&&` is what the exclusion constraints' GiST index of
# the environment answers (one index per environment, so the environment stays a literal).
_HOLDERS_SQL = """
    SELECT 'taken', n.network::text, '', '', ''
      FROM unnest(%s::cidr[]) AS n(network)
     WHERE EXISTS (
           SELECT 1 FROM connectivity_allocation a
            WHERE a.environment = %s AND a.network && n.network
              AND a.organisation_id IS DISTINCT FROM %s AND NOT (a.request_id = ANY(%s)))
    UNION ALL
    SELECT 'own', n.network::text, '', '',
           (SELECT q.reference FROM connectivity_connectivityrequest q WHERE q.id = a.request_id)
      FROM unnest(%s::cidr[]) AS n(network)
      JOIN connectivity_allocation a ON a.environment = %s AND a.network && n.network
     WHERE a.organisation_id = %s AND NOT (a.request_id = ANY(%s))
"""


@dataclass(frozen=True)
class _Holders:
    """Who holds the networks asked about: another organisation, or the asker's own
    connections (their references)."""

    taken: frozenset[IPv4Network] = frozenset()
    own: dict[IPv4Network, set[str]] = field(default_factory=dict)


def _ranges_and_holders(
    environment: str,
    networks: list[IPv4Network],
    *,
    holders: bool,
    organisation_id: int | None = None,
    kept: Iterable[int] = (),
) -> tuple[list[ThreddRange], _Holders]:
    """Return Thredd's own ranges of `environment` overlapping any of `networks` (no client
    subnet may overlap one) and, with `holders`, who holds each of `networks` (not counting
    `kept`'s requests), in one round trip to PostgreSQL.

    Thredd's ranges are its reserved and service ranges, and AWS's outside addresses of its
    tunnels inside any of `networks`, asked only for networks that are not private (AWS's
    addresses are public, so a private subnet never holds one). Another organisation is
    anyone but `organisation_id` (everyone, for None). Written as SQL, not through the ORM:
    this is the check every site page, submission and review runs, and building the
    statement cost three times what PostgreSQL takes to answer it.
    """
    asked = [str(network) for network in networks]
    parts, params = [_THREDD_RANGES_SQL], [environment, asked, environment, asked]
    public = [n for n in networks if not any(n.subnet_of(p) for p in limits.PRIVATE_NETWORKS)]
    if public:
        overlaps = " OR ".join(["t.thredd_outside_ip <<= %s::inet"] * len(public))
        parts.append(_AWS_ADDRESSES_SQL.format(overlaps=overlaps))
        params += [environment, *map(str, public)]
    if holders and networks:
        kept = sorted(kept)
        parts.append(_HOLDERS_SQL)
        params += [asked, environment, organisation_id, kept]
        params += [asked, environment, organisation_id, kept]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    ranges = sorted(
        (
            ThreddRange(
                IPv4Network(network),
                "a Thredd tunnel address in AWS"
                if kind == "aws"
                else description or f"Thredd's {Service(service).label} range",
            )
            for kind, network, description, service, _ in rows
            if kind in ("thredd", "aws")
        ),
        key=lambda item: item.network,
    )
    own = defaultdict(set)
    for kind, network, _, _, reference in rows:
        if kind == "own":
            own[IPv4Network(network)].add(reference)
    taken = frozenset(IPv4Network(network) for kind, network, *_ in rows if kind == "taken")
    return ranges, _Holders(taken=taken, own=dict(own))


def _thredd_ranges(environment: str, networks: Iterable[IPv4Network]) -> list[ThreddRange]:
    """Return Thredd's own ranges of `environment` overlapping any of `networks`."""
    return _ranges_and_holders(environment, list(networks), holders=False)[0]


def _overlapping(*, environment: str, networks: Iterable[IPv4Network]):
    """Return the allocations of `environment` overlapping any of `networks`, anyone's.

    Each `&&` is what the exclusion constraints' GiST indexes answer; PostgreSQL ORs the
    index scans, so one query serves a whole request.
    """
    overlaps = [Q(network__net_overlaps=network) for network in networks]
    if not overlaps:
        return Allocation.objects.none()
    return Allocation.objects.filter(environment=environment).filter(reduce(operator.or_, overlaps))


def _kept(request: ConnectivityRequest | None) -> set[int]:
    """Return the requests whose allocations `request` may overlap: itself, and the revision
    it amends (whose subnets it takes over on approval)."""
    if request is None:
        return set()
    return {pk for pk in (request.pk, request.amends_id) if pk is not None}


def availability_findings(
    subnets: Iterable[tuple[str, IPv4Network]],
    *,
    environment: str,
    organisation_id: int | None,
    request: ConnectivityRequest | None = None,
) -> list[Finding]:
    """Return subnet_reserved / subnet_unavailable findings for (field, network) pairs.

    One query whatever the number of subnets (`_ranges_and_holders`). Another
    organisation's range is "not available", never whose; the organisation's own range in
    another of its connections is named, since it is theirs to know. `request` is the
    request judged: its own and its amended revision's allocations do not count. This is
    the availability check `make bench` times.
    """
    subnets = list(subnets)
    if not subnets:
        return []
    thredd, holders = _ranges_and_holders(
        environment,
        [network for _, network in subnets],
        holders=True,
        organisation_id=organisation_id,
        kept=_kept(request),
    )
    findings = []
    for field_path, network in subnets:
        findings += _conflict_findings(
            field_path,
            network,
            thredd=[item for item in thredd if item.network.overlaps(network)],
            taken=network in holders.taken,
            own=sorted(holders.own.get(network, ())),
        )
    return findings


def _conflict_findings(
    field: str,
    network: IPv4Network,
    *,
    thredd: list[ThreddRange],
    taken: bool,
    own: list[str] = (),
) -> list[Finding]:
    """Say that `network` overlaps each of Thredd's ranges, another organisation's range, or
    the organisation's own range in another connection."""
    findings = [
        error(
            "subnet_reserved",
            field,
            f"{network} overlaps {item.network}, {item.description}, which Thredd keeps for "
            "itself in this environment. Choose another range.",
        )
        for item in thredd
    ]
    if taken:
        findings.append(
            error(
                "subnet_unavailable",
                field,
                f"{network} is not available: it overlaps a range already allocated in this "
                "environment. Choose another range.",
            )
        )
    elif own:
        findings.append(
            error(
                "subnet_unavailable",
                field,
                f"{network} is already allocated to your connection {', '.join(own)}: a range "
                "serves one connection. Amend that connection instead, or choose another range.",
            )
        )
    return findings


# --- What staff see: the availability panel of the review page -------------------------------

# Where a "next free" suggestion may come from: the private block holding the requested range.
PRIVATE_BLOCKS = tuple(
    IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
SUGGESTION_PREFIX = 24  # Thredd recommends /24 (seed)


@dataclass(frozen=True)
class SubnetAvailability:
    """Everything a Thredd engineer needs to confirm one subnet of a request is free."""

    field: str  # the subnet's path in the request document, where findings about it point
    subnet: Subnet
    reserved: list[ThreddRange]
    allocated: list[Allocation]  # allocations of other connections: staff may see whose
    same_request: list[Subnet]  # other subnets of this very request that overlap it
    suggestion: IPv4Network | None

    @property
    def is_free(self) -> bool:
        """Say whether nothing reserved, allocated or in this request overlaps the subnet."""
        return not (self.reserved or self.allocated or self.same_request)

    def findings(self, organisation_id: int) -> list[Finding]:
        """Return what the client is told about this subnet: reserved, or not available."""
        return _conflict_findings(
            self.field,
            self.subnet.network,
            thredd=self.reserved,
            taken=any(item.organisation_id != organisation_id for item in self.allocated),
            own=sorted(
                {
                    item.request.reference
                    for item in self.allocated
                    if item.organisation_id == organisation_id
                }
            ),
        )


def request_availability(request: ConnectivityRequest) -> list[SubnetAvailability]:
    """Return the availability of every subnet of `request`, in site and subnet order.

    `request` comes read `with_answers()`. A few queries whatever the number of subnets:
    Thredd's ranges and the overlapping allocations of other connections; and, only for a
    subnet that is not free, the ranges around it for the next free suggestion.
    """
    fields = {
        subnet: f"sites[{site_index}].subnets[{index}].cidr"
        for site_index, site in enumerate(request.sites.all())
        for index, subnet in enumerate(site.subnets.all())
    }
    subnets = list(fields)
    networks = [subnet.network for subnet in subnets]
    reserved_ranges = _thredd_ranges(request.environment, networks)
    allocations = list(
        _overlapping(environment=request.environment, networks=networks)
        .exclude(request_id__in=_kept(request))
        .select_related("organisation", "request")
        .order_by("network")
    )
    report = []
    for subnet in subnets:
        same_request = [
            other
            for other in subnets
            if other.pk != subnet.pk and other.network.overlaps(subnet.network)
        ]
        reserved = [item for item in reserved_ranges if item.network.overlaps(subnet.network)]
        allocated = [item for item in allocations if item.network.overlaps(subnet.network)]
        free = not (reserved or allocated or same_request)
        report.append(
            SubnetAvailability(
                field=fields[subnet],
                subnet=subnet,
                reserved=reserved,
                allocated=allocated,
                same_request=same_request,
                suggestion=None
                if free
                else next_free_network(
                    environment=request.environment,
                    near=subnet.network,
                    avoiding=[other.network for other in subnets],
                ),
            )
        )
    return report


def next_free_network(
    *,
    environment: str,
    near: IPv4Network,
    avoiding: Iterable[IPv4Network] = (),
    prefix: int = SUGGESTION_PREFIX,
) -> IPv4Network | None:
    """Return the free /24 closest to `near`, or None if its private block is full.

    Free means overlapping no allocation (anyone's), no reserved or service range of
    `environment`, nor any network in `avoiding`. The search stays in the /16 around `near`
    first, then the private block holding it. It is a suggestion only: approval re-checks
    under lock, since a "next free" handed out without a lock can be handed out twice.
    """
    start = IPv4Network((near.network_address, prefix), strict=False)
    spaces = [start.supernet(new_prefix=16)] if start.prefixlen > 16 else []
    spaces += [block for block in PRIVATE_BLOCKS if start.subnet_of(block)]
    for space in spaces:
        blocked = _blocked_intervals(environment=environment, space=space, avoiding=avoiding)
        found = _closest_free(start, space, blocked)
        if found is not None:
            return found
    return None


def free_range_advice(
    *, request: ConnectivityRequest, network: IPv4Network, avoiding: Iterable[IPv4Network] = ()
) -> str:
    """Offer the client whose `network` is taken the nearest free range of the same size.

    The staff panel's suggestion (`next_free_network`) at the size the client asked for,
    away from the request's stored subnets and `avoiding` (what its page shows); it names a
    free range, never who holds the taken one. A suggestion only: the range is checked again
    when it is entered.
    """
    stored = Subnet.objects.filter(site__request=request).values_list("network", flat=True)
    free = next_free_network(
        environment=request.environment,
        near=network,
        avoiding=[*stored, *avoiding],
        prefix=network.prefixlen,
    )
    if free is None:
        return f"No /{network.prefixlen} is free nearby: choose a range elsewhere."
    return f"The nearest free /{network.prefixlen} is {free}."


def _blocked_intervals(
    *, environment: str, space: IPv4Network, avoiding: Iterable[IPv4Network]
) -> list[tuple[int, int]]:
    """Return the merged [first, last] address ranges taken inside `space`."""
    taken = [
        *Allocation.objects.filter(
            environment=environment, network__net_overlaps=space
        ).values_list("network", flat=True),
        *ReservedRange.objects.filter(
            settings__environment=environment, network__net_overlaps=space
        )
        .order_by()
        .values_list("network", flat=True)
        .union(
            ServiceRange.objects.filter(
                settings__environment=environment, network__net_overlaps=space
            )
            .order_by()
            .values_list("network", flat=True),
            all=True,
        )
        .order_by(),
        *(network for network in avoiding if network.overlaps(space)),
    ]
    intervals = sorted(
        (int(network.network_address), int(network.broadcast_address)) for network in taken
    )
    merged: list[tuple[int, int]] = []
    for first, last in intervals:
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _closest_free(
    start: IPv4Network, space: IPv4Network, blocked: list[tuple[int, int]]
) -> IPv4Network | None:
    """Walk outwards from `start` in steps of its size; return the first unblocked network."""
    size = start.num_addresses
    lowest, highest = int(space.network_address), int(space.broadcast_address)
    firsts = [first for first, _ in blocked]
    origin = int(start.network_address)
    for distance in range((highest - lowest + 1) // size):
        for candidate in {origin + distance * size, origin - distance * size}:
            if lowest <= candidate and candidate + size - 1 <= highest:
                index = bisect_right(firsts, candidate + size - 1) - 1
                if index < 0 or blocked[index][1] < candidate:
                    return IPv4Network((candidate, start.prefixlen))
    return None
