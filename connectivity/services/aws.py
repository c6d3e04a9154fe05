"""Thredd's side in AWS: create it on approval, record it by hand, watch it, remove it.

One client VPN is one AWS Site-to-Site VPN connection on the environment's transit gateway
(a customer gateway for the client's address, two tunnels with the portal's inside /30s,
PSKs and the client's algorithms, static routes to the client's subnets); one Transit
Gateway site is one peering attachment from Thredd's transit gateway to the client's
(REFERENCE §7).

Every AWS resource row is an outbox, like a configuration file: approval writes it pending
(`aws_side_create_pending`), a Celery task provisions it after commit, the sweep hands out
again whatever a dead worker left, and a failure keeps AWS's reason for staff, who retry.
Provisioning is a reconciliation, safe to run twice: every resource is tagged with the
request reference, site and VPN, found by those tags before anything is created, and each
ID is committed as soon as AWS gives it, so a retried, duplicated or killed-and-redelivered
task never creates a second customer gateway, VPN connection or route. The portal only ever
deletes what carries its tags and its records.

Without `settings.AWS_PROVISIONING` (and Thredd's AWS settings), an engineer records each
VPN connection's values from the console instead (`vpn_connection_record`).
"""

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from ipaddress import AddressValueError, IPv4Address, IPv4Interface

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from connectivity import tasks
from connectivity.choices import (
    DOWNLOADABLE_STATUSES,
    AwsStatus,
    ConnectionType,
    IkeVersion,
    RequestStatus,
    Routing,
    TunnelState,
)
from connectivity.configgen.context import DPD_DELAY, DPD_RETRIES, tunnel_phase
from connectivity.constants import STATIC_CUSTOMER_GATEWAY_ASN
from connectivity.models import (
    AuditAction,
    AwsPeeringAttachment,
    AwsVpnConnection,
    ConnectivityRequest,
    Site,
    ThreddSettings,
    Tunnel,
    User,
    Vpn,
)
from connectivity.selectors.requests import tunnel_to_document
from connectivity.tasks import AwsUnavailable
from connectivity.validators import validate_tgw_attachment_id, validate_vpn_connection_id

from . import artifacts, notifications
from .audit import audit_record
from .outbox import attempt_started

logger = logging.getLogger(__name__)

# Every resource the portal makes carries these tags; it finds and deletes only those.
MANAGED_BY = ("thredd:managed-by", "thredd-connectivity-portal")
TAG_REQUEST = "thredd:request"
TAG_SITE = "thredd:site"
TAG_VPN = "thredd:vpn"
# How long a resource waits pending or provisioning before the sweep hands it out again:
# longer than the task's own retries take.
PROVISION_AGAIN_AFTER = timedelta(minutes=2)
# Provisioning runs started without finishing before the row is failed for staff to see.
MAX_PROVISION_ATTEMPTS = 5
# AWS's answers that may work on a later try; anything else is a refusal for staff to read.
TRANSIENT_ERRORS = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "Unavailable",
        "IncorrectState",
    }
)
# AWS's DescribeVpnConnections takes at most this many IDs at once.
DESCRIBE_BATCH = 50
IN_PROGRESS = frozenset({AwsStatus.PENDING, AwsStatus.PROVISIONING})


def ec2_client(region: str):
    """Return an EC2 client for `region`: boto3's standard credentials, AWS_ENDPOINT_URL."""
    return boto3.client(
        "ec2", region_name=region, config=Config(retries={"max_attempts": 3, "mode": "standard"})
    )


class AwsMisconfigured(Exception):
    """The portal cannot ask AWS at all (no credentials, no region): staff must act."""


def aws_call(call: Callable, **parameters):
    """Call AWS; turn a transient failure into AwsUnavailable and let a refusal propagate."""
    try:
        return call(**parameters)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in TRANSIENT_ERRORS:
            raise AwsUnavailable(str(exc)) from exc
        raise
    except (NoCredentialsError, PartialCredentialsError, NoRegionError) as exc:
        raise AwsMisconfigured(
            f"The portal has no usable AWS credentials or region ({exc}): give its role or "
            "environment credentials, then retry."
        ) from exc
    except BotoCoreError as exc:  # no endpoint reachable, a connection reset
        raise AwsUnavailable(str(exc)) from exc


def aws_refusal(exc: ClientError) -> str:
    """Say, for staff, what AWS refused and why, in AWS's own words."""
    error = exc.response.get("Error", {})
    operation = getattr(exc, "operation_name", "AWS")
    return f"AWS refused {operation}: {error.get('Code', 'Error')}: {error.get('Message', exc)}"


# --- Approval: the outbox rows -----------------------------------------------------------------


def _thredd_settings(environment: str) -> ThreddSettings:
    return ThreddSettings.objects.get(environment=environment)


