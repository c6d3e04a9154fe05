"""Two engineers approve overlapping subnets of two organisations at the same moment."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from connectivity.choices import RequestStatus as S
from connectivity.models import Allocation, ConnectivityRequest
from connectivity.services import workflow
from connectivity.services.allocation import AllocationConflict
from tests.conftest import verified_staff_login
from tests.documents import request_document
from tests.factories import request_create, subnets_confirm


def _in_review(organisation, user, engineer, subnets: list[dict]) -> ConnectivityRequest:
    sites = request_document()["sites"]
    sites[0]["subnets"] = subnets
    request = request_create(
        organisation=organisation, created_by=user, status=S.IN_REVIEW, sites=sites
    )
    subnets_confirm(request=request, engineer=engineer)
    return request


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_two_racing_approvals_allocates(
    organisation,
    other_organisation,
    client_user,
    other_client_user,
    thredd_engineer,
    second_engineer,
):
    ours = _in_review(
        organisation, client_user, thredd_engineer, [{"cidr": "10.20.30.0/24", "purpose": "ehi"}]
    )
    # Theirs overlaps ours with one subnet; its other subnet is free: it must not be
    # allocated alone if the approval loses.
    theirs = _in_review(
        other_organisation,
        other_client_user,
        second_engineer,
        [
            {"cidr": "10.50.0.0/24", "purpose": "web_services"},
            {"cidr": "10.20.30.128/25", "purpose": "ehi"},
        ],
    )
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(name, request, engineer):
        try:
            start.wait(timeout=10)
            outcomes[name] = workflow.request_transition(
                "approve", request=request, actor=engineer
            ).status
        except Exception as exc:  # the test inspects what was raised
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=("ours", ours, thredd_engineer)),
        threading.Thread(target=approve, args=("theirs", theirs, second_engineer)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    won = [name for name, outcome in outcomes.items() if outcome == S.APPROVED]
    lost = [name for name, outcome in outcomes.items() if isinstance(outcome, Exception)]
    assert len(won) == len(lost) == 1, outcomes
    error = outcomes[lost[0]]
    assert isinstance(error, AllocationConflict), outcomes
    assert "allocated" in str(error)

    winner, loser = (ours, theirs) if won == ["ours"] else (theirs, ours)
    assert ConnectivityRequest.objects.get(pk=winner.pk).status == S.APPROVED
    assert ConnectivityRequest.objects.get(pk=loser.pk).status == S.IN_REVIEW
    assert not loser.events.filter(to_status=S.APPROVED).exists()
    # No partial allocation: only the winner holds ranges.
    assert set(Allocation.objects.values_list("request_id", flat=True)) == {winner.pk}
    assert Allocation.objects.count() == winner.sites.get().subnets.count()


@pytest.mark.django_db
def test_a_conflict_at_approval_is_a_clear_message_on_the_review_page(
    client, organisation, other_organisation, client_user, other_client_user, thredd_engineer
):
    ours = _in_review(
        organisation, client_user, thredd_engineer, [{"cidr": "10.20.30.0/24", "purpose": "ehi"}]
    )
    # Another organisation's range was allocated after our engineer confirmed.
    Allocation.objects.create(
        organisation=other_organisation,
        environment="uat",
        network="10.20.30.0/25",
        request=request_create(organisation=other_organisation, created_by=other_client_user),
    )
    verified_staff_login(client, thredd_engineer)
    response = client.post(
        reverse("review-action", kwargs={"reference": ours.reference, "action": "approve"}),
        follow=True,
    )
    assert response.status_code == 200
    assert "is not available" in response.content.decode()
    ours.refresh_from_db()
    assert ours.status == S.IN_REVIEW
    assert not Allocation.objects.filter(request=ours).exists()
