"""Requests for the workflow tests, built from the request document of REFERENCE §3."""

from connectivity.choices import RequestStatus
from connectivity.document import document_load, parse_document
from connectivity.models import ConnectivityRequest, Organisation, Subnet, SubnetConfirmation, User
from tests.rules import valid_vpn_document

CONTACT_EMAIL = "ops@acme-payments.example"
# A PSK as Thredd would generate one: 32 characters of AWS's PSK alphabet.
TUNNEL_PSK = "Kx7.Lm2_Rt9vBz4Np8Qd6Wy3Hs5Jf1Gc"


def request_document(**changes: object) -> dict:
    """Return a valid IPsec UAT request document, with top-level `changes`.

    It is the rules tests' valid document with a strongSwan device, one contact of the
    organisation's own and a tunnel PSK as Thredd would generate one.
    """
    document = valid_vpn_document()
    document["contacts"] = [{"name": "Olu Ops", "email": CONTACT_EMAIL, "role": "technical"}]
    vpn = document["sites"][0]["vpns"][0]
    vpn["device"] = {"vendor": "strongswan", "platform": "swanctl", "software": "5.9"}
    vpn["tunnels"] = [{"psk": TUNNEL_PSK}]
    return document | changes


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
    doc, findings = parse_document(request_document(**changes))
    assert doc is not None, findings
    request = document_load(doc, organisation=organisation, created_by=created_by, amends=amends)
    ConnectivityRequest.objects.filter(pk=request.pk).update(status=status)
    request.refresh_from_db()
    return request


def subnets_confirm(*, request: ConnectivityRequest, engineer: User) -> None:
    """Record `engineer`'s confirmation of every subnet of `request`, as the review page does."""
    for subnet in Subnet.objects.filter(site__request=request):
        SubnetConfirmation.objects.create(
            subnet=subnet, network=subnet.network, confirmed_by=engineer
        )