def aws_side_create_pending(
    *, request: ConnectivityRequest
) -> list[AwsVpnConnection | AwsPeeringAttachment]:
    """Write Thredd's side of every VPN or TGW site of `request`; return those to provision.

    Call it in the approval transaction and enqueue the provisioning of each returned row
    after commit. Without AWS provisioning the rows wait for an engineer's record. An
    amendment takes over the resources of the revision it amends, VPN by VPN and site by
    site in the same positions, and reconciles them (new customer gateway, routes).
    """
    if request.connection_type == ConnectionType.MTLS:
        return []
    thredd = ThreddSettings.objects.filter(environment=request.environment).first()
    provision = thredd is not None and thredd.aws_ready
    start = AwsStatus.PENDING if provision else AwsStatus.AWAITING_VALUES
    created = []
    for site in request.sites.prefetch_related("vpns"):
        if request.connection_type == ConnectionType.AWS_TGW:
            row = _taken_over(AwsPeeringAttachment, site=site, request=request)
            row = (
                row
                or AwsPeeringAttachment.objects.get_or_create(
                    site=site, defaults={"environment": request.environment, "status": start}
                )[0]
            )
            created.append(row)
            continue
        for vpn in site.vpns.all():
            row = _taken_over(AwsVpnConnection, vpn=vpn, request=request)
            row = (
                row
                or AwsVpnConnection.objects.get_or_create(
                    vpn=vpn, defaults={"environment": request.environment, "status": start}
                )[0]
            )
            created.append(row)
    return [row for row in created if row.status in IN_PROGRESS]


def _taken_over(
    model, *, request: ConnectivityRequest, site: Site | None = None, vpn: Vpn | None = None
):
    """Move the amended revision's resource in the same position to this revision, if any."""
    if request.amends_id is None:
        return None
    if vpn is not None:
        previous = model.objects.filter(
            vpn__site__request_id=request.amends_id,
            vpn__site__position=vpn.site.position,
            vpn__position=vpn.position,
        ).first()
    else:
        previous = model.objects.filter(
            site__request_id=request.amends_id, site__position=site.position
        ).first()
    if previous is None or previous.status in {AwsStatus.DECOMMISSIONED, AwsStatus.DECOMMISSIONING}:
        return None
    if vpn is not None:
        old_tunnels = {
            tunnel.number: tunnel for tunnel in Tunnel.objects.filter(vpn_id=previous.vpn_id)
        }
        previous.vpn = vpn
        for tunnel in vpn.tunnels.all():
            old = old_tunnels.get(tunnel.number)
            if old is not None:
                tunnel.thredd_outside_ip = old.thredd_outside_ip
                tunnel.state, tunnel.state_since = old.state, old.state_since
                tunnel.save(update_fields=["thredd_outside_ip", "state", "state_since"])
    else:
        previous.site = site
    # The portal reconciles what it made (customer gateway, routes); a record stays a record.
    if previous.made_by_portal and previous.status != AwsStatus.AWAITING_VALUES:
        previous.status = AwsStatus.PENDING
        previous.attempts = 0
    previous.save()
    return previous


def aws_enqueue_after_commit(rows: Iterable[AwsVpnConnection | AwsPeeringAttachment]) -> None:
    """Provision each row after the transaction commits (a broker that is down loses none:
    the sweep hands them out)."""
    for row in rows:
        task = (
            tasks.aws_vpn_connection_provision
            if isinstance(row, AwsVpnConnection)
            else tasks.aws_peering_attachment_provision
        )
        transaction.on_commit(partial(task.delay, row.pk), robust=True)


# --- Provisioning a VPN connection -------------------------------------------------------------


def _tags(request: ConnectivityRequest, site: Site, vpn: Vpn | None = None) -> list[dict]:
    tags = [
        {"Key": MANAGED_BY[0], "Value": MANAGED_BY[1]},
        {"Key": TAG_REQUEST, "Value": request.reference},
        {"Key": TAG_SITE, "Value": str(site.position + 1)},
    ]
    name = f"{request.reference} {site.name}"
    if vpn is not None:
        tags.append({"Key": TAG_VPN, "Value": str(vpn.position + 1)})
        name += f" VPN {vpn.position + 1}"
    return [*tags, {"Key": "Name", "Value": name[:255]}]


def _has_tags(resource: dict, tags: list[dict]) -> bool:
    """Say whether `resource` carries every tag of `tags` except Name (ours, for this place)."""
    present = {(tag["Key"], tag["Value"]) for tag in resource.get("Tags", [])}
    return all((tag["Key"], tag["Value"]) in present for tag in tags if tag["Key"] != "Name")


def _tag_filter(tags: list[dict]) -> list[dict]:
    return [
        {"Name": f"tag:{tag['Key']}", "Values": [tag["Value"]]}
        for tag in tags
        if tag["Key"] in {TAG_REQUEST, TAG_SITE, TAG_VPN}
    ]


def _locked(model, pk: int):
    return model.objects.select_for_update(of=("self",)).get(pk=pk)


def _started(model, pk: int):
    """Count a provisioning attempt and commit it before AWS is called; None if not due.

    A worker killed mid-provisioning has still counted its attempt, so a resource that kills
    every worker is failed instead of handed out for ever.
    """
    with transaction.atomic():
        row = _locked(model, pk)
        if row.status not in IN_PROGRESS:
            return None
        if not attempt_started(
            row,
            limit=MAX_PROVISION_ATTEMPTS,
            work="Provisioning",
            cause="a worker died or AWS kept failing",
            fail=_failed,
        ):
            return None
        row.status = AwsStatus.PROVISIONING
        row.save(update_fields=["attempts", "status", "updated_at"])
        return row


