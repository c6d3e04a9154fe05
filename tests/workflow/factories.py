"""Requests for the workflow tests, built from the request document of REFERENCE §3."""

import copy

from connectivity.choices import RequestStatus
from connectivity.document import document_load, parse_document
from connectivity.models import ConnectivityRequest, Organisation, Subnet, SubnetConfirmation, User

CONTACT_EMAIL = "ops@acme-payments.example"
# A PSK as Thredd would generate one: 32 characters of AWS's PSK alphabet.
TUNNEL_PSK = "Kx7.Lm2_Rt9vBz4Np8Qd6Wy3Hs5Jf1Gc"

VALID_UAT_VPN = {
    "environment": "uat",
    "connection_type": "ipsec_vpn",
    "services": ["web_services", "ehi", "portal"],
    "contacts": [{"name": "Olu Ops", "email": CONTACT_EMAIL, "role": "technical"}],
    "sites": [
        {
            "name": "London DC1",
            "routing": "static",
            "vpns": [
                {
                    "services": ["web_services", "ehi", "portal"],
                    "peer_ip": "81.2.69.160",
                    "device": {"vendor": "strongswan", "platform": "swanctl", "software": "5.9"},
                    "ike_version": 2,
                    "tunnels": [{"psk": TUNNEL_PSK}],
                }
            ],
            "subnets": [{"cidr": "10.20.30.0/24", "purpose": "ehi"}],
        }
    ],
}


def request_document(**changes: object) -> dict:
    """Return a copy of the valid IPsec UAT request document with top-level `changes`."""
    return copy.deepcopy(VALID_UAT_VPN) | changes


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
