"""Stored requests for the tests, built from the request document of REFERENCE §3."""

from connectivity.choices import RequestStatus
from connectivity.models import ConnectivityRequest, Organisation, Subnet, SubnetConfirmation, User
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
