"""Generated PSKs meet AWS's rule; inside /30s skip what is used and what AWS reserves."""

from ipaddress import IPv4Network

import pytest

from connectivity import constants as limits
from connectivity.configgen.values import (
    InsideCidrPool,
    InsideCidrTaken,
    generate_psk,
    plan_tunnel_values,
)
from connectivity.rules import check_psk
from tests.configgen.conftest import vpn_document


def test_generated_psks_meet_aws_rule_and_differ():
    keys = {generate_psk() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert len(key) == 32
        assert check_psk(key, "psk") == []


def test_first_free_inside_cidr_skips_reserved_and_used():
    first = InsideCidrPool().take(1)
    assert first == IPv4Network("169.254.0.4/30")
    assert first not in limits.RESERVED_INSIDE_CIDRS
    pool = InsideCidrPool({1: ["169.254.0.4/30", IPv4Network("169.254.0.8/30")]})
    assert [pool.take(1), pool.take(1)] == [
        IPv4Network("169.254.0.12/30"),
        IPv4Network("169.254.0.16/30"),
    ]
    # Each gateway has its own range: gateway 2 still starts at the bottom.
    assert pool.take(2) == IPv4Network("169.254.0.4/30")


def test_a_network_avoided_once_is_not_lost_for_later():
    pool = InsideCidrPool()
    assert pool.take(1, avoiding={IPv4Network("169.254.0.4/30")}) == IPv4Network("169.254.0.8/30")
    assert pool.take(1) == IPv4Network("169.254.0.4/30")


def test_allocation_never_returns_a_reserved_block():
    pool = InsideCidrPool()
    every = [pool.take(1) for _ in range(16_000)]
    assert not set(every) & limits.RESERVED_INSIDE_CIDRS
    assert IPv4Network("169.254.1.4/30") in every
    assert len(set(every)) == 16_000


def test_exhausted_range_raises():
    used = list(limits.INSIDE_CIDR_RANGE.subnets(new_prefix=30))
    with pytest.raises(ValueError, match="No free inside /30"):
        InsideCidrPool({1: used}).take(1)


def test_a_chosen_inside_cidr_taken_on_its_gateway_is_refused():
    doc = vpn_document(tunnels=[{"inside_cidr": "169.254.0.8/30", "psk": "client.chosen_1"}])
    with pytest.raises(InsideCidrTaken, match=r"169\.254\.0\.8/30.*gateway 1"):
        plan_tunnel_values(doc, used_inside_cidrs={1: ["169.254.0.8/30"]})


def test_plan_keeps_client_choices_and_fills_the_rest_per_gateway():
    doc = vpn_document(tunnels=[{"inside_cidr": "169.254.0.4/30", "psk": "client.chosen_1"}])
    plan = plan_tunnel_values(doc, used_inside_cidrs={2: ["169.254.0.4/30", "169.254.0.8/30"]})
    first, second = plan[0, 0]
    assert first.inside_cidr == "169.254.0.4/30"
    assert first.psk == "client.chosen_1"
    # Gateway 2 already uses .4 and .8; the client's .4 is on gateway 1 only.
    assert second.inside_cidr == "169.254.0.12/30"
    assert check_psk(second.psk, "psk") == []


def test_plan_gives_every_tunnel_of_a_request_its_own_inside_cidr():
    """Tunnel 1 and 2 land on different gateways, yet share the client's device: never one /30."""
    plan = plan_tunnel_values(vpn_document())
    cidrs = [values.inside_cidr for tunnels in plan.values() for values in tunnels]
    assert len(cidrs) == len(set(cidrs)) == 2