def _remember(row, **values) -> None:
    """Commit an ID AWS just gave, so a killed worker's successor finds it."""
    type(row).objects.filter(pk=row.pk).update(**values, updated_at=timezone.now())
    for name, value in values.items():
        setattr(row, name, value)


def _failed(row, reason: str):
    type(row).objects.filter(pk=row.pk).update(
        status=AwsStatus.FAILED, failure_reason=reason, updated_at=timezone.now()
    )
    row.status, row.failure_reason = AwsStatus.FAILED, reason
    logger.warning("AWS resource %s (%s) failed: %s", row.pk, type(row).__name__, reason)
    return row


def _customer_gateway(ec2, vpn: Vpn, tags: list[dict]) -> str:
    """Return our customer gateway for `vpn`'s peer, creating it unless it exists already."""
    found = aws_call(ec2.describe_customer_gateways, Filters=_tag_filter(tags))
    for gateway in found["CustomerGateways"]:
        if (
            _has_tags(gateway, tags)
            and gateway["State"] in {"pending", "available"}
            and gateway.get("IpAddress") == vpn.peer_ip
        ):
            return gateway["CustomerGatewayId"]
    site = vpn.site
    asn = site.bgp_asn if site.routing == Routing.BGP else STATIC_CUSTOMER_GATEWAY_ASN
    created = aws_call(
        ec2.create_customer_gateway,
        BgpAsn=asn,
        PublicIp=vpn.peer_ip,
        Type="ipsec.1",
        TagSpecifications=[{"ResourceType": "customer-gateway", "Tags": tags}],
    )
    return created["CustomerGateway"]["CustomerGatewayId"]


def tunnel_options(vpn: Vpn) -> list[dict]:
    """Return AWS's TunnelOptions for `vpn`: the portal's inside /30s and PSKs, and exactly the
    IKE version, algorithms, DH groups and lifetimes its files configure on the client."""
    ike = "ikev1" if vpn.ike_version == IkeVersion.IKEV1 else "ikev2"
    options = []
    for tunnel in vpn.tunnels.all():
        answers = tunnel_to_document(tunnel)
        phase1, phase2 = tunnel_phase(answers, 1), tunnel_phase(answers, 2)
        options.append(
            {
                "TunnelInsideCidr": str(tunnel.inside_cidr),
                "PreSharedKey": tunnel.psk,
                "IKEVersions": [{"Value": ike}],
                "Phase1EncryptionAlgorithms": [{"Value": value} for value in phase1.encryption],
                "Phase2EncryptionAlgorithms": [{"Value": value} for value in phase2.encryption],
                "Phase1IntegrityAlgorithms": [{"Value": value} for value in phase1.integrity],
                "Phase2IntegrityAlgorithms": [{"Value": value} for value in phase2.integrity],
                "Phase1DHGroupNumbers": [{"Value": group} for group in phase1.dh_groups],
                "Phase2DHGroupNumbers": [{"Value": group} for group in phase2.dh_groups],
                "Phase1LifetimeSeconds": phase1.lifetime,
                "Phase2LifetimeSeconds": phase2.lifetime,
                # AWS's minimum, and what the files' DPD (10 s, 3 tries) adds up to.
                "DPDTimeoutSeconds": DPD_DELAY * DPD_RETRIES,
                "DPDTimeoutAction": "restart",
            }
        )
    return options


def _vpn_connection(ec2, *, vpn: Vpn, thredd: ThreddSettings, customer_gateway_id: str, tags):
    """Return our VPN connection for `vpn` as AWS describes it, creating it unless it exists."""
    found = aws_call(ec2.describe_vpn_connections, Filters=_tag_filter(tags))
    for connection in found["VpnConnections"]:
        if _has_tags(connection, tags) and connection["State"] in {"pending", "available"}:
            return connection
    created = aws_call(
        ec2.create_vpn_connection,
        CustomerGatewayId=customer_gateway_id,
        Type="ipsec.1",
        TransitGatewayId=thredd.transit_gateway_id,
        Options={
            "StaticRoutesOnly": vpn.site.routing != Routing.BGP,
            "TunnelOptions": tunnel_options(vpn),
        },
        TagSpecifications=[{"ResourceType": "vpn-connection", "Tags": tags}],
    )
    return created["VpnConnection"]


def _attachment_of(ec2, vpn_connection_id: str) -> str:
    """Return the transit gateway attachment AWS made for a VPN connection ("" if not yet)."""
    found = aws_call(
        ec2.describe_transit_gateway_attachments,
        Filters=[
            {"Name": "resource-id", "Values": [vpn_connection_id]},
            {"Name": "resource-type", "Values": ["vpn"]},
        ],
    )
    live = [
        attachment["TransitGatewayAttachmentId"]
        for attachment in found["TransitGatewayAttachments"]
        if attachment["State"] not in {"deleting", "deleted", "failed", "rejected"}
    ]
    return live[0] if live else ""


def _outside_ips(connection: dict) -> tuple[str, ...]:
    """Return AWS's outside address of each tunnel, in tunnel order, from its description."""
    options = connection.get("Options", {}).get("TunnelOptions", [])
    addresses = [option.get("OutsideIpAddress", "") for option in options]
    if not all(addresses) or len(addresses) != 2:
        addresses = [
            item.get("OutsideIpAddress", "") for item in connection.get("VgwTelemetry", [])
        ]
    return tuple(addresses)


