"""Tunnel states from AWS's telemetry: recorded, shown at go-live, mailed once per outage.

moto has no VPN telemetry, so `DescribeVpnConnections` is answered here by botocore's
Stubber, which also checks that the portal asks for exactly its connections.
"""

from datetime import timedelta

import boto3
import pytest
from botocore.stub import Stubber
from django.utils import timezone

from connectivity.choices import RequestStatus
from connectivity.models import (
    AwsVpnConnection,
    OutboundEmail,
    RequestEvent,
    ThreddSettings,
    Tunnel,
)
from connectivity.services import aws, workflow
from connectivity.services.notifications import outbound_email_send
from tests.documents import CONTACT_EMAIL
from tests.factories import aws_side_record, request_create, subnets_confirm

from .conftest import REGION

pytestmark = pytest.mark.django_db

TEAM = "network-onboarding@thredd.example"


@pytest.fixture
def live(settings, organisation, client_user, thredd_engineer, django_capture_on_commit_callbacks):
    """An approved request whose VPN's AWS values are recorded, AWS reachable for telemetry."""
    settings.THREDD_TEAM_EMAIL = TEAM
    settings.TUNNEL_DOWN_ALERT_AFTER = timedelta(minutes=5)
    ThreddSettings.objects.create(
        environment="uat",
        aws_region=REGION,
        transit_gateway_id="tgw-0a1b2c3d4e5f60001",
        transit_gateway_route_table_id="tgw-rtb-0a1b2c3d4e5f60001",
    )
    reviewed = request_create(
        organisation=organisation, created_by=client_user, status=RequestStatus.IN_REVIEW
    )
    subnets_confirm(request=reviewed, engineer=thredd_engineer)
    with django_capture_on_commit_callbacks(execute=True):
        approved = workflow.request_transition("approve", request=reviewed, actor=thredd_engineer)
    aws_side_record(request=approved, engineer=thredd_engineer)
    settings.AWS_PROVISIONING = True  # from now on the portal may read AWS
    return approved


class Telemetry:
    """Answer the poller's DescribeVpnConnections with the tunnel states a test sets."""

    def __init__(self, monkeypatch):
        self.client = boto3.client(
            "ec2",
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.stubber = Stubber(self.client)
        self.stubber.activate()
        monkeypatch.setattr(aws, "ec2_client", lambda region: self.client)

    def say(self, connection: AwsVpnConnection, *states: tuple[str, timedelta]) -> None:
        tunnels = list(Tunnel.objects.filter(vpn=connection.vpn).order_by("number"))
        now = timezone.now()
        self.stubber.add_response(
            "describe_vpn_connections",
            {
                "VpnConnections": [
                    {
                        "VpnConnectionId": connection.vpn_connection_id,
                        "CustomerGatewayId": "cgw-0123456789abcdef0",
                        "State": "available",
                        "Type": "ipsec.1",
                        "VgwTelemetry": [
                            {
                                "OutsideIpAddress": tunnel.thredd_outside_ip,
                                "Status": status,
                                "LastStatusChange": now - ago,
                                "StatusMessage": "" if status == "UP" else "IPSEC IS DOWN",
                                "AcceptedRouteCount": 0,
                            }
                            for tunnel, (status, ago) in zip(tunnels, states, strict=True)
                        ],
                    }
                ]
            },
            expected_params={"VpnConnectionIds": [connection.vpn_connection_id]},
        )


def _alerts():
    return OutboundEmail.objects.exclude(topic="").order_by("recipient")


def test_a_tunnel_down_too_long_is_mailed_once_per_outage(
    monkeypatch, live, thredd_engineer, django_capture_on_commit_callbacks, smtp_server
):
    telemetry = Telemetry(monkeypatch)
    connection = AwsVpnConnection.objects.get(vpn__site__request=live)
    workflow.request_transition("activate", request=live, actor=thredd_engineer)
    OutboundEmail.objects.all().delete()  # the status mails are not what this test reads

    telemetry.say(connection, ("DOWN", timedelta(minutes=10)), ("UP", timedelta(hours=1)))
    with django_capture_on_commit_callbacks() as sends:
        assert aws.telemetry_poll() == 2
    first = Tunnel.objects.get(vpn=connection.vpn, number=1)
    assert (first.state, first.state_detail) == ("DOWN", "IPSEC IS DOWN")
    assert [email.recipient for email in _alerts()] == sorted([CONTACT_EMAIL, TEAM])
    assert len(sends) == 2
    email = _alerts().first()
    assert "tunnel 1 of VPN 1 is down" in email.subject
    assert first.thredd_outside_ip in email.text_body
    assert first.psk not in email.text_body + email.html_body
    outbound_email_send(email_id=email.pk)
    assert smtp_server.delivered_to() == [email.recipient]

    # Polled again, still down: no second mail.
    telemetry.say(connection, ("DOWN", timedelta(minutes=11)), ("UP", timedelta(hours=1)))
    aws.telemetry_poll()
    assert _alerts().count() == 2

    # Back up, then down again: a new outage, mailed once it has lasted.
    telemetry.say(connection, ("UP", timedelta(seconds=30)), ("UP", timedelta(hours=1)))
    aws.telemetry_poll()
    telemetry.say(connection, ("DOWN", timedelta(minutes=1)), ("UP", timedelta(hours=1)))
    aws.telemetry_poll()
    assert _alerts().count() == 2  # down for a minute only: not yet
    telemetry.say(connection, ("DOWN", timedelta(minutes=8)), ("UP", timedelta(hours=1)))
    aws.telemetry_poll()
    assert _alerts().count() == 4
    telemetry.stubber.assert_no_pending_responses()


def test_a_connection_not_yet_active_is_watched_but_not_mailed(monkeypatch, live):
    telemetry = Telemetry(monkeypatch)
    connection = AwsVpnConnection.objects.get(vpn__site__request=live)

    telemetry.say(connection, ("DOWN", timedelta(hours=2)), ("DOWN", timedelta(hours=2)))
    aws.telemetry_poll()

    assert set(Tunnel.objects.filter(vpn=connection.vpn).values_list("state", flat=True)) == {
        "DOWN"
    }
    assert not _alerts().exists()


def test_mark_active_records_what_telemetry_showed(monkeypatch, live, thredd_engineer):
    telemetry = Telemetry(monkeypatch)
    connection = AwsVpnConnection.objects.get(vpn__site__request=live)
    telemetry.say(connection, ("UP", timedelta(minutes=3)), ("DOWN", timedelta(minutes=3)))
    aws.telemetry_poll()

    workflow.request_transition("activate", request=live, actor=thredd_engineer)

    event = RequestEvent.objects.filter(request=live, to_status=RequestStatus.ACTIVE).get()
    assert "Tunnels when marked active:" in event.comment
    assert "tunnel 1 UP since" in event.comment
    assert "tunnel 2 DOWN since" in event.comment
