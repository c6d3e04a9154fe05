"""Approval provisions Thredd's side in AWS: once, tagged, with the portal's values, undoable.

Against moto through real boto3 (see conftest for what moto cannot do and how the tests
make up for it).
"""

import copy
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from connectivity.choices import AwsStatus, RequestStatus
from connectivity.models import (
    Allocation,
    Artifact,
    AuditAction,
    AuditEntry,
    AwsPeeringAttachment,
    AwsVpnConnection,
    InsideAllocation,
    ThreddSettings,
    Tunnel,
)
from connectivity.services import artifacts, aws, workflow
from tests.documents import request_document, valid_tgw_document
from tests.factories import request_create, subnets_confirm

from .conftest import CLIENT_ACCOUNT, CLIENT_REGION, CLIENT_TGW, REGION

pytestmark = pytest.mark.django_db

TWO_SUBNETS = [
    {"cidr": "10.20.30.0/24", "purpose": "ehi"},
    {"cidr": "10.20.31.0/24", "purpose": "web_services"},
]


def _approved(organisation, client_user, engineer, callbacks, **changes):
    """Approve a request in review, running what approval queues after commit (in-process)."""
    reviewed = request_create(
        organisation=organisation,
        created_by=client_user,
        status=RequestStatus.IN_REVIEW,
        **changes,
    )
    subnets_confirm(request=reviewed, engineer=engineer)
    with callbacks(execute=True):
        return workflow.request_transition("approve", request=reviewed, actor=engineer)


def _static_site(**vpn_changes) -> list[dict]:
    sites = request_document()["sites"]
    sites[0]["subnets"] = copy.deepcopy(TWO_SUBNETS)
    sites[0]["vpns"][0] |= vpn_changes
    return sites


@pytest.fixture
def approve(organisation, client_user, thredd_engineer, django_capture_on_commit_callbacks):
    def make(**changes):
        return _approved(
            organisation,
            client_user,
            thredd_engineer,
            django_capture_on_commit_callbacks,
            **changes,
        )

    return make


def test_approval_creates_the_vpn_connection_with_the_portals_values(moto_aws, approve):
    approved = approve(sites=_static_site())

    connection = AwsVpnConnection.objects.get(vpn__site__request=approved)
    assert connection.status == AwsStatus.READY, connection.failure_reason
    (gateway,) = moto_aws.live("customer_gateways")
    assert gateway["IpAddress"] == "81.2.69.160"
    assert gateway["BgpAsn"] == "65000"  # a static site: the fixed private ASN
    assert gateway["CustomerGatewayId"] == connection.customer_gateway_id
    (vpn_connection,) = moto_aws.live("vpn_connections")
    assert vpn_connection["VpnConnectionId"] == connection.vpn_connection_id
    assert vpn_connection["TransitGatewayId"] == moto_aws.transit_gateway_id
    tags = {tag["Key"]: tag["Value"] for tag in vpn_connection["Tags"]}
    assert tags["thredd:request"] == approved.reference
    assert (tags["thredd:site"], tags["thredd:vpn"]) == ("1", "1")
    assert tags["thredd:managed-by"] == "thredd-connectivity-portal"
    assert connection.transit_gateway_attachment_id.startswith("tgw-attach-")

    # What boto3 sent: the portal's /30s and PSKs and exactly the client's IKE choices.
    (sent,) = moto_aws.sent["CreateVpnConnection"]
    assert sent["Options"]["StaticRoutesOnly"] is True
    tunnels = list(Tunnel.objects.filter(vpn=connection.vpn).order_by("number"))
    options = sent["Options"]["TunnelOptions"]
    assert [option["TunnelInsideCidr"] for option in options] == [
        str(tunnel.inside_cidr) for tunnel in tunnels
    ]
    assert [option["PreSharedKey"] for option in options] == [tunnel.psk for tunnel in tunnels]
    for option in options:
        assert option["IKEVersions"] == [{"Value": "ikev2"}]
        assert option["Phase1EncryptionAlgorithms"] == [{"Value": "AES256"}]
        assert option["Phase1IntegrityAlgorithms"] == [{"Value": "SHA2-256"}]
        assert option["Phase1DHGroupNumbers"] == [{"Value": 14}]
        assert option["Phase2DHGroupNumbers"] == [{"Value": 14}]
        assert (option["Phase1LifetimeSeconds"], option["Phase2LifetimeSeconds"]) == (28800, 3600)
        assert option["DPDTimeoutSeconds"] == 30

    # Routes for exactly the client's subnets, to this VPN's attachment.
    assert moto_aws.routes() == ["10.20.30.0/24", "10.20.31.0/24"]
    (route_call, *_) = moto_aws.sent["CreateTransitGatewayRoute"]
    assert route_call["TransitGatewayAttachmentId"] == connection.transit_gateway_attachment_id
    assert sorted(connection.routes) == moto_aws.routes()

    # AWS's two outside addresses are on the tunnels, and the VPN's file is queued.
    addresses = [tunnel.thredd_outside_ip for tunnel in tunnels]
    assert len(set(addresses)) == 2
    assert all(addresses)
    (artifact,) = Artifact.objects.filter(vpn=connection.vpn)
    rendered = artifacts.artifact_render(artifact_id=artifact.pk)
    assert rendered.status == "ready", rendered.failure_reason
    text = "".join(file for _, file in artifacts.unpack(rendered.content))
    assert all(address in text for address in addresses)


