"""Thredd's AWS side against moto, through real boto3 with botocore's parameter validation.

moto stands in for AWS here (nothing real can be reached). Two things it does not do, and
how the tests make up for them:

- It neither keeps nor echoes a VPN connection's tunnel options, nor invents tunnel outside
  addresses. `Aws.sent` records what boto3 sends (a `provide-client-params` hook, so the
  tests assert the portal's exact TunnelOptions), and an `after-call` hook gives each new VPN
  connection two outside addresses of its own, in `Options.TunnelOptions`, where AWS puts
  them.
- It has no tunnel telemetry: the poller's tests answer `DescribeVpnConnections` with
  botocore's Stubber.
"""

import itertools
from dataclasses import dataclass, field

import boto3
import pytest
from moto import mock_aws

from connectivity.models import ServiceRange, ThreddSettings
from connectivity.services import aws
from tests.configgen.conftest import DATA

REGION = "eu-west-2"
CLIENT_TGW = "tgw-0123456789abcdef0"
# moto's own account: the client accepts from it, in its region.
CLIENT_ACCOUNT = "123456789012"
CLIENT_REGION = "eu-west-1"
SERVICE_RANGES = {
    "web_services": "10.240.1.0/24",
    "ehi": "10.240.2.0/24",
    "portal": "10.240.3.0/24",
}


@dataclass
class Aws:
    """moto's EC2 as the portal's client sees it, with what the portal sent and what exists."""

    ec2: object
    transit_gateway_id: str
    route_table_id: str
    sent: dict[str, list[dict]] = field(default_factory=dict)
    _addresses: itertools.count = field(default_factory=lambda: itertools.count(1))
    _outside: dict[str, list[str]] = field(default_factory=dict)

    def _record(self, params, model, **kwargs) -> None:
        self.sent.setdefault(model.name, []).append(params)

    def _tunnel_addresses(self, parsed, model, **kwargs) -> None:
        described = parsed.get("VpnConnections") or [parsed.get("VpnConnection") or {}]
        for connection in described:
            if "VpnConnectionId" not in connection:
                continue
            addresses = self._outside.setdefault(
                connection["VpnConnectionId"],
                [f"3.248.{next(self._addresses)}.{n}" for n in (10, 20)],
            )
            connection.setdefault("Options", {})["TunnelOptions"] = [
                {"OutsideIpAddress": address} for address in addresses
            ]

    def live(self, kind: str) -> list[dict]:
        """Return the customer gateways or VPN connections that are not deleted."""
        if kind == "customer_gateways":
            items = self.ec2.describe_customer_gateways()["CustomerGateways"]
        else:
            items = self.ec2.describe_vpn_connections()["VpnConnections"]
        return [item for item in items if item["State"] not in {"deleted", "deleting"}]

    def routes(self) -> list[str]:
        found = self.ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=self.route_table_id,
            Filters=[{"Name": "type", "Values": ["static"]}],
        )["Routes"]
        return sorted(
            route["DestinationCidrBlock"] for route in found if route["State"] != "deleted"
        )


@pytest.fixture
def moto_aws(monkeypatch, settings):
    """Thredd's UAT transit gateway and route table in moto; the portal provisions AWS."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        tgw = ec2.create_transit_gateway(Description="Thredd UAT")["TransitGateway"]
        table = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw["TransitGatewayId"])
        state = Aws(
            ec2=ec2,
            transit_gateway_id=tgw["TransitGatewayId"],
            route_table_id=table["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"],
        )
        ec2.meta.events.register("provide-client-params.ec2.*", state._record)
        ec2.meta.events.register("after-call.ec2.CreateVpnConnection", state._tunnel_addresses)
        ec2.meta.events.register("after-call.ec2.DescribeVpnConnections", state._tunnel_addresses)
        monkeypatch.setattr(aws, "ec2_client", lambda region: ec2)
        settings.AWS_PROVISIONING = True
        thredd = ThreddSettings.objects.create(
            environment="uat",
            aws_account_id="111122223333",
            aws_region=REGION,
            transit_gateway_id=state.transit_gateway_id,
            transit_gateway_route_table_id=state.route_table_id,
            mtls_trust_chain_pem=(DATA / "trust-chain.pem").read_text(),
        )
        for service, network in SERVICE_RANGES.items():
            ServiceRange.objects.create(settings=thredd, service=service, network=network)
        yield state
