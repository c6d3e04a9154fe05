"""The database itself refuses two overlapping allocations in one environment."""

import threading
from ipaddress import IPv4Network

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from connectivity.choices import ConnectionType, Environment
from connectivity.models import Allocation, ConnectivityRequest

pytestmark = pytest.mark.django_db


def _request(organisation, environment=Environment.UAT):
    return ConnectivityRequest.objects.create(
        organisation=organisation,
        environment=environment,
        connection_type=ConnectionType.IPSEC_VPN,
        services=["web_services"],
    )


def _allocate(organisation, network, environment=Environment.UAT):
    return Allocation.objects.create(
        organisation=organisation,
        environment=environment,
        network=network,
        request=_request(organisation, environment),
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("10.20.30.0/24", "10.20.30.0/24"),  # the same
        ("10.20.28.0/22", "10.20.30.0/24"),  # inside
        ("10.20.30.128/25", "10.20.30.0/24"),  # around
    ],
)
def test_overlapping_allocations_in_one_environment_are_refused(
    organisation, other_organisation, first, second
):
    _allocate(organisation, first)
    with pytest.raises(IntegrityError, match="allocation_no_overlap_uat"), transaction.atomic():
        _allocate(other_organisation, second)
    assert Allocation.objects.count() == 1


def test_neighbouring_allocations_are_allowed(organisation, other_organisation):
    _allocate(organisation, "10.20.30.0/24")
    _allocate(other_organisation, "10.20.31.0/24")
    assert Allocation.objects.count() == 2


def test_the_same_subnet_in_uat_and_production_is_allowed(organisation, other_organisation):
    _allocate(organisation, "10.20.30.0/24", Environment.UAT)
    _allocate(other_organisation, "10.20.30.0/24", Environment.PRODUCTION)
    assert Allocation.objects.filter(network="10.20.30.0/24").count() == 2


def test_networks_come_back_as_ipaddress_objects(organisation):
    allocation = _allocate(organisation, "10.20.30.0/24")
    allocation.refresh_from_db()
    assert allocation.network == IPv4Network("10.20.30.0/24")
    assert Allocation.objects.filter(network__net_overlaps="10.20.0.0/16").get() == allocation
    assert not Allocation.objects.filter(network__net_overlaps="10.21.0.0/16").exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transactions_allocating_overlaps_exactly_one_commits(
    organisation, other_organisation
):
    """Two transactions insert overlapping allocations at the same moment: one commits."""
    requests = {
        organisation.pk: _request(organisation),
        other_organisation.pk: _request(other_organisation),
    }
    started = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def allocate(owner, network):
        try:
            with transaction.atomic():
                # Both transactions are open before either writes: the later insert waits on
                # the earlier one's row, and the constraint, not Python, decides.
                started.wait(timeout=10)
                Allocation.objects.create(
                    organisation=owner,
                    environment=Environment.UAT,
                    network=network,
                    request=requests[owner.pk],
                )
            outcomes[owner.pk] = "committed"
        except IntegrityError:
            outcomes[owner.pk] = "refused"
        except OperationalError as exc:
            # Both inserts may wait on each other; PostgreSQL then fails one as a deadlock.
            outcomes[owner.pk] = f"refused ({exc.__cause__.sqlstate})"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=allocate, args=(organisation, "10.20.30.0/24")),
        threading.Thread(target=allocate, args=(other_organisation, "10.20.30.128/25")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    committed, refused = sorted(outcomes.values())
    assert committed == "committed", outcomes
    assert refused in ("refused", "refused (40P01)"), outcomes
    assert Allocation.objects.count() == 1
