"""`seed_scale` writes realistic data fast: every status, valid answers, no overlaps."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Min

from connectivity.choices import RequestStatus
from connectivity.findings import has_errors
from connectivity.management.scale import seed_scale
from connectivity.models import (
    Allocation,
    Artifact,
    Comment,
    ConnectivityRequest,
    InsideAllocation,
    Organisation,
    RequestEvent,
)
from connectivity.selectors.findings import request_findings

pytestmark = pytest.mark.django_db


def _overlapping_allocations() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM connectivity_allocation a JOIN connectivity_allocation b
              ON a.environment = b.environment AND a.id < b.id AND a.network && b.network
            """
        )
        return cursor.fetchone()[0]


def test_seed_scale_writes_every_status_with_valid_answers_and_no_overlap(capsys):
    call_command("seed_scale", organisations=3, requests=40)
    assert "ConnectivityRequest" in capsys.readouterr().out

    requests = ConnectivityRequest.objects.exclude(organisation__slug__in=["acme-payments"])
    assert set(requests.values_list("status", flat=True)) == set(RequestStatus.values)
    assert requests.count() == 40
    assert Organisation.objects.filter(name__regex=r"\d{5}$").count() == 3
    sites = requests.annotate(n=Count("sites")).aggregate(low=Min("n"), high=Max("n"))
    assert (sites["low"], sites["high"]) >= (1, 1)
    assert sites["high"] <= 4
    assert Allocation.objects.count() == 200  # five per request by default
    assert _overlapping_allocations() == 0
    allocated = {RequestStatus.APPROVED, RequestStatus.ACTIVE}
    assert set(Allocation.objects.values_list("request__status", flat=True).distinct()) <= allocated
    assert RequestEvent.objects.exists()
    assert Comment.objects.exists()
    assert Artifact.objects.filter(request__status__in=allocated).exists()
    assert InsideAllocation.objects.exists()
    references = list(requests.values_list("reference", flat=True))
    assert all(re.fullmatch(r"CR-\d{4}-\d{5,}", reference) for reference in references)
    assert len(set(references)) == len(references)
    for request in requests.filter(status__in=[RequestStatus.IN_REVIEW, RequestStatus.ACTIVE]):
        assert not has_errors(request_findings(request)), request.reference


def test_a_second_seed_adds_to_the_first_without_clashing():
    seed_scale(organisations=2, requests=20, allocations=30)
    report = seed_scale(organisations=2, requests=20, allocations=30)
    assert report.rows["ConnectivityRequest"] == 20
    assert Allocation.objects.count() == 60
    assert _overlapping_allocations() == 0
    # The sequences moved past the seeded ids: the next row made the ordinary way fits.
    organisation = Organisation.objects.create(name="After the seed", slug="after-the-seed")
    assert (
        organisation.pk
        > Organisation.objects.exclude(pk=organisation.pk).aggregate(top=Max("pk"))["top"]
    )
