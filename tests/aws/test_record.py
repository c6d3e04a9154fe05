"""Without AWS access, an engineer records Thredd's side from AWS's console, on a staff page."""

import pytest
from django.urls import reverse

from connectivity.choices import AwsStatus, RequestStatus
from connectivity.models import Artifact, AwsVpnConnection, ServiceRange, ThreddSettings, Tunnel
from connectivity.services import aws, workflow
from tests.conftest import verified_staff_login
from tests.factories import request_create, subnets_confirm

from .conftest import SERVICE_RANGES

pytestmark = pytest.mark.django_db


def generic_text(connection_id: str, tunnels: list[Tunnel], outside: list[str]) -> str:
    """Return a VPN connection's configuration in the shape of AWS's "Generic" download."""
    sections = []
    for tunnel, address in zip(tunnels, outside, strict=True):
        hosts = list(tunnel.inside_cidr.hosts())
        sections.append(
            f"""IPSec Tunnel #{tunnel.number}
================================================================================
#1: Internet Key Exchange Configuration

Configure the IKE SA as follows:
  - IKE version              : IKEv2
  - Authentication Method    : Pre-Shared Key
  - Pre-Shared Key           : {tunnel.psk}
  - Authentication Algorithm : sha2-256

#3: Tunnel Interface Configuration

Outside IP Addresses:
  - Customer Gateway                    : 81.2.69.160
  - Virtual Private Gateway             : {address}

Inside IP Addresses
  - Customer Gateway                    : {hosts[1]}/30
  - Virtual Private Gateway             : {hosts[0]}/30
"""
        )
    return (
        "Amazon Web Services\nVirtual Private Cloud\n\n"
        f"Your VPN Connection ID                  : {connection_id}\n"
        "Your Transit Gateway ID                 : tgw-0a1b2c3d4e5f60001\n"
        "Your Customer Gateway ID                : cgw-0123456789abcdef0\n\n" + "\n".join(sections)
    )


@pytest.fixture
def awaiting(organisation, client_user, thredd_engineer, django_capture_on_commit_callbacks):
    thredd = ThreddSettings.objects.create(environment="uat")
    for service, network in SERVICE_RANGES.items():
        ServiceRange.objects.create(settings=thredd, service=service, network=network)
    reviewed = request_create(
        organisation=organisation, created_by=client_user, status=RequestStatus.IN_REVIEW
    )
    subnets_confirm(request=reviewed, engineer=thredd_engineer)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition("approve", request=reviewed, actor=thredd_engineer)
    return AwsVpnConnection.objects.get(vpn__site__request=reviewed)


def _url(connection, name="aws-vpn-record"):
    return reverse(
        name,
        kwargs={"reference": connection.vpn.site.request.reference, "vpn_id": connection.vpn_id},
    )


def test_pasting_the_generic_configuration_records_everything(client, awaiting, thredd_engineer):
    tunnels = list(Tunnel.objects.filter(vpn=awaiting.vpn).order_by("number"))
    text = generic_text("vpn-0fedcba9876543210", tunnels, ["35.176.9.10", "35.176.9.20"])
    verified_staff_login(client, thredd_engineer)
    page = client.get(_url(awaiting)).content.decode()
    assert str(tunnels[0].inside_cidr) in page  # the values to make the connection with
    assert tunnels[0].psk not in page  # never a PSK on a page

    response = client.post(_url(awaiting), {"generic_configuration": text})

    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert (awaiting.status, awaiting.vpn_connection_id) == (
        AwsStatus.READY,
        "vpn-0fedcba9876543210",
    )
    assert awaiting.recorded_by == thredd_engineer
    assert [t.thredd_outside_ip for t in awaiting.vpn.tunnels.order_by("number")] == [
        "35.176.9.10",
        "35.176.9.20",
    ]
    assert Artifact.objects.filter(vpn=awaiting.vpn).exists()


def test_a_configuration_made_with_other_keys_is_refused_and_nothing_is_lost(
    client, awaiting, thredd_engineer
):
    tunnels = list(Tunnel.objects.filter(vpn=awaiting.vpn).order_by("number"))
    tunnels[1].psk = "Another.key.AWS.made.up.by.itself"
    text = generic_text("vpn-0fedcba9876543210", tunnels, ["35.176.9.10", "35.176.9.20"])
    verified_staff_login(client, thredd_engineer)

    response = client.post(_url(awaiting), {"generic_configuration": text})

    assert response.status_code == 200
    page = response.content.decode()
    assert "are not the portal&#x27;s" in page
    assert "vpn-0fedcba9876543210" in page  # what was pasted is still there
    awaiting.refresh_from_db()
    assert awaiting.status == AwsStatus.AWAITING_VALUES


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"generic_configuration": "hello"}, "not AWS&#x27;s Generic configuration"),
        (
            {"vpn_connection_id": "vpn-nothex", "tunnel_1_outside_ip": "35.176.9.10"},
            "Enter the VPN connection ID as AWS shows it",
        ),
        (
            {
                "vpn_connection_id": "vpn-0fedcba9876543210",
                "tunnel_1_outside_ip": "35.176.9.10",
                "tunnel_2_outside_ip": "35.176.9.10",
            },
            "each of the two tunnels its own outside address",
        ),
        ({"vpn_connection_id": "vpn-0fedcba9876543210"}, "tunnel 1&#x27;s outside IP"),
    ],
)
def test_bad_values_say_what_is_wrong(client, awaiting, thredd_engineer, data, message):
    verified_staff_login(client, thredd_engineer)
    response = client.post(_url(awaiting), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    awaiting.refresh_from_db()
    assert awaiting.status == AwsStatus.AWAITING_VALUES


def test_illustrative_values_are_offered_only_for_the_demo(
    client, settings, awaiting, thredd_engineer
):
    verified_staff_login(client, thredd_engineer)
    assert "illustrative values" not in client.get(_url(awaiting)).content.decode()
    settings.AWS_ILLUSTRATIVE_VALUES = True
    assert "illustrative values" in client.get(_url(awaiting)).content.decode()

    client.post(_url(awaiting), {"illustrative": "1"})

    awaiting.refresh_from_db()
    assert awaiting.status == AwsStatus.READY
    addresses = [t.thredd_outside_ip for t in awaiting.vpn.tunnels.all()]
    assert all(
        address.startswith(("192.0.2.", "198.51.100.", "203.0.113.")) for address in addresses
    )


def test_thredd_side_file_is_for_engineers(client, awaiting, thredd_engineer, client_user):
    aws.vpn_connection_record(
        connection=awaiting,
        actor=thredd_engineer,
        vpn_connection_id="vpn-0fedcba9876543210",
        outside_ips=["35.176.9.10", "35.176.9.20"],
    )
    url = _url(awaiting, "aws-thredd-side")
    client.force_login(client_user)
    assert client.get(url).status_code == 403
    verified_staff_login(client, thredd_engineer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert "35.176.9.10" in text
    assert "35.176.9.20" in text