def test_a_bgp_site_gets_the_clients_asn_and_no_static_routes(moto_aws, approve):
    sites = _static_site(device={"vendor": "cisco", "platform": "ios_xe", "software": "17.9"})
    sites[0]["routing"] = "bgp"
    sites[0]["bgp"] = {"asn": 65010, "justification": "Failover between our data centres."}

    approved = approve(sites=sites)

    connection = AwsVpnConnection.objects.get(vpn__site__request=approved)
    assert connection.status == AwsStatus.READY, connection.failure_reason
    (gateway,) = moto_aws.live("customer_gateways")
    assert gateway["BgpAsn"] == "65010"
    assert moto_aws.sent["CreateVpnConnection"][0]["Options"]["StaticRoutesOnly"] is False
    assert moto_aws.routes() == []


def test_two_vpns_of_one_device_are_two_connections_with_four_addresses(moto_aws, approve):
    sites = _static_site()
    second = copy.deepcopy(sites[0]["vpns"][0]) | {"services": ["portal"], "tunnels": []}
    sites[0]["vpns"][0]["services"] = ["web_services", "ehi"]
    sites[0]["vpns"].append(second)  # the same peer address: one client firewall
    sites[0]["subnets"].append({"cidr": "10.20.32.0/24", "purpose": "portal"})

    approved = approve(sites=sites)

    assert len(moto_aws.live("vpn_connections")) == 2
    addresses = list(
        Tunnel.objects.filter(vpn__site__request=approved).values_list(
            "thredd_outside_ip", flat=True
        )
    )
    assert len(addresses) == len(set(addresses)) == 4
    inside = list(
        Tunnel.objects.filter(vpn__site__request=approved).values_list("inside_cidr", flat=True)
    )
    assert len(set(inside)) == 4


def test_running_again_or_twice_creates_nothing_more(moto_aws, approve):
    approved = approve(sites=_static_site())
    connection = AwsVpnConnection.objects.get(vpn__site__request=approved)

    # A duplicated delivery of a finished task does nothing at all.
    assert aws.vpn_connection_provision(connection_id=connection.pk).status == AwsStatus.READY
    # A retry from the top (the sweep handing it out again) finds everything by its tags.
    AwsVpnConnection.objects.filter(pk=connection.pk).update(
        status=AwsStatus.PENDING, customer_gateway_id="", vpn_connection_id="", routes=[]
    )
    assert aws.vpn_connection_provision(connection_id=connection.pk).status == AwsStatus.READY

    assert len(moto_aws.live("customer_gateways")) == 1
    assert len(moto_aws.live("vpn_connections")) == 1
    assert len(moto_aws.sent["CreateVpnConnection"]) == 1
    assert moto_aws.routes() == ["10.20.30.0/24", "10.20.31.0/24"]


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no handler catches it."""


@pytest.mark.parametrize(
    "killed_at",
    ["before-call.ec2.CreateVpnConnection", "after-call.ec2.CreateVpnConnection"],
    ids=["before-the-vpn-connection", "after-the-vpn-connection"],
)
def test_a_worker_killed_mid_provisioning_leaves_no_duplicate(
    moto_aws,
    organisation,
    client_user,
    thredd_engineer,
    django_capture_on_commit_callbacks,
    killed_at,
):
    """The worker dies between AWS calls; the sweep's redelivery finishes without duplicates."""

    def kill(**kwargs):
        raise WorkerKilled

    moto_aws.ec2.meta.events.register(killed_at, kill, unique_id="kill")
    with pytest.raises(WorkerKilled):
        _approved(
            organisation,
            client_user,
            thredd_engineer,
            django_capture_on_commit_callbacks,
            sites=_static_site(),
        )
    moto_aws.ec2.meta.events.unregister(killed_at, unique_id="kill")
    connection = AwsVpnConnection.objects.get()
    assert connection.status == AwsStatus.PROVISIONING  # the attempt was committed first
    assert connection.attempts == 1

    # Later, the sweep finds it stuck and hands it out again.
    AwsVpnConnection.objects.filter(pk=connection.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )
    assert aws.aws_due() == [("vpn", connection.pk)]
    assert aws.vpn_connection_provision(connection_id=connection.pk).status == AwsStatus.READY

    assert len(moto_aws.live("customer_gateways")) == 1
    assert len(moto_aws.live("vpn_connections")) == 1