def _routes_sync(
    ec2, row, *, thredd: ThreddSettings, attachment_id: str, wanted: list[str]
) -> None:
    """Make Thredd's route table send exactly `wanted` to `attachment_id`, route by route.

    Each route is committed as soon as it exists, so a killed worker's successor neither
    adds it twice nor forgets to remove it. Only routes the portal recorded are removed.
    """
    for cidr in wanted:
        if cidr in row.routes:
            continue
        existing = aws_call(
            ec2.search_transit_gateway_routes,
            TransitGatewayRouteTableId=thredd.transit_gateway_route_table_id,
            Filters=[
                {"Name": "route-search.exact-match", "Values": [cidr]},
                {"Name": "type", "Values": ["static"]},
            ],
        )["Routes"]
        ours = [
            route
            for route in existing
            if route.get("State") != "deleted"
            and all(
                item.get("TransitGatewayAttachmentId") == attachment_id
                for item in route.get("TransitGatewayAttachments", [])
            )
        ]
        if not ours:
            aws_call(
                ec2.create_transit_gateway_route,
                DestinationCidrBlock=cidr,
                TransitGatewayRouteTableId=thredd.transit_gateway_route_table_id,
                TransitGatewayAttachmentId=attachment_id,
            )
        _remember(row, routes=[*row.routes, cidr])
    for cidr in [cidr for cidr in row.routes if cidr not in wanted]:
        _route_delete(ec2, thredd, cidr)
        _remember(row, routes=[route for route in row.routes if route != cidr])


def _route_delete(ec2, thredd: ThreddSettings, cidr: str) -> None:
    try:
        aws_call(
            ec2.delete_transit_gateway_route,
            TransitGatewayRouteTableId=thredd.transit_gateway_route_table_id,
            DestinationCidrBlock=cidr,
        )
    except ClientError as exc:
        if "NotFound" not in exc.response.get("Error", {}).get("Code", ""):
            raise


def _client_subnets(site: Site) -> list[str]:
    return [str(subnet.network) for subnet in site.subnets.all()]


def vpn_connection_provision(*, connection_id: int) -> AwsVpnConnection:
    """Create (or find) Thredd's side of one client VPN in AWS and mark it ready.

    Customer gateway, VPN connection with the portal's tunnel options on the environment's
    transit gateway, its attachment, and for a static site a route per client subnet; then
    AWS's two outside addresses go on the tunnels and the VPN's files are queued. An
    amendment's taken-over connection gets a new customer gateway when the client's address
    changed, and its routes follow the subnets. A refusal fails the row with AWS's reason;
    AWS being unavailable raises AwsUnavailable for the task to retry.
    """
    connection = _started(AwsVpnConnection, connection_id)
    if connection is None:
        return AwsVpnConnection.objects.get(pk=connection_id)
    vpn = (
        Vpn.objects.select_related("site__request")
        .prefetch_related("tunnels", "site__subnets")
        .get(pk=connection.vpn_id)
    )
    request = vpn.site.request
    thredd = _thredd_settings(request.environment)
    ec2 = ec2_client(thredd.aws_region)
    tags = _tags(request, vpn.site, vpn)
    try:
        gateway_id = _customer_gateway(ec2, vpn, tags)
        if connection.vpn_connection_id and gateway_id != connection.customer_gateway_id:
            # The client's address changed in an amendment: move the connection over.
            aws_call(
                ec2.modify_vpn_connection,
                VpnConnectionId=connection.vpn_connection_id,
                CustomerGatewayId=gateway_id,
            )
            _customer_gateway_delete(ec2, connection.customer_gateway_id)
        _remember(connection, customer_gateway_id=gateway_id)
        if connection.vpn_connection_id:
            described = aws_call(
                ec2.describe_vpn_connections, VpnConnectionIds=[connection.vpn_connection_id]
            )["VpnConnections"][0]
        else:
            described = _vpn_connection(
                ec2, vpn=vpn, thredd=thredd, customer_gateway_id=gateway_id, tags=tags
            )
        _remember(connection, vpn_connection_id=described["VpnConnectionId"])
        outside = _outside_ips(described)
        if len(set(outside)) != 2 or not all(outside):
            return _failed(
                connection,
                f"AWS gave no two distinct tunnel outside addresses for "
                f"{described['VpnConnectionId']} (got {', '.join(outside) or 'none'}).",
            )
        attachment_id = _attachment_of(ec2, described["VpnConnectionId"])
        if not attachment_id:
            raise AwsUnavailable("The transit gateway attachment is not there yet.")
        _remember(connection, transit_gateway_attachment_id=attachment_id)
        wanted = _client_subnets(vpn.site) if vpn.site.routing == Routing.STATIC else []
        _routes_sync(ec2, connection, thredd=thredd, attachment_id=attachment_id, wanted=wanted)
    except ClientError as exc:
        return _failed(connection, aws_refusal(exc))
    except AwsMisconfigured as exc:
        return _failed(connection, str(exc))
    return _vpn_ready(connection, vpn=vpn, outside_ips=outside)


