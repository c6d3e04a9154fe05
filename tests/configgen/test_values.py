"""Generated PSKs meet AWS's rule; inside /30s skip what is used and what AWS reserves; the
illustrative outside addresses of previews are AWS-like: one per tunnel of every VPN."""

from ipaddress import IPv4Network

import pytest

from connectivity import constants as limits
from connectivity.configgen.values import (
    ILLUSTRATIVE_OUTSIDE_RANGE,
    InsideCidrPool,
    InsideCidrTaken,
    generate_psk,
    illustrative_outside_ips,
    plan_tunnel_values,
)
from connectivity.rules import check_psk
from tests.configgen.conftest import production_site_document, vpn_document


def test_generated_psks_meet_aws_rule_and_differ():
    keys = {generate_psk() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert len(key) == 32
        assert check_psk(key, "psk") == []


def test_first_free_inside_cidr_skips_reserved_and_used():
    first = InsideCidrPool().take()
    assert first == IPv4Network("169.254.0.4/30")
    assert first not in limits.RESERVED_INSIDE_CIDRS
    pool = InsideCidrPool(["169.254.0.4/30", IPv4Network("169.254.0.8/30")])
    assert [pool.take(), pool.take()] == [
        IPv4Network("169.254.0.12/30"),
        IPv4Network("169.254.0.16/30"),
    ]


def test_a_kept_network_is_not_handed_out():
    pool = InsideCidrPool()
    pool.keep(IPv4Network("169.254.0.4/30"))
    assert pool.is_taken(IPv4Network("169.254.0.4/30"))
    assert pool.take() == IPv4Network("169.254.0.8/30")


def test_allocation_never_returns_a_reserved_block():
    pool = InsideCidrPool()
    every = [pool.take() for _ in range(16_000)]
    assert not set(every) & limits.RESERVED_INSIDE_CIDRS
    assert IPv4Network("169.254.1.4/30") in every
    assert len(set(every)) == 16_000


def test_exhausted_range_raises():
    used = list(limits.INSIDE_CIDR_RANGE.subnets(new_prefix=30))
    with pytest.raises(ValueError, match="No free inside /30"):
        InsideCidrPool(used).take()


def test_a_chosen_inside_cidr_used_on_the_transit_gateway_is_refused():
    doc = vpn_document(tunnels=[{"inside_cidr": "169.254.0.8/30", "psk": "client.chosen_1"}])
    with pytest.raises(InsideCidrTaken, match=r"169\.254\.0\.8/30.*transit gateway"):
        plan_tunnel_values(doc, used_inside_cidrs=["169.254.0.8/30"])


def test_plan_keeps_client_choices_and_fills_the_rest():
    doc = vpn_document(tunnels=[{"inside_cidr": "169.254.0.4/30", "psk": "client.chosen_1"}])
    plan = plan_tunnel_values(doc, used_inside_cidrs=["169.254.0.8/30"])
    first, second = plan[0, 0]
    assert first.inside_cidr == "169.254.0.4/30"
    assert first.psk == "client.chosen_1"
    # .4 is the client's and .8 another VPN connection's: the next free /30 is .12.
    assert second.inside_cidr == "169.254.0.12/30"
    assert check_psk(second.psk, "psk") == []
    # AWS gives the outside addresses when it creates the VPN connection, not the planner.
    assert first.thredd_outside_ip == second.thredd_outside_ip == ""


def test_plan_gives_every_tunnel_of_a_request_its_own_inside_cidr():
    """Both VPNs of a site share the client's device: no two of their tunnels share a /30."""
    plan = plan_tunnel_values(production_site_document())
    cidrs = [values.inside_cidr for tunnels in plan.values() for values in tunnels]
    assert len(cidrs) == len(set(cidrs)) == 4


def test_illustrative_outside_addresses_are_one_per_tunnel():
    """As AWS's: every tunnel of every VPN has its own address, none shared in the request."""
    addresses = illustrative_outside_ips(production_site_document())
    assert set(addresses) == {(0, 0), (0, 1)}
    every = [address for pair in addresses.values() for address in pair]
    assert len(every) == len(set(every)) == 4
    assert all(IPv4Network(address).subnet_of(ILLUSTRATIVE_OUTSIDE_RANGE) for address in every)
