"""Writes of Thredd's address space: subnet confirmations, allocations and tunnel values.

Approval calls `allocations_reserve` and `tunnel_values_assign` in its transaction. The
availability reads (`selectors.availability`) are asked again here under the approval's
lock, and PostgreSQL judges last: the exclusion constraints on `Allocation` refuse two
overlapping ranges in one environment, and the unique constraint on `InsideAllocation` two
tunnels with one /30 on one gateway.
"""

from ipaddress import IPv4Network

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from connectivity.choices import RequestStatus
from connectivity.configgen.values import InsideCidrTaken, plan_tunnel_values
from connectivity.models import (
    Allocation,
    ConnectivityRequest,
    InsideAllocation,
    Subnet,
    SubnetConfirmation,
    Tunnel,
    User,
)
from connectivity.selectors.availability import (
    SubnetAvailability,
    availability_findings,
    request_availability,
)
from connectivity.selectors.requests import request_answers, request_to_document


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
            request=request,
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
def subnet_confirm(*, subnet: Subnet, actor: User) -> SubnetConfirmation:
    """Record that Thredd engineer `actor` checked `subnet` and found it free.

    Only a request in review can be confirmed, only by an engineer, and only while the
    subnet is free now; the confirmation remembers the network, so a later change voids it.
    """
    (row,) = [
        row
        for row in _availability_in_review(subnet.site.request_id, actor)
        if row.subnet.pk == subnet.pk
    ]
    if not row.is_free:
        raise AllocationConflict(f"{subnet.network} is not available: see the reasons shown.")
    return _confirmation_record(row.subnet, actor)


@transaction.atomic
def subnets_confirm_free(*, request: ConnectivityRequest, actor: User) -> list[SubnetConfirmation]:
    """Confirm, at once, every subnet of `request` that is free now and not yet confirmed.

    The same checks and record as `subnet_confirm`, for each subnet the availability panel
    shows free, in one transaction under the request's lock: a subnet that is taken,
    reserved or overlaps another of the request is never confirmed, and one confirmed as it
    stands keeps its confirmation. Returns the confirmations made, in site and subnet order.
    """
    return [
        _confirmation_record(row.subnet, actor)
        for row in _availability_in_review(request.pk, actor)
        if row.is_free and not _is_confirmed(row.subnet)
    ]


def _availability_in_review(request_id: int, actor: User) -> list[SubnetAvailability]:
    """Lock the request and return its subnets' availability, if `actor` may confirm them.

    Only an engineer confirms, and only while the request is in review.
    """
    if not actor.is_engineer:
        raise PermissionDenied("Only Thredd engineers can confirm subnets.")
    request = ConnectivityRequest.objects.select_for_update().get(pk=request_id)
    if request.status != RequestStatus.IN_REVIEW:
        raise AllocationConflict(
            f"Subnets are confirmed during review; the status of {request.reference} is "
            f"{request.get_status_display()}."
        )
    return request_availability(
        ConnectivityRequest.objects.with_answers(confirmations=True).get(pk=request.pk)
    )


def _is_confirmed(subnet: Subnet) -> bool:
    """Say whether `subnet` (read with its confirmation) is confirmed as it stands now."""
    return hasattr(subnet, "confirmation") and subnet.confirmation.is_current


def _confirmation_record(subnet: Subnet, actor: User) -> SubnetConfirmation:
    """Record `actor`'s word that `subnet`, as it stands now, is free: who, what and when."""
    confirmation, _ = SubnetConfirmation.objects.update_or_create(
        subnet=subnet,
        defaults={"network": subnet.network, "confirmed_by": actor, "confirmed_at": timezone.now()},
    )
    return confirmation


def _is_deadlock(exc: OperationalError) -> bool:
    """Say whether PostgreSQL failed the statement to break a deadlock (SQLSTATE 40P01)."""
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"


def _lock_inside_cidrs(environment: str) -> None:
    """Hold, until the transaction ends, the right to hand out inside /30s in `environment`.

    "Next free" without a lock hands out duplicates (REFERENCE §6): two approvals would both
    read the same free /30. The unique constraint on InsideAllocation stays the last guard.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"connectivity.inside_cidr.{environment}"],
        )


@transaction.atomic
def tunnel_values_assign(*, request: ConnectivityRequest) -> None:
    """Give both tunnels of every VPN of `request` a PSK and an inside /30; call on approval.

    The values come from `configgen.values.plan_tunnel_values`, the one planner, given the
    /30s other requests use on the environment's transit gateway, and are stored with an
    InsideAllocation each. An amendment takes over the /30s of the revision it
    amends, as it takes over its subnets; since an amendment starts as a copy of that
    revision, its unchanged VPNs keep their PSKs and /30s and only new VPNs get new values.
    Running it again changes nothing. Raises AllocationConflict, with nothing stored, when a
    /30 the client chose is taken on its gateway.
    """
    request = request_answers(request)
    sites = list(request.sites.all())
    if not any(site.vpns.all() for site in sites):
        return
    _lock_inside_cidrs(request.environment)
    if request.amends_id is not None:
        InsideAllocation.objects.filter(tunnel__vpn__site__request_id=request.amends_id).delete()
    used = InsideAllocation.objects.filter(environment=request.environment).exclude(
        tunnel__vpn__site__request=request
    )
    try:
        plan = plan_tunnel_values(
            request_to_document(request),
            used_inside_cidrs=used.values_list("network", flat=True),
        )
    except InsideCidrTaken as exc:
        raise AllocationConflict(str(exc)) from None
    for site_index, site in enumerate(sites):
        for vpn_index, vpn in enumerate(site.vpns.all()):
            stored = {tunnel.number: tunnel for tunnel in vpn.tunnels.all()}
            for number, values in enumerate(plan[site_index, vpn_index], start=1):
                tunnel = stored.get(number) or Tunnel(vpn=vpn, number=number)
                tunnel.inside_cidr = IPv4Network(values.inside_cidr)
                tunnel.psk = values.psk
                tunnel.full_clean()
                tunnel.save()
                InsideAllocation.objects.update_or_create(
                    tunnel=tunnel,
                    defaults={"environment": request.environment, "network": tunnel.inside_cidr},
                )