def _vpn_ready(
    connection: AwsVpnConnection,
    *,
    vpn: Vpn,
    outside_ips: tuple[str, ...],
    actor: User | None = None,
) -> AwsVpnConnection:
    """Put AWS's outside addresses on the tunnels, mark the connection ready, queue the files."""
    with transaction.atomic():
        connection = _locked(AwsVpnConnection, connection.pk)
        for tunnel, address in zip(vpn.tunnels.all(), outside_ips, strict=True):
            tunnel.thredd_outside_ip = address
            tunnel.save(update_fields=["thredd_outside_ip"])
        connection.status = AwsStatus.READY
        connection.failure_reason = ""
        connection.recorded_by = actor
        connection.save()
        artifacts.artifacts_refresh(request=vpn.site.request, vpn=vpn)
        audit_record(
            action=AuditAction.AWS_CHANGE,
            actor=actor,
            obj=vpn.site.request,
            detail=f"VPN {vpn.position + 1} at {vpn.site.name}: {connection.vpn_connection_id} "
            f"ready, tunnels {' and '.join(outside_ips)}"
            + (" (recorded by an engineer)" if actor else ""),
        )
    logger.info("AWS VPN connection %s is ready", connection.vpn_connection_id)
    return connection


def _customer_gateway_delete(ec2, gateway_id: str) -> None:
    if not gateway_id:
        return
    try:
        aws_call(ec2.delete_customer_gateway, CustomerGatewayId=gateway_id)
    except ClientError as exc:
        if "NotFound" not in exc.response.get("Error", {}).get("Code", ""):
            raise


# --- Provisioning a peering attachment ---------------------------------------------------------


def peering_attachment_provision(*, attachment_id: int) -> AwsPeeringAttachment:
    """Create (or find) the peering attachment to a client's transit gateway.

    The client's TGW files are queued at once, since they carry the attachment's ID; the
    routes follow once the client has accepted it (`peering_attachments_poll`).
    """
    peering = _started(AwsPeeringAttachment, attachment_id)
    if peering is None:
        return AwsPeeringAttachment.objects.get(pk=attachment_id)
    site = (
        Site.objects.select_related("request").prefetch_related("subnets").get(pk=peering.site_id)
    )
    thredd = _thredd_settings(site.request.environment)
    ec2 = ec2_client(thredd.aws_region)
    tags = _tags(site.request, site)
    try:
        found = [
            item
            for item in aws_call(
                ec2.describe_transit_gateway_peering_attachments, Filters=_tag_filter(tags)
            )["TransitGatewayPeeringAttachments"]
            if _has_tags(item, tags)
            and item["State"] not in {"deleting", "deleted", "rejected", "failed"}
        ]
        described = (
            found[0]
            if found
            else aws_call(
                ec2.create_transit_gateway_peering_attachment,
                TransitGatewayId=thredd.transit_gateway_id,
                PeerTransitGatewayId=site.tgw_id,
                PeerAccountId=site.aws_account_id,
                PeerRegion=site.aws_region,
                TagSpecifications=[{"ResourceType": "transit-gateway-attachment", "Tags": tags}],
            )["TransitGatewayPeeringAttachment"]
        )
        _remember(
            peering, attachment_id=described["TransitGatewayAttachmentId"], state=described["State"]
        )
        if described["State"] == "available":
            _routes_sync(
                ec2,
                peering,
                thredd=thredd,
                attachment_id=peering.attachment_id,
                wanted=_client_subnets(site),
            )
    except ClientError as exc:
        return _failed(peering, aws_refusal(exc))
    except AwsMisconfigured as exc:
        return _failed(peering, str(exc))
    with transaction.atomic():
        peering = _locked(AwsPeeringAttachment, peering.pk)
        peering.status = AwsStatus.READY if peering.state == "available" else AwsStatus.PROVISIONING
        peering.failure_reason = ""
        peering.save()
        artifacts.artifacts_refresh(request=site.request, site=site)
    return peering


def peering_attachments_poll() -> int:
    """Ask AWS about every peering attachment waiting for the client's acceptance; once
    available, add Thredd's routes and mark it ready. Return how many became ready."""
    ready = 0
    waiting = AwsPeeringAttachment.objects.filter(
        status=AwsStatus.PROVISIONING, state="pendingAcceptance"
    ).select_related("site__request")
    for peering in waiting:
        thredd = _thredd_settings(peering.environment)
        ec2 = ec2_client(thredd.aws_region)
        described = aws_call(
            ec2.describe_transit_gateway_peering_attachments,
            TransitGatewayAttachmentIds=[peering.attachment_id],
        )["TransitGatewayPeeringAttachments"]
        state = described[0]["State"] if described else "deleted"
        _remember(peering, state=state)
        if state == "available":
            AwsPeeringAttachment.objects.filter(pk=peering.pk).update(status=AwsStatus.PENDING)
            ready += (
                peering_attachment_provision(attachment_id=peering.pk).status == AwsStatus.READY
            )
    return ready


# --- The sweep and staff's retry ---------------------------------------------------------------


