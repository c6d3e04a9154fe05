"""The availability panel: free, reserved, another organisation's, this request's; suggestions."""

from ipaddress import IPv4Network

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectivity.choices import Environment
from connectivity.document import parse_document
from connectivity.models import (
    Allocation,
    ConnectivityRequest,
    ReservedRange,
    ServiceRange,
    Site,
    ThreddSettings,
    Tunnel,
    Vpn,
)
from connectivity.selectors.availability import next_free_network, request_availability
from connectivity.services.drafts import document_load
from tests.documents import valid_vpn_document

pytestmark = pytest.mark.django_db


def _request(organisation, subnets: list[str], environment="uat") -> ConnectivityRequest:
    data = valid_vpn_document()
    data["environment"] = environment
    data["sites"][0]["subnets"] = [{"cidr": cidr, "purpose": "ehi"} for cidr in subnets]
    doc, _ = parse_document(data)
    return document_load(doc, organisation=organisation, created_by=None)


def _allocate(organisation, network: str, environment="uat") -> Allocation:
    holder = ConnectivityRequest.objects.create(
        organisation=organisation, environment=environment, connection_type="ipsec_vpn"
    )
    return Allocation.objects.create(
        organisation=organisation, environment=environment, network=network, request=holder
    )


def _reserve(network: str, environment="uat", description="Thredd core") -> ReservedRange:
    thredd, _ = ThreddSettings.objects.get_or_create(environment=environment)
    return ReservedRange.objects.create(settings=thredd, network=network, description=description)


def test_a_free_subnet_is_free_and_needs_no_suggestion(organisation):
    (row,) = request_availability(_request(organisation, ["10.20.30.0/24"]))
    assert row.is_free
    assert (row.reserved, row.allocated, row.same_request, row.suggestion) == ([], [], [], None)


def test_a_reserved_overlap_names_the_range(organisation):
    reserved = _reserve("10.20.0.0/20", description="Thredd UAT core")
    (row,) = request_availability(_request(organisation, ["10.20.5.0/24"]))
    assert not row.is_free
    assert [(str(item.network), item.description) for item in row.reserved] == [
        (str(reserved.network), reserved.description)
    ]
    assert row.suggestion == IPv4Network("10.20.16.0/24")  # the first /24 past the reserved /20


def test_another_organisations_allocation_names_the_organisation_and_subnet(
    organisation, other_organisation
):
    theirs = _allocate(other_organisation, "10.20.30.0/24")
    (row,) = request_availability(_request(organisation, ["10.20.30.0/24"]))
    assert row.allocated == [theirs]
    assert row.allocated[0].organisation == other_organisation
    assert row.suggestion in (IPv4Network("10.20.31.0/24"), IPv4Network("10.20.29.0/24"))


def test_the_same_organisations_range_in_another_connection_is_named(organisation):
    """The probe's case: shown free, then refused at approval as "another organisation's"."""
    mine = _allocate(organisation, "10.20.30.0/24")
    (row,) = request_availability(_request(organisation, ["10.20.30.0/24"]))
    assert not row.is_free
    assert row.allocated == [mine]
    (finding,) = row.findings(organisation.pk)
    assert finding.code == "subnet_unavailable"
    assert f"already allocated to your connection {mine.request.reference}" in finding.message


def test_the_revision_an_amendment_amends_does_not_block_it(organisation):
    active = _allocate(organisation, "10.20.30.0/24").request
    amendment = _request(organisation, ["10.20.30.0/24"])
    ConnectivityRequest.objects.filter(pk=amendment.pk).update(amends=active)
    amendment.refresh_from_db()
    (row,) = request_availability(amendment)
    assert row.is_free


def test_thredds_service_ranges_and_aws_addresses_are_never_a_clients(organisation):
    thredd, _ = ThreddSettings.objects.get_or_create(environment="uat")
    ServiceRange.objects.create(settings=thredd, service="ehi", network="10.240.2.0/24")
    holder = _allocate(organisation, "10.99.0.0/24").request
    site = Site.objects.create(request=holder, name="AWS", position=0)
    vpn = Vpn.objects.create(site=site, services=["ehi"], peer_ip="81.2.69.160")
    Tunnel.objects.create(vpn=vpn, number=1, thredd_outside_ip="3.248.7.10")

    service_row, aws_row = request_availability(
        _request(organisation, ["10.240.0.0/22", "3.248.7.0/24"])
    )

    assert [item.description for item in service_row.reserved] == ["Thredd's EHI range"]
    assert [str(item.network) for item in aws_row.reserved] == ["3.248.7.10/32"]
    assert "a Thredd tunnel address in AWS" in aws_row.findings(organisation.pk)[0].message


def test_overlapping_subnets_of_one_request_point_at_each_other(organisation):
    first, second = request_availability(
        _request(organisation, ["10.20.30.0/24", "10.20.30.128/25"])
    )
    assert first.same_request == [second.subnet]
    assert second.same_request == [first.subnet]
    # The suggestion avoids the request's own subnets too.
    assert not first.suggestion.overlaps(IPv4Network("10.20.30.0/24"))


def test_other_environments_do_not_count(organisation, other_organisation):
    _allocate(other_organisation, "10.20.30.0/24", environment="production")
    _reserve("10.20.30.0/24", environment=Environment.PRODUCTION)
    (row,) = request_availability(_request(organisation, ["10.20.30.0/24"]))
    assert row.is_free


def test_no_suggestion_when_the_private_block_is_full(organisation, other_organisation):
    _reserve("192.168.0.0/16")
    assert next_free_network(environment="uat", near=IPv4Network("192.168.7.0/24")) is None


networks_in_10_20 = st.builds(
    lambda third, prefix: IPv4Network((f"10.20.{third}.0", prefix), strict=False),
    st.integers(0, 255),
    st.integers(20, 24),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    allocated=st.lists(networks_in_10_20, max_size=8),
    reserved=st.lists(networks_in_10_20, max_size=4),
    near=networks_in_10_20,
)
def test_the_suggestion_never_overlaps_anything_allocated_or_reserved(
    organisation, allocated, reserved, near
):
    Allocation.objects.all().delete()
    ReservedRange.objects.all().delete()
    placed = []
    for network in allocated:
        if not any(network.overlaps(other) for other in placed):  # the constraint forbids it
            _allocate(organisation, str(network))
            placed.append(network)
    for network in reserved:
        _reserve(str(network))
    suggestion = next_free_network(environment="uat", near=near)
    assert suggestion is not None  # 10.0.0.0/8 always has room here
    assert suggestion.prefixlen == 24
    assert not any(suggestion.overlaps(network) for network in [*placed, *reserved])
