"""Rules that read other rows: Thredd's reserved ranges and other organisations' allocations.

`rules.py` judges one request on its own; this module adds what only the database knows.
Clients are told a subnet is not available, never whose it is (REFERENCE §2
`subnet_unavailable`). The approve service re-checks under lock, and the exclusion
constraints on `Allocation` are the final judge.
"""

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Network

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from connectivity.choices import RequestStatus
from connectivity.findings import Finding, error
from connectivity.models import (
    Allocation,
    ConnectivityRequest,
    ReservedRange,
    Subnet,
    SubnetConfirmation,
)


def reserved_ranges_overlapping(*, environment: str, network: IPv4Network) -> list[ReservedRange]:
    """Return Thredd's reserved ranges of `environment` that share an address with `network`."""
    return list(
        ReservedRange.objects.filter(
            settings__environment=environment, network__net_overlaps=network
        ).order_by("network")
    )


def _overlapping(*, environment: str, network: IPv4Network, excluding_organisation_id: int | None):
    """Return the allocations of `environment` overlapping `network`, bar one organisation's.

    An organisation's own allocations are left out so that an amendment may keep the subnets
    its active revision already holds. The `&&` filter is what the exclusion constraints'
    GiST indexes answer.
    """
    allocations = Allocation.objects.filter(environment=environment, network__net_overlaps=network)
    if excluding_organisation_id is not None:
        allocations = allocations.exclude(organisation_id=excluding_organisation_id)
    return allocations


def allocations_overlapping(
    *, environment: str, network: IPv4Network, excluding_organisation_id: int | None
) -> list[Allocation]:
    """Return the overlapping allocations with their organisations, for staff to see whose."""
    return list(
        _overlapping(
            environment=environment,
            network=network,
            excluding_organisation_id=excluding_organisation_id,
        )
        .select_related("organisation", "request")
        .order_by("network")
    )


def subnet_is_taken(
    *, environment: str, network: IPv4Network, excluding_organisation_id: int | None
) -> bool:
    """Say whether another organisation holds a range overlapping `network`: the client's check.

    One indexed EXISTS, no rows fetched: this is what every submission, form save and
    "Check availability" asks, and clients are never told whose the range is.
    """
    return _overlapping(
        environment=environment,
        network=network,
        excluding_organisation_id=excluding_organisation_id,
    ).exists()


def availability_findings(
    subnets: Iterable[tuple[str, IPv4Network]],
    *,
    environment: str,
    organisation_id: int | None,
) -> list[Finding]:
    """Return subnet_reserved / subnet_unavailable findings for (field, network) pairs."""
    findings = []
    for field, network in subnets:
        for reserved in reserved_ranges_overlapping(environment=environment, network=network):
            findings.append(
                error(
                    "subnet_reserved",
                    field,
                    f"{network} overlaps {reserved.network}, which Thredd reserves for its own "
                    "use in this environment. Choose another range.",
                )
            )
        if subnet_is_taken(
            environment=environment, network=network, excluding_organisation_id=organisation_id
        ):
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

    subnet: Subnet
    reserved: list[ReservedRange]
    allocated: list[Allocation]  # other organisations' allocations: staff may see whose
    same_request: list[Subnet]  # other subnets of this very request that overlap it
    suggestion: IPv4Network | None

    @property
    def is_free(self) -> bool:
        """Say whether nothing reserved, allocated or in this request overlaps the subnet."""
        return not (self.reserved or self.allocated or self.same_request)


def request_availability(request: ConnectivityRequest) -> list[SubnetAvailability]:
    """Return the availability of every subnet of `request`, in site and subnet order."""
    subnets = list(
        Subnet.objects.filter(site__request=request)
        .select_related("site")
        .order_by("site__position", "site_id", "position", "id")
    )
    report = []
    for subnet in subnets:
        same_request = [
            other
            for other in subnets
            if other.pk != subnet.pk and other.network.overlaps(subnet.network)
        ]
        reserved = reserved_ranges_overlapping(
            environment=request.environment, network=subnet.network
        )
        allocated = allocations_overlapping(
            environment=request.environment,
            network=subnet.network,
            excluding_organisation_id=request.organisation_id,
        )
        free = not (reserved or allocated or same_request)
        report.append(
            SubnetAvailability(
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


# --- Writing allocations: approval and release ------------------------------------------------


class AllocationConflict(Exception):
    """A subnet of the request being approved is no longer free; nothing was allocated."""


def allocations_reserve(*, request: ConnectivityRequest) -> list[Allocation]:
    """Allocate every subnet of `request` to its organisation; call inside the approval.

    Availability is checked again here, under the approval's row lock, and PostgreSQL's
    exclusion constraints judge last: a conflict raises AllocationConflict and, in a
    savepoint, leaves no partial allocation. An amendment takes over the allocations of the
    revision it amends (those it no longer lists are released).
    """
    subnets = list(
        Subnet.objects.filter(site__request=request).order_by("site__position", "position", "id")
    )
    problems = [
        finding.message
        for finding in availability_findings(
            [(str(subnet.pk), subnet.network) for subnet in subnets],
            environment=request.environment,
            organisation_id=request.organisation_id,
        )
    ]
    if problems:
        raise AllocationConflict(" ".join(problems))
    try:
        with transaction.atomic():
            if request.amends_id is not None:
                Allocation.objects.filter(request_id=request.amends_id).delete()
            return Allocation.objects.bulk_create(
                Allocation(
                    organisation_id=request.organisation_id,
                    environment=request.environment,
                    network=subnet.network,
                    request=request,
                    subnet=subnet,
                )
                for subnet in subnets
            )
    except (IntegrityError, OperationalError) as exc:
        # Another approval wrote an overlapping range after our check: the constraint
        # refused ours, or, when both inserts waited on each other, PostgreSQL broke the
        # deadlock by failing ours. Say so plainly; the savepoint has undone our inserts.
        if isinstance(exc, OperationalError) and not _is_deadlock(exc):
            raise
        raise AllocationConflict(
            "A subnet of this request was allocated to another organisation a moment ago. "
            "Check availability again."
        ) from exc


@transaction.atomic
def subnet_confirm(*, subnet: Subnet, actor) -> SubnetConfirmation:
    """Record that Thredd engineer `actor` checked `subnet` and found it free.

    Only a request in review can be confirmed, only by an engineer, and only while the
    subnet is free now; the confirmation remembers the network, so a later change voids it.
    """
    from connectivity.workflow import is_engineer  # the workflow module imports this one

    if not is_engineer(actor):
        raise PermissionDenied("Only Thredd engineers can confirm subnets.")
    request = ConnectivityRequest.objects.select_for_update().get(pk=subnet.site.request_id)
    if request.status != RequestStatus.IN_REVIEW:
        raise AllocationConflict(
            f"Subnets are confirmed during review; {request.reference} is "
            f"{request.get_status_display().lower()}."
        )
    (row,) = [row for row in request_availability(request) if row.subnet.pk == subnet.pk]
    if not row.is_free:
        raise AllocationConflict(f"{subnet.network} is not available: see the reasons shown.")
    confirmation, _ = SubnetConfirmation.objects.update_or_create(
        subnet=subnet,
        defaults={"network": subnet.network, "confirmed_by": actor, "confirmed_at": timezone.now()},
    )
    return confirmation


def _is_deadlock(exc: OperationalError) -> bool:
    """Say whether PostgreSQL failed the statement to break a deadlock (SQLSTATE 40P01)."""
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"