def aws_due() -> list[tuple[str, int]]:
    """Return (kind, id) of every resource pending or provisioning for longer than a run takes.

    Their task was never handed to a worker (the broker was down at approval) or their
    worker died; provisioning is idempotent, so handing one out twice is harmless. A peering
    attachment waiting for the client's acceptance is the poll's, not the sweep's.
    """
    cutoff = timezone.now() - PROVISION_AGAIN_AFTER
    vpns = AwsVpnConnection.objects.filter(status__in=IN_PROGRESS, updated_at__lt=cutoff)
    peerings = AwsPeeringAttachment.objects.filter(
        status__in=IN_PROGRESS, updated_at__lt=cutoff
    ).exclude(state="pendingAcceptance")
    return [("vpn", pk) for pk in vpns.values_list("pk", flat=True)] + [
        ("peering", pk) for pk in peerings.values_list("pk", flat=True)
    ]


def aws_retry(*, row: AwsVpnConnection | AwsPeeringAttachment, actor: User):
    """Put a failed resource back to pending and provision it again after commit (engineers)."""
    if not actor.is_engineer:
        raise PermissionDenied("Only Thredd engineers can retry Thredd's AWS side.")
    with transaction.atomic():
        locked = _locked(type(row), row.pk)
        if locked.status != AwsStatus.FAILED:
            return locked
        locked.status = AwsStatus.PENDING
        locked.failure_reason = ""
        locked.attempts = 0
        locked.save()
        aws_enqueue_after_commit([locked])
    return locked


# --- Recording by hand (no AWS access from the portal) ----------------------------------------


@dataclass(frozen=True, slots=True)
class GenericConfiguration:
    """What the portal reads from the "Generic" configuration text AWS's console downloads."""

    vpn_connection_id: str
    outside_ips: tuple[str, ...]
    inside_cidrs: tuple[str, ...]
    psks: tuple[str, ...]


_TUNNEL_HEADING = re.compile(r"^\s*IPSec Tunnel #(\d)\s*$", re.MULTILINE)
_VPN_CONNECTION_ID = re.compile(r"Your VPN Connection ID\s*:\s*(vpn-[0-9a-f]+)")
_AWS_SIDE = r"(?:Virtual Private Gateway|Transit Gateway)"
_OUTSIDE = re.compile(rf"Outside IP Addresses:.*?-\s*{_AWS_SIDE}\s*:\s*([0-9.]+)", re.DOTALL)
_INSIDE = re.compile(rf"Inside IP Addresses.*?-\s*{_AWS_SIDE}\s*:\s*([0-9./]+)", re.DOTALL)
_PSK = re.compile(r"Pre-Shared Key\s*:\s*(\S+)")


def generic_configuration_parse(text: str) -> GenericConfiguration:
    """Read the VPN connection ID and each tunnel's AWS addresses and PSK from AWS's Generic
    configuration text. Raises ValidationError saying what is missing."""
    connection = _VPN_CONNECTION_ID.search(text)
    blocks = _TUNNEL_HEADING.split(text)[1:]  # number, body, number, body
    tunnels = dict(zip(blocks[::2], blocks[1::2], strict=True))
    if connection is None or set(tunnels) != {"1", "2"}:
        raise ValidationError(
            "This is not AWS's Generic configuration of a VPN connection: it needs "
            '"Your VPN Connection ID" and the sections "IPSec Tunnel #1" and "#2".',
            code="generic_configuration_invalid",
        )
    found = {}
    for name, pattern in (("outside", _OUTSIDE), ("inside", _INSIDE), ("psk", _PSK)):
        values = [pattern.search(tunnels[number]) for number in ("1", "2")]
        if not all(values):
            raise ValidationError(
                f"The tunnels' {name} values are missing from the configuration text.",
                code="generic_configuration_invalid",
            )
        found[name] = tuple(match.group(1) for match in values)
    inside = tuple(str(IPv4Interface(address).network) for address in found["inside"])
    return GenericConfiguration(connection.group(1), found["outside"], inside, found["psk"])


def _checked_outside_ips(addresses: Iterable[str]) -> tuple[str, str]:
    """Refuse two outside addresses that are not two distinct public IPv4 addresses."""
    checked = []
    for address in addresses:
        try:
            parsed = IPv4Address(address.strip())
        except AddressValueError:
            raise ValidationError(
                f"{address!r} is not an IPv4 address: copy it from the VPN connection's "
                "Tunnel details in AWS's console.",
                code="outside_ip_invalid",
            ) from None
        checked.append(str(parsed))
    if len(checked) != 2 or len(set(checked)) != 2:
        raise ValidationError(
            "AWS gives each of the two tunnels its own outside address: enter both.",
            code="outside_ip_invalid",
        )
    return checked[0], checked[1]


