"""Rules that read other rows: Thredd's reserved ranges and other organisations' allocations.

`rules` judges one request on its own; this module adds what only the database knows.
Clients are told a subnet is not available, never whose it is (REFERENCE §2
`subnet_unavailable`). The approve service re-checks under lock, and the exclusion
constraints on `Allocation` are the final judge.
"""

import operator
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from ipaddress import IPv4Network

from django.db.models import Q

from connectivity.findings import Finding, error
from connectivity.models import (
    Allocation,
    ConnectivityRequest,
    ReservedRange,
    Subnet,
)


def _reserved_ranges(environment: str) -> list[ReservedRange]:
    """Return Thredd's reserved ranges of `environment`: a handful, so read them whole."""
    return list(ReservedRange.objects.filter(settings__environment=environment).order_by("network"))


def _overlapping(*, environment: str, networks: Iterable[IPv4Network], excluding_organisation_id):
    """Return the allocations of `environment` overlapping any of `networks`, bar one
    organisation's.

    An organisation's own allocations are left out so that an amendment may keep the subnets
    its active revision already holds. Each `&&` is what the exclusion constraints' GiST
    indexes answer; PostgreSQL ORs the index scans, so one query serves a whole request.
    """
    overlaps = [Q(network__net_overlaps=network) for network in networks]
    if not overlaps:
        return Allocation.objects.none()
    allocations = Allocation.objects.filter(environment=environment).filter(
        reduce(operator.or_, overlaps)
    )
    if excluding_organisation_id is not None:
        allocations = allocations.exclude(organisation_id=excluding_organisation_id)
    return allocations


def subnet_is_taken(
    *, environment: str, network: IPv4Network, excluding_organisation_id: int | None
) -> bool:
    """Say whether another organisation holds a range overlapping `network`: the client's check.

    One indexed EXISTS, no rows fetched: this is what "Check availability" on a subnet row
    asks, and clients are never told whose the range is.
    """
    return _overlapping(
        environment=environment,
        networks=[network],
        excluding_organisation_id=excluding_organisation_id,
    ).exists()


def availability_findings(
    subnets: Iterable[tuple[str, IPv4Network]],
    *,
    environment: str,
    organisation_id: int | None,
) -> list[Finding]:
    """Return subnet_reserved / subnet_unavailable findings for (field, network) pairs.

    Two queries whatever the number of subnets: Thredd's reserved ranges, and the other
    organisations' allocations overlapping any of them.
    """
    subnets = list(subnets)
    if not subnets:
        return []
    reserved = _reserved_ranges(environment)
    taken = list(
        _overlapping(
            environment=environment,
            networks=[network for _, network in subnets],
            excluding_organisation_id=organisation_id,
        ).values_list("network", flat=True)
    )
    return [
        finding
        for field, network in subnets
        for finding in _conflict_findings(
            field,
            network,
            reserved=[item.network for item in reserved if item.network.overlaps(network)],
            taken=any(allocated.overlaps(network) for allocated in taken),
        )
    ]


def _conflict_findings(
    field: str, network: IPv4Network, *, reserved: list[IPv4Network], taken: bool
) -> list[Finding]:
    """Say that `network` overlaps each of `reserved`, and whether another organisation's."""
    findings = [
        error(
            "subnet_reserved",
            field,
            f"{network} overlaps {reserved_network}, which Thredd reserves for its own use in "
            "this environment. Choose another range.",
        )
        for reserved_network in reserved
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
    reserved: list[ReservedRange]
    allocated: list[Allocation]  # other organisations' allocations: staff may see whose
    same_request: list[Subnet]  # other subnets of this very request that overlap it
    suggestion: IPv4Network | None

    @property
    def is_free(self) -> bool:
        """Say whether nothing reserved, allocated or in this request overlaps the subnet."""
        return not (self.reserved or self.allocated or self.same_request)

    def findings(self) -> list[Finding]:
        """Return what the client is told about this subnet: reserved, or not available."""
        return _conflict_findings(
            self.field,
            self.subnet.network,
            reserved=[item.network for item in self.reserved],
            taken=bool(self.allocated),
        )


def request_availability(request: ConnectivityRequest) -> list[SubnetAvailability]:
    """Return the availability of every subnet of `request`, in site and subnet order.

    `request` comes read `with_answers()`. Two queries whatever the number of subnets:
    Thredd's reserved ranges and the other organisations' overlapping allocations; and, only
    for a subnet that is not free, the ranges around it for the next free suggestion.
    """
    fields = {
        subnet: f"sites[{site_index}].subnets[{index}].cidr"
        for site_index, site in enumerate(request.sites.all())
        for index, subnet in enumerate(site.subnets.all())
    }
    subnets = list(fields)
    reserved_ranges = _reserved_ranges(request.environment)
    allocations = list(
        _overlapping(
            environment=request.environment,
            networks=[subnet.network for subnet in subnets],
            excluding_organisation_id=request.organisation_id,
        )
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

    Free means overlapping no allocation (anyone's) and no reserved range of `environment`,
    nor any network in `avoiding`. The search stays in the /16 around `near` first, then the
    private block holding it. It is a suggestion only: approval re-checks under lock, since a
    "next free" handed out without a lock can be handed out twice.
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
        ).values_list("network", flat=True),
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
