"""`with_answers()` reads what `prefetch_related` would, in one round trip, and nothing later."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectivity.management.scale import seed_scale
from connectivity.models import ConnectivityRequest
from connectivity.selectors.requests import request_to_document

pytestmark = pytest.mark.django_db


def _everything(request: ConnectivityRequest) -> tuple:
    """Return the request's document, and each site's and VPN's AWS side, each VPN's site,
    each subnet's confirmation and its confirmer, as the pages read them."""
    return (
        request_to_document(request),
        [
            (
                getattr(site, "aws_peering", None),
                [(vpn.site.pk, getattr(vpn, "aws", None)) for vpn in site.vpns.all()],
                [
                    (subnet.site.pk, confirmation, confirmation and confirmation.confirmed_by)
                    for subnet in site.subnets.all()
                    for confirmation in [getattr(subnet, "confirmation", None)]
                ],
            )
            for site in request.sites.all()
        ],
    )


PREFETCHED = (
    "contacts",
    "sites__aws_peering",
    "sites__vpns__aws",
    "sites__vpns__tunnels",
    "sites__attachments",
    "sites__subnets__confirmation__confirmed_by",
)


def test_every_request_reads_as_prefetch_related_reads_it_and_then_asks_nothing():
    seed_scale(organisations=2, requests=60, allocations=40)
    requests = ConnectivityRequest.objects.order_by("id")
    with CaptureQueriesContext(connection) as reads:
        loaded = list(requests.with_answers(confirmations=True))
    assert len(reads) == 2  # the requests, then every answer of all of them
    prefetched = requests.select_related("organisation", "mtls").prefetch_related(*PREFETCHED)
    with CaptureQueriesContext(connection) as later:
        ours = [_everything(request) for request in loaded]
    assert not later.captured_queries
    assert ours == [_everything(request) for request in prefetched]
    # The seeded data hold what is compared: AWS sides, tunnels with PSKs, confirmations.
    assert any(peering for _, sites in ours for peering, _, _ in sites)
    assert any(aws for _, sites in ours for _, vpns, _ in sites for _, aws in vpns)
    assert any(c for _, sites in ours for _, _, subnets in sites for _, c, _ in subnets)
    assert any(t.psk for doc, _ in ours for s in doc.sites for v in s.vpns for t in v.tunnels)


def test_a_filter_on_a_loaded_relation_still_asks_the_database_for_that_parent_only():
    seed_scale(organisations=1, requests=20, allocations=10)
    request = (
        ConnectivityRequest.objects.filter(sites__vpns__isnull=False)
        .distinct()
        .with_answers()
        .order_by("id")
        .first()
    )
    site = request.sites.all()[0]
    with CaptureQueriesContext(connection) as asked:
        filtered = list(site.vpns.filter(position=0))
    assert len(asked) == 1
    assert filtered == [vpn for vpn in site.vpns.all() if vpn.position == 0]


def test_values_and_counts_are_left_alone():
    seed_scale(organisations=1, requests=5, allocations=5)
    requests = ConnectivityRequest.objects.with_answers()
    assert requests.count() == 5
    assert len(requests.values_list("reference", flat=True)) == 5