def vpn_connection_record(
    *,
    connection: AwsVpnConnection,
    actor: User,
    vpn_connection_id: str,
    outside_ips: Iterable[str],
    generic: GenericConfiguration | None = None,
) -> AwsVpnConnection:
    """Record Thredd's side of a VPN made in AWS's console, and queue the VPN's files.

    For when the portal does not provision AWS itself. `generic`, when the engineer pasted
    AWS's configuration text, must agree with the portal's inside /30s and PSKs (the
    connection must have been made with them), or the client's files would not match AWS.
    """
    if not actor.is_engineer:
        raise PermissionDenied("Only Thredd engineers can record Thredd's AWS side.")
    validate_vpn_connection_id(vpn_connection_id)
    outside = _checked_outside_ips(outside_ips)
    vpn = (
        Vpn.objects.select_related("site__request")
        .prefetch_related("tunnels")
        .get(pk=connection.vpn_id)
    )
    if vpn.site.request.status not in DOWNLOADABLE_STATUSES:
        raise ValidationError("Thredd's AWS side is recorded once the request is approved.")
    if generic is not None:
        tunnels = list(vpn.tunnels.all())
        if [str(tunnel.inside_cidr) for tunnel in tunnels] != list(generic.inside_cidrs) or [
            tunnel.psk for tunnel in tunnels
        ] != list(generic.psks):
            raise ValidationError(
                "The configuration's inside CIDRs or pre-shared keys are not the portal's: "
                "make the VPN connection with the values shown on this page, then paste its "
                "configuration again.",
                code="generic_configuration_mismatch",
            )
    others = Tunnel.objects.filter(thredd_outside_ip__in=outside).exclude(vpn=vpn)
    if others.exists():
        raise ValidationError(
            "Another VPN connection already has one of these outside addresses: check you "
            "copied this connection's.",
            code="outside_ip_invalid",
        )
    connection.vpn_connection_id = vpn_connection_id
    connection.save(update_fields=["vpn_connection_id", "updated_at"])
    return _vpn_ready(connection, vpn=vpn, outside_ips=outside, actor=actor)


def peering_attachment_record(
    *, peering: AwsPeeringAttachment, actor: User, attachment_id: str
) -> AwsPeeringAttachment:
    """Record the peering attachment an engineer made in AWS's console; queue the TGW files."""
    if not actor.is_engineer:
        raise PermissionDenied("Only Thredd engineers can record Thredd's AWS side.")
    validate_tgw_attachment_id(attachment_id)
    site = Site.objects.select_related("request").get(pk=peering.site_id)
    with transaction.atomic():
        peering = _locked(AwsPeeringAttachment, peering.pk)
        peering.attachment_id = attachment_id
        peering.status = AwsStatus.READY
        peering.recorded_by = actor
        peering.failure_reason = ""
        peering.save()
        artifacts.artifacts_refresh(request=site.request, site=site)
        audit_record(
            action=AuditAction.AWS_CHANGE,
            actor=actor,
            obj=site.request,
            detail=f"Peering attachment {attachment_id} of {site.name} recorded.",
        )
    return peering


# --- Decommission ------------------------------------------------------------------------------


def aws_side_retire(*, request: ConnectivityRequest) -> list:
    """Mark Thredd's side of a retired request for removal; return the rows to decommission.

    Call it in the transaction that retires the request and enqueue each returned row's
    decommission after commit. A resource an engineer recorded by hand is the engineer's to
    delete in the console: it is marked removed here, and the audit log says so.
    """
    rows = [
        *AwsVpnConnection.objects.filter(vpn__site__request=request),
        *AwsPeeringAttachment.objects.filter(site__request=request),
    ]
    due = []
    for row in rows:
        made = (
            row.customer_gateway_id or row.vpn_connection_id
            if isinstance(row, AwsVpnConnection)
            else row.attachment_id
        )
        if row.made_by_portal and (made or row.routes):
            row.status = AwsStatus.DECOMMISSIONING
            due.append(row)
        else:
            row.status = AwsStatus.DECOMMISSIONED
        row.save(update_fields=["status", "updated_at"])
    for row in due:
        task = (
            tasks.aws_vpn_connection_decommission
            if isinstance(row, AwsVpnConnection)
            else tasks.aws_peering_attachment_decommission
        )
        transaction.on_commit(partial(task.delay, row.pk), robust=True)
    return due


def vpn_connection_decommission(*, connection_id: int) -> AwsVpnConnection:
    """Delete what the portal made for one VPN: its routes, VPN connection, customer gateway."""
    connection = AwsVpnConnection.objects.select_related("vpn__site__request").get(pk=connection_id)
    if connection.status != AwsStatus.DECOMMISSIONING:
        return connection
    thredd = _thredd_settings(connection.environment)
    ec2 = ec2_client(thredd.aws_region)
    try:
        for cidr in list(connection.routes):
            _route_delete(ec2, thredd, cidr)
            _remember(connection, routes=[route for route in connection.routes if route != cidr])
        if connection.vpn_connection_id:
            try:
                aws_call(ec2.delete_vpn_connection, VpnConnectionId=connection.vpn_connection_id)
            except ClientError as exc:
                if "NotFound" not in exc.response.get("Error", {}).get("Code", ""):
                    raise
        _customer_gateway_delete(ec2, connection.customer_gateway_id)
    except ClientError as exc:
        return _failed(connection, aws_refusal(exc))
    return _decommissioned(connection, "VPN connection", connection.vpn_connection_id)


def peering_attachment_decommission(*, attachment_id: int) -> AwsPeeringAttachment:
    """Delete what the portal made for one TGW site: its routes and the peering attachment."""
    peering = AwsPeeringAttachment.objects.select_related("site__request").get(pk=attachment_id)
    if peering.status != AwsStatus.DECOMMISSIONING:
        return peering
    thredd = _thredd_settings(peering.environment)
    ec2 = ec2_client(thredd.aws_region)
    try:
        for cidr in list(peering.routes):
            _route_delete(ec2, thredd, cidr)
            _remember(peering, routes=[route for route in peering.routes if route != cidr])
        if peering.attachment_id:
            try:
                aws_call(
                    ec2.delete_transit_gateway_peering_attachment,
                    TransitGatewayAttachmentId=peering.attachment_id,
                )
            except ClientError as exc:
                if "NotFound" not in exc.response.get("Error", {}).get("Code", ""):
                    raise
    except ClientError as exc:
        return _failed(peering, aws_refusal(exc))
    return _decommissioned(peering, "peering attachment", peering.attachment_id)