def test_an_aws_refusal_fails_with_the_reason_and_a_retry_works(moto_aws, approve, thredd_engineer):
    ThreddSettings.objects.filter(environment="uat").update(
        transit_gateway_id="tgw-0000000000000000f"
    )

    approved = approve(sites=_static_site())

    approved.refresh_from_db()
    assert approved.status == RequestStatus.APPROVED  # the approval stands
    connection = AwsVpnConnection.objects.get(vpn__site__request=approved)
    assert connection.status == AwsStatus.FAILED
    assert "AWS refused CreateVpnConnection" in connection.failure_reason
    assert "tgw-0000000000000000f" in connection.failure_reason
    assert not Artifact.objects.filter(vpn=connection.vpn).exists()

    ThreddSettings.objects.filter(environment="uat").update(
        transit_gateway_id=moto_aws.transit_gateway_id
    )
    retried = aws.aws_retry(row=connection, actor=thredd_engineer)
    assert (retried.status, retried.failure_reason, retried.attempts) == (AwsStatus.PENDING, "", 0)
    assert aws.vpn_connection_provision(connection_id=connection.pk).status == AwsStatus.READY
    assert len(moto_aws.live("vpn_connections")) == 1
    assert Artifact.objects.filter(vpn=connection.vpn).count() == 1


def test_only_engineers_retry(moto_aws, approve, client_user):
    ThreddSettings.objects.filter(environment="uat").update(
        transit_gateway_id="tgw-0000000000000000f"
    )
    connection = AwsVpnConnection.objects.get(vpn__site__request=approve(sites=_static_site()))
    with pytest.raises(aws.PermissionDenied):
        aws.aws_retry(row=connection, actor=client_user)


def test_retiring_removes_only_what_the_portal_made(
    moto_aws, approve, thredd_engineer, django_capture_on_commit_callbacks
):
    # Something of Thredd's that the portal did not make: it must survive.
    theirs = moto_aws.ec2.create_customer_gateway(
        BgpAsn=65001, PublicIp="81.2.69.99", Type="ipsec.1"
    )
    theirs_id = theirs["CustomerGateway"]["CustomerGatewayId"]
    moto_aws.ec2.create_vpn_connection(
        CustomerGatewayId=theirs_id, Type="ipsec.1", TransitGatewayId=moto_aws.transit_gateway_id
    )
    moto_aws.ec2.create_transit_gateway_route(
        DestinationCidrBlock="10.99.0.0/24",
        TransitGatewayRouteTableId=moto_aws.route_table_id,
        Blackhole=True,
    )
    approved = approve(sites=_static_site())
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition("activate", request=approved, actor=thredd_engineer)
    active = type(approved).objects.get(pk=approved.pk)

    with django_capture_on_commit_callbacks(execute=True):
        retired = workflow.request_transition(
            "retire", request=active, actor=thredd_engineer, comment="The site closes."
        )

    assert retired.status == RequestStatus.WITHDRAWN
    connection = AwsVpnConnection.objects.get(vpn__site__request=approved)
    assert connection.status == AwsStatus.DECOMMISSIONED
    assert [gateway["CustomerGatewayId"] for gateway in moto_aws.live("customer_gateways")] == [
        theirs_id
    ]
    (left,) = moto_aws.live("vpn_connections")
    assert left["CustomerGatewayId"] == theirs_id
    assert moto_aws.routes() == ["10.99.0.0/24"]
    # Its subnets and /30s are free again, and the audit log says what went.
    assert not Allocation.objects.filter(request=approved).exists()
    assert not InsideAllocation.objects.filter(tunnel__vpn__site__request=approved).exists()
    (entry,) = AuditEntry.objects.filter(
        action=AuditAction.AWS_CHANGE, detail__startswith="Deleted"
    )
    assert connection.vpn_connection_id in entry.detail


