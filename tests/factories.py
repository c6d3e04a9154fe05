"""Stored requests for the tests, built from the request document of REFERENCE §3."""

from connectivity.choices import AwsStatus, RequestStatus
from connectivity.models import (
    AwsPeeringAttachment,
    AwsVpnConnection,
    ConnectivityRequest,
    Organisation,
    Subnet,
    SubnetConfirmation,
    User,
)
from connectivity.services import aws
from connectivity.services.drafts import document_load
from tests.documents import parsed, request_document


def request_create(
    *,
    organisation: Organisation,
    created_by: User,
    status: RequestStatus = RequestStatus.DRAFT,
    amends: ConnectivityRequest | None = None,
    **changes: object,
) -> ConnectivityRequest:
    """Store a request with valid answers (changed by `changes`) and put it at `status`.

    Tests place the request at its starting status directly, so each one exercises only
    the transition it is about.
    """
    request = document_load(
        parsed(request_document(**changes)),
        organisation=organisation,
        created_by=created_by,
        amends=amends,
    )
    ConnectivityRequest.objects.filter(pk=request.pk).update(status=status)
    request.refresh_from_db()
    return request


def subnets_confirm(*, request: ConnectivityRequest, engineer: User) -> None:
    """Record `engineer`'s confirmation of every subnet of `request`, as the review page does."""
    for subnet in Subnet.objects.filter(site__request=request):
        SubnetConfirmation.objects.create(
            subnet=subnet, network=subnet.network, confirmed_by=engineer
        )


def aws_side_record(*, request: ConnectivityRequest, engineer: User) -> None:
    """Record Thredd's AWS side of every VPN and TGW site of an approved `request`, as an
    engineer does from AWS's console when the portal does not provision AWS itself.

    Each tunnel gets an outside address of its own, as AWS gives (distinct across every
    connection the tests make, since they derive from the row's id).
    """
    for connection in AwsVpnConnection.objects.filter(
        vpn__site__request=request, status=AwsStatus.AWAITING_VALUES
    ):
        aws.vpn_connection_record(
            connection=connection,
            actor=engineer,
            vpn_connection_id=f"vpn-{connection.pk:017x}",
            outside_ips=[_aws_address(connection.pk, tunnel) for tunnel in (1, 2)],
        )
    for peering in AwsPeeringAttachment.objects.filter(
        site__request=request, status=AwsStatus.AWAITING_VALUES
    ):
        aws.peering_attachment_record(
            peering=peering, actor=engineer, attachment_id=f"tgw-attach-{peering.pk:017x}"
        )


def _aws_address(row_id: int, tunnel: int) -> str:
    """Return an AWS-like outside address, unique per (row, tunnel)."""
    number = row_id * 2 + tunnel
    return f"3.{248 + number // 65536 % 8}.{number // 256 % 256}.{number % 256}"