def _decommissioned(row, noun: str, resource_id: str):
    with transaction.atomic():
        row.status = AwsStatus.DECOMMISSIONED
        row.save(update_fields=["status", "updated_at"])
        request = row.vpn.site.request if isinstance(row, AwsVpnConnection) else row.site.request
        audit_record(
            action=AuditAction.AWS_CHANGE,
            actor=None,
            obj=request,
            detail=f"Deleted the {noun} {resource_id or '(never created)'} and its routes.",
        )
    return row


# --- Telemetry and go-live ---------------------------------------------------------------------


def telemetry_poll() -> int:
    """Read each live VPN connection's tunnel states from AWS; return how many tunnels changed.

    `DescribeVpnConnections` gives `VgwTelemetry` per tunnel (UP or DOWN, since when, why),
    matched to the tunnel by its outside address. Then mails any tunnel down too long.
    """
    changed = 0
    live = (
        AwsVpnConnection.objects.filter(
            status=AwsStatus.READY,
            vpn__site__request__status__in=DOWNLOADABLE_STATUSES,
        )
        .exclude(vpn_connection_id="")
        .select_related("vpn")
    )
    by_environment: dict[str, list[AwsVpnConnection]] = {}
    for connection in live:
        by_environment.setdefault(connection.environment, []).append(connection)
    for environment, connections in by_environment.items():
        thredd = _thredd_settings(environment)
        if not thredd.aws_ready:
            continue
        ec2 = ec2_client(thredd.aws_region)
        for start in range(0, len(connections), DESCRIBE_BATCH):
            batch = {c.vpn_connection_id: c for c in connections[start : start + DESCRIBE_BATCH]}
            described = aws_call(ec2.describe_vpn_connections, VpnConnectionIds=list(batch))
            for item in described["VpnConnections"]:
                changed += _telemetry_record(
                    batch[item["VpnConnectionId"]], item.get("VgwTelemetry", [])
                )
    tunnel_down_alerts()
    return changed


def _telemetry_record(connection: AwsVpnConnection, telemetry: list[dict]) -> int:
    """Store what AWS says of each tunnel of `connection`; return how many changed state."""
    changed = 0
    now = timezone.now()
    tunnels = {tunnel.thredd_outside_ip: tunnel for tunnel in connection.vpn.tunnels.all()}
    for item in telemetry:
        tunnel = tunnels.get(item.get("OutsideIpAddress"))
        if tunnel is None:
            continue
        state = item.get("Status", "")
        since = item.get("LastStatusChange") or now
        if state != tunnel.state:
            changed += 1
            if state != TunnelState.DOWN:
                tunnel.down_alerted_at = None  # the next down spell is news again
        tunnel.state, tunnel.state_since = state, since  # AWS's own time of the last change
        tunnel.state_detail = (item.get("StatusMessage") or "")[:200]
        tunnel.save(update_fields=["state", "state_since", "state_detail", "down_alerted_at"])
    AwsVpnConnection.objects.filter(pk=connection.pk).update(telemetry_checked_at=now)
    return changed


def tunnel_down_alerts() -> int:
    """Mail the client's technical contacts and Thredd about every tunnel of an active
    connection down for longer than `TUNNEL_DOWN_ALERT_AFTER`: once per down spell."""
    cutoff = timezone.now() - settings.TUNNEL_DOWN_ALERT_AFTER
    down = Tunnel.objects.filter(
        state=TunnelState.DOWN,
        state_since__lte=cutoff,
        down_alerted_at__isnull=True,
        vpn__site__request__status=RequestStatus.ACTIVE,
    ).select_related("vpn__site__request")
    sent = 0
    for tunnel in down:
        with transaction.atomic():
            locked = Tunnel.objects.select_for_update().get(pk=tunnel.pk)
            if locked.down_alerted_at is not None or locked.state != TunnelState.DOWN:
                continue
            emails = notifications.tunnel_down_emails_create(tunnel=locked)
            locked.down_alerted_at = timezone.now()
            locked.save(update_fields=["down_alerted_at"])
            notifications.emails_send_after_commit(emails)
            sent += 1
    return sent


def tunnels_seen(request: ConnectivityRequest) -> str:
    """Say what telemetry shows of every tunnel of `request`, for the activation's record."""
    lines = []
    for vpn in (
        Vpn.objects.filter(site__request=request).select_related("site").prefetch_related("tunnels")
    ):
        states = ", ".join(
            f"tunnel {tunnel.number} {tunnel.state or 'not known'}"
            + (f" since {tunnel.state_since:%Y-%m-%d %H:%M} UTC" if tunnel.state_since else "")
            for tunnel in vpn.tunnels.all()
        )
        lines.append(f"VPN {vpn.position + 1} at {vpn.site.name}: {states}.")
    return "\n".join(lines)
