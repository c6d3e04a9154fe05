"""Migration 0008 moves a database made with the fixed gateway pair to Thredd's AWS side."""

from ipaddress import IPv4Network

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("connectivity", "0007_waiting_clocks")]
AFTER = [("connectivity", "0008_aws_side")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _approved_vpn(apps, organisation, reference: str, inside: list[str], gateways=(1, 2)):
    request = apps.get_model("connectivity", "ConnectivityRequest").objects.create(
        reference=reference,
        organisation=organisation,
        environment="uat",
        connection_type="ipsec_vpn",
        services=["web_services"],
        status="approved",
    )
    site = apps.get_model("connectivity", "Site").objects.create(
        request=request, name="London DC1", position=0
    )
    vpn = apps.get_model("connectivity", "Vpn").objects.create(
        site=site, position=0, services=["web_services"], peer_ip="81.2.69.160"
    )
    for number, (cidr, gateway) in enumerate(zip(inside, gateways, strict=True), start=1):
        tunnel = apps.get_model("connectivity", "Tunnel").objects.create(
            vpn=vpn, number=number, inside_cidr=IPv4Network(cidr)
        )
        apps.get_model("connectivity", "InsideAllocation").objects.create(
            tunnel=tunnel, environment="uat", gateway_position=gateway, network=IPv4Network(cidr)
        )
    return vpn


@pytest.mark.django_db(transaction=True)
def test_inside_cidrs_become_unique_and_approved_vpns_await_their_aws_values():
    apps = _migrate(BEFORE)
    try:
        organisation = apps.get_model("connectivity", "Organisation").objects.create(
            name="Acme Payments", slug="acme"
        )
        # Unique per gateway, as the old rule allowed: both use .8 and .12, on other gateways.
        first = _approved_vpn(
            apps, organisation, "CR-2026-90001", ["169.254.0.8/30", "169.254.0.12/30"]
        )
        second = _approved_vpn(
            apps, organisation, "CR-2026-90002", ["169.254.0.12/30", "169.254.0.8/30"]
        )

        apps = _migrate(AFTER)

        Tunnel = apps.get_model("connectivity", "Tunnel")
        networks = list(
            apps.get_model("connectivity", "InsideAllocation").objects.values_list(
                "network", flat=True
            )
        )
        assert len(networks) == len(set(networks)) == 4
        kept = Tunnel.objects.filter(vpn_id=first.pk).order_by("number")
        assert [str(t.inside_cidr) for t in kept] == ["169.254.0.8/30", "169.254.0.12/30"]
        moved = Tunnel.objects.filter(vpn_id=second.pk).order_by("number")
        assert {str(t.inside_cidr) for t in moved}.isdisjoint({"169.254.0.8/30", "169.254.0.12/30"})
        for tunnel in moved:
            assert tunnel.inside_allocation.network == tunnel.inside_cidr
        statuses = apps.get_model("connectivity", "AwsVpnConnection").objects.values_list(
            "vpn_id", "status"
        )
        assert sorted(statuses) == [(first.pk, "awaiting"), (second.pk, "awaiting")]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
