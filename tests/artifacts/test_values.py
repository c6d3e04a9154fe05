"""Tunnel values on approval: PSKs generated or kept, inside /30s unique on the transit gateway."""

import copy
import threading
from ipaddress import IPv4Network

import pytest
from django.db import connection, connections, transaction

from connectivity import constants as limits
from connectivity.choices import RequestStatus
from connectivity.models import ConnectivityRequest, InsideAllocation, Tunnel
from connectivity.rules import check_psk
from connectivity.services import allocation, workflow
from connectivity.services.allocation import AllocationConflict
from tests.documents import TUNNEL_PSK, request_document

from .conftest import approve, three_vpns


def _tunnels(connectivity_request) -> list[Tunnel]:
    return list(
        Tunnel.objects.filter(vpn__site__request=connectivity_request)
        .select_related("inside_allocation")
        .order_by("vpn__site__position", "vpn__position", "number")
    )


def _with_inside_cidr(inside_cidr: str) -> list[dict]:
    sites = request_document()["sites"]
    sites[0]["vpns"][0]["tunnels"] = [{"inside_cidr": inside_cidr}]
    return sites


def test_every_tunnel_gets_a_psk_and_its_own_inside_cidr(approved_request):
    connectivity_request = approved_request(sites=three_vpns())

    tunnels = _tunnels(connectivity_request)
    assert [tunnel.number for tunnel in tunnels] == [1, 2] * 3
    for tunnel in tunnels:
        assert len(tunnel.psk) == 32
        assert check_psk(tunnel.psk, "psk") == []
        assert tunnel.inside_cidr.prefixlen == 30
        assert tunnel.inside_cidr.subnet_of(limits.INSIDE_CIDR_RANGE)
        assert tunnel.inside_cidr not in limits.RESERVED_INSIDE_CIDRS
        allocation = tunnel.inside_allocation
        assert allocation.environment == "uat"
        assert allocation.network == tunnel.inside_cidr
    # AWS's rule: no two tunnels on the transit gateway share a /30.
    assert len({tunnel.inside_cidr for tunnel in tunnels}) == len(tunnels)
    assert len({tunnel.psk for tunnel in tunnels}) == len(tunnels)


def test_a_psk_the_client_chose_is_kept(approved_request):
    first, second = _tunnels(approved_request())

    assert first.psk == TUNNEL_PSK
    assert second.psk != TUNNEL_PSK
    assert check_psk(second.psk, "psk") == []


def test_inside_cidrs_are_unique_on_the_transit_gateway_across_requests(approved_request):
    one = approved_request()
    two = approved_request()

    cidrs = set(InsideAllocation.objects.filter(environment="uat").values_list("network"))
    assert len(cidrs) == 4
    assert not {t.inside_cidr for t in _tunnels(one)} & {t.inside_cidr for t in _tunnels(two)}


def test_assigning_again_changes_nothing(approved_request):
    connectivity_request = approved_request(sites=three_vpns())
    before = [(t.pk, t.psk, t.inside_cidr) for t in _tunnels(connectivity_request)]

    allocation.tunnel_values_assign(request=connectivity_request)

    assert [(t.pk, t.psk, t.inside_cidr) for t in _tunnels(connectivity_request)] == before
    assert InsideAllocation.objects.count() == len(before)


def test_a_chosen_inside_cidr_taken_on_the_transit_gateway_stops_the_approval(
    approved_request, in_review, thredd_engineer
):
    taken = approved_request()
    (network, *_) = [t.inside_cidr for t in _tunnels(taken) if t.number == 1]
    clash = in_review(sites=_with_inside_cidr(str(network)))

    with pytest.raises(AllocationConflict, match=f"inside CIDR {network}.*transit gateway"):
        approve(clash, thredd_engineer)

    clash.refresh_from_db()
    assert clash.status == RequestStatus.IN_REVIEW
    assert not InsideAllocation.objects.filter(tunnel__vpn__site__request=clash).exists()
    assert [t.psk for t in _tunnels(clash)] == [None]


def test_an_amendment_keeps_the_values_of_unchanged_vpns_and_takes_over_their_cidrs(
    approved_request, client_user, thredd_engineer
):
    active = approved_request()
    workflow.request_transition("activate", request=active, actor=thredd_engineer)
    old = [(t.psk, t.inside_cidr) for t in _tunnels(active)]
    amendment = workflow.request_transition("start_amendment", request=active, actor=client_user)
    site = amendment.sites.get()
    added = copy.deepcopy(site.vpns.get())
    added.pk, added.position, added.peer_ip = None, 1, "81.2.69.199"
    added.save()
    ConnectivityRequest.objects.filter(pk=amendment.pk).update(status=RequestStatus.IN_REVIEW)

    approve(amendment, thredd_engineer)

    kept, new = _tunnels(amendment)[:2], _tunnels(amendment)[2:]
    assert [(t.psk, t.inside_cidr) for t in kept] == old
    assert [t.inside_allocation.tunnel_id for t in kept] == [t.pk for t in kept]
    assert not InsideAllocation.objects.filter(tunnel__vpn__site__request=active).exists()
    assert len(new) == 2
    assert {t.inside_cidr for t in new}.isdisjoint({cidr for _, cidr in old})


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_never_share_an_inside_cidr(in_review, thredd_uat):
    requests = [in_review(sites=three_vpns()) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors = []

    def assign(connectivity_request):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                allocation.tunnel_values_assign(request=connectivity_request)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT network), count(*) FROM connectivity_insideallocation"
        )
        assert cursor.fetchall() == [(12, 12)]
    for connectivity_request in requests:
        cidrs = [t.inside_cidr for t in _tunnels(connectivity_request)]
        assert len(set(cidrs)) == 6
        assert all(isinstance(cidr, IPv4Network) for cidr in cidrs)