def test_a_tgw_site_gets_a_peering_attachment_then_routes_once_accepted(
    moto_aws, organisation, client_user, thredd_engineer, django_capture_on_commit_callbacks
):
    document = valid_tgw_document()
    document["environment"] = "uat"
    document["sites"][0]["attachments"] = [{"services": ["web_services", "ehi", "portal"]}]
    document["sites"][0]["tgw"] = {
        "tgw_id": CLIENT_TGW,
        "aws_account_id": CLIENT_ACCOUNT,
        "region": CLIENT_REGION,
    }
    # The client's account and region in moto, from which they accept the attachment.
    client_side = boto3.client("ec2", region_name=CLIENT_REGION)
    client_side.describe_transit_gateways()
    approved = _approved(
        organisation,
        client_user,
        thredd_engineer,
        django_capture_on_commit_callbacks,
        **{key: document[key] for key in ("environment", "connection_type", "services", "sites")},
    )

    peering = AwsPeeringAttachment.objects.get(site__request=approved)
    assert peering.status == AwsStatus.PROVISIONING  # waiting for the client to accept
    assert peering.state == "pendingAcceptance"
    (sent,) = moto_aws.sent["CreateTransitGatewayPeeringAttachment"]
    assert (sent["PeerTransitGatewayId"], sent["PeerAccountId"], sent["PeerRegion"]) == (
        CLIENT_TGW,
        CLIENT_ACCOUNT,
        CLIENT_REGION,
    )
    assert moto_aws.routes() == []
    # The client's files are queued at once: they carry the attachment's real ID.
    files = list(Artifact.objects.filter(site=peering.site).order_by("target"))
    assert [artifact.target for artifact in files] == ["tgw_cloudformation", "tgw_terraform"]
    for artifact in files:
        rendered = artifacts.artifact_render(artifact_id=artifact.pk)
        assert rendered.status == "ready", rendered.failure_reason
        assert peering.attachment_id in "".join(
            text for _, text in artifacts.unpack(rendered.content)
        )

    # The client accepts in their account; the poll then adds Thredd's routes.
    client_side.accept_transit_gateway_peering_attachment(
        TransitGatewayAttachmentId=peering.attachment_id
    )
    assert aws.peering_attachments_poll() == 1
    peering.refresh_from_db()
    assert (peering.status, peering.state) == (AwsStatus.READY, "available")
    assert moto_aws.routes() == ["10.20.30.0/24"]
    assert ThreddSettings.objects.get(environment="uat").aws_region == REGION


def test_without_aws_provisioning_an_engineer_records_the_values(
    moto_aws, settings, approve, thredd_engineer
):
    settings.AWS_PROVISIONING = False

    approved = approve(sites=_static_site())

    connection = AwsVpnConnection.objects.get(vpn__site__request=approved)
    assert connection.status == AwsStatus.AWAITING_VALUES
    assert moto_aws.live("vpn_connections") == []
    assert not Artifact.objects.filter(vpn=connection.vpn).exists()

    recorded = aws.vpn_connection_record(
        connection=connection,
        actor=thredd_engineer,
        vpn_connection_id="vpn-0123456789abcdef0",
        outside_ips=["35.178.1.10", "35.178.2.20"],
    )
    assert recorded.status == AwsStatus.READY
    assert not recorded.made_by_portal
    assert list(
        Tunnel.objects.filter(vpn=connection.vpn).values_list("thredd_outside_ip", flat=True)
    ) == ["35.178.1.10", "35.178.2.20"]
    assert Artifact.objects.filter(vpn=connection.vpn).count() == 1


def test_a_failed_create_is_reported_as_aws_said(moto_aws):
    with pytest.raises(ClientError) as caught:
        moto_aws.ec2.create_vpn_connection(
            CustomerGatewayId="cgw-00000000", Type="ipsec.1", TransitGatewayId="tgw-00000000"
        )
    assert "AWS refused CreateVpnConnection" in aws.aws_refusal(caught.value)


def test_without_credentials_the_reason_says_so(moto_aws, approve, monkeypatch):
    monkeypatch.setattr(
        aws, "ec2_client", lambda region: _no_credentials_client(monkeypatch, region)
    )
    connection = AwsVpnConnection.objects.get(vpn__site__request=approve(sites=_static_site()))
    assert connection.status == AwsStatus.FAILED
    assert "no usable AWS credentials" in connection.failure_reason


def _no_credentials_client(monkeypatch, region):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return boto3.session.Session().client("ec2", region_name=region)
