"""The review queue and the review page, through Django's test client."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from connectivity.choices import RequestStatus as S
from connectivity.models import Allocation, ConnectivityRequest, RequestEvent, Subnet, Vpn
from connectivity.services import workflow
from tests.factories import request_create, subnets_confirm

pytestmark = pytest.mark.django_db


def _review(reference: str) -> str:
    return reverse("review-detail", kwargs={"reference": reference})


def _action(reference: str, action: str) -> str:
    return reverse("review-action", kwargs={"reference": reference, "action": action})


def _queue_references(response) -> list[str]:
    return [item.reference for item in response.context["page"].object_list]


def test_queue_lists_waiting_requests_and_filters_them(
    staff_client, thredd_engineer, organisation, other_organisation, client_user, other_client_user
):
    ours = request_create(organisation=organisation, created_by=client_user, status=S.SUBMITTED)
    theirs = request_create(
        organisation=other_organisation,
        created_by=other_client_user,
        status=S.SUBMITTED,
        environment="production",
    )
    draft = request_create(organisation=organisation, created_by=client_user)
    for request in (ours, theirs):
        RequestEvent.objects.create(request=request, from_status=S.DRAFT, to_status=S.SUBMITTED)

    everything = _queue_references(staff_client.get(reverse("review-queue")))
    assert set(everything) == {ours.reference, theirs.reference}
    assert draft.reference not in everything
    assert _queue_references(
        staff_client.get(reverse("review-queue"), {"environment": "production"})
    ) == [theirs.reference]
    assert _queue_references(
        staff_client.get(reverse("review-queue"), {"organisation": organisation.pk})
    ) == [ours.reference]
    assert _queue_references(
        staff_client.get(reverse("review-queue"), {"q": theirs.reference.lower()})
    ) == [theirs.reference]
    assert _queue_references(staff_client.get(reverse("review-queue"), {"q": "Borealis"})) == [
        theirs.reference
    ]
    assert _queue_references(staff_client.get(reverse("review-queue"), {"assignee": "me"})) == []

    # "Assign to me" from the row takes the request into review, assigned to the engineer.
    response = staff_client.post(_action(ours.reference, "start_review"), {"next": "queue"})
    assert response.status_code == 302
    assert response.url == reverse("review-queue")
    ours.refresh_from_db()
    assert (ours.status, ours.assigned_to) == (S.IN_REVIEW, thredd_engineer)
    assert _queue_references(staff_client.get(reverse("review-queue"), {"assignee": "me"})) == [
        ours.reference
    ]


def test_queue_sorts_oldest_waiting_first_and_counts_client_time_apart(
    staff_client, organisation, client_user
):
    now = timezone.now()
    recent = request_create(organisation=organisation, created_by=client_user, status=S.SUBMITTED)
    old = request_create(organisation=organisation, created_by=client_user, status=S.IN_REVIEW)
    with_client = request_create(
        organisation=organisation, created_by=client_user, status=S.CHANGES_REQUESTED
    )
    ConnectivityRequest.objects.filter(pk=recent.pk).update(submitted_at=now - timedelta(days=2))
    # Submitted 10 days ago, of which 6 were spent waiting on the client.
    ConnectivityRequest.objects.filter(pk=old.pk).update(
        submitted_at=now - timedelta(days=10), client_wait=timedelta(days=6)
    )
    # Submitted 20 days ago, with the client for the last 19.
    ConnectivityRequest.objects.filter(pk=with_client.pk).update(
        submitted_at=now - timedelta(days=20), client_wait_since=now - timedelta(days=19)
    )

    page = staff_client.get(reverse("review-queue")).context["page"]
    first, second, third = page.object_list
    assert [first.reference, second.reference, third.reference] == [
        old.reference,
        recent.reference,
        with_client.reference,
    ]
    assert (first.waiting_on_client, first.waiting_on_thredd) == ("6 days", "4 days")
    assert (second.waiting_on_client, second.waiting_on_thredd) == ("0 days", "2 days")
    assert (third.waiting_on_client, third.waiting_on_thredd) == ("19 days", "1 day")
    waited = staff_client.get(reverse("review-queue"), {"waiting_days": 3}).context["page"]
    assert [item.reference for item in waited.object_list] == [old.reference]


def test_the_workflow_keeps_the_waiting_clocks(organisation, client_user, thredd_engineer):
    request = request_create(organisation=organisation, created_by=client_user)
    workflow.request_transition("submit", request=request, actor=client_user)
    request.refresh_from_db()
    submitted_at = request.submitted_at
    assert submitted_at is not None
    workflow.request_transition("start_review", request=request, actor=thredd_engineer)
    workflow.request_transition(
        "ask_for_changes", request=request, actor=thredd_engineer, comment="Use a /24."
    )
    request.refresh_from_db()
    assert request.client_wait_since is not None
    workflow.request_transition("submit", request=request, actor=client_user)
    request.refresh_from_db()
    assert request.client_wait_since is None
    assert request.client_wait > timedelta(0)
    assert request.submitted_at == submitted_at  # the first submission starts the clock


def test_waiting_clocks_add_up_each_stay_with_the_client():
    start = timezone.now()
    request = ConnectivityRequest()
    request.track_waiting(target=S.SUBMITTED, at=start)
    request.track_waiting(target=S.CHANGES_REQUESTED, at=start + timedelta(days=1))
    request.track_waiting(target=S.SUBMITTED, at=start + timedelta(days=3))
    request.track_waiting(target=S.CHANGES_REQUESTED, at=start + timedelta(days=4))
    request.track_waiting(target=S.SUBMITTED, at=start + timedelta(days=5, hours=12))
    assert request.submitted_at == start
    assert request.client_wait == timedelta(days=3, hours=12)
    assert request.client_wait_since is None


def test_an_organisations_name_filters_the_queue_to_it(
    staff_client, organisation, other_organisation, client_user, other_client_user
):
    ours = request_create(organisation=organisation, created_by=client_user, status=S.SUBMITTED)
    request_create(
        organisation=other_organisation, created_by=other_client_user, status=S.SUBMITTED
    )
    queue = staff_client.get(reverse("review-queue")).content.decode()
    assert f'href="?organisation={organisation.pk}"' in queue
    assert '<input type="hidden" name="organisation"' in queue  # not a drop-down of thousands
    response = staff_client.get(reverse("review-queue"), {"organisation": organisation.pk})
    assert _queue_references(response) == [ours.reference]
    assert "Showing only <strong>Acme Payments</strong>" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 200])
def test_queue_query_count_does_not_grow_with_the_requests(
    staff_client, organisation, client_user, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        request_create(organisation=organisation, created_by=client_user, status=S.SUBMITTED)
    # Session, user, the form's organisation and engineer choices, the count and the page;
    # the second factor's device; saving the session (its sliding expiry) in a savepoint.
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("review-queue"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 25)
    assert ('href="?page=2"' in response.content.decode()) == (rows > 25)


def test_review_page_shows_the_request_whole(staff_client, organisation, client_user):
    request = request_create(organisation=organisation, created_by=client_user, status=S.IN_REVIEW)
    response = staff_client.get(_review(request.reference))
    page = response.content.decode()
    assert response.status_code == 200
    for expected in (
        "81.2.69.160",
        "10.20.30.0/24",
        "Rule findings",
        "Subnet availability",
        "Status history",
        "Comments",
        "Internal notes",
    ):
        assert expected in page
    assert 'data-testid="suggestion"' not in page  # free subnets need no suggestion


def test_approve_is_offered_only_once_every_subnet_is_confirmed(
    staff_client, thredd_engineer, organisation, client_user
):
    request = request_create(organisation=organisation, created_by=client_user, status=S.IN_REVIEW)
    page = staff_client.get(_review(request.reference)).content.decode()
    assert "1 subnet is not yet confirmed available: 10.20.30.0/24 at London DC1." in page

    # Approving anyway (a crafted POST) is refused with the reason, not a 500.
    response = staff_client.post(_action(request.reference, "approve"), follow=True)
    assert "1 subnet is not yet confirmed available" in response.content.decode()
    request.refresh_from_db()
    assert request.status == S.IN_REVIEW

    subnet = Subnet.objects.get(site__request=request)
    staff_client.post(
        reverse(
            "review-subnet-confirm",
            kwargs={"reference": request.reference, "subnet_id": subnet.pk},
        )
    )
    assert "Confirmed by" in staff_client.get(_review(request.reference)).content.decode()
    response = staff_client.post(_action(request.reference, "approve"), follow=True)
    request.refresh_from_db()
    assert request.status == S.APPROVED
    assert list(Allocation.objects.values_list("network", flat=True)) == [subnet.network]


def test_a_changed_subnet_needs_confirming_again(
    staff_client, thredd_engineer, organisation, client_user
):
    request = request_create(organisation=organisation, created_by=client_user, status=S.IN_REVIEW)
    subnets_confirm(request=request, engineer=thredd_engineer)
    Subnet.objects.filter(site__request=request).update(network="10.20.40.0/24")
    with pytest.raises(
        workflow.TransitionError, match=r"10\.20\.40\.0/24 at London DC1 \(changed since"
    ):
        workflow.request_transition("approve", request=request, actor=thredd_engineer)
    assert (
        "Changed since it was confirmed"
        in staff_client.get(_review(request.reference)).content.decode()
    )


def test_reject_and_ask_for_changes_need_a_comment(staff_client, organisation, client_user):
    request = request_create(organisation=organisation, created_by=client_user, status=S.IN_REVIEW)
    for action in ("reject", "ask_for_changes"):
        response = staff_client.post(_action(request.reference, action), {"comment": " "})
        assert response.status_code == 302
        request.refresh_from_db()
        assert request.status == S.IN_REVIEW
    staff_client.post(_action(request.reference, "ask_for_changes"), {"comment": "Use a /24."})
    request.refresh_from_db()
    assert request.status == S.CHANGES_REQUESTED
    assert request.events.get().comment == "Use a /24."


def test_approving_bgp_records_thredds_agreement(
    staff_client, thredd_engineer, organisation, client_user
):
    request = request_create(organisation=organisation, created_by=client_user, status=S.IN_REVIEW)
    request.sites.update(routing="bgp", bgp_asn=65010, bgp_justification="Our DCs fail over.")
    # A device that runs BGP over the tunnels: strongSwan with FRR.
    Vpn.objects.filter(site__request=request).update(device_platform="swanctl_frr")
    page = staff_client.get(_review(request.reference)).content.decode()
    assert 'data-testid="bgp-justification"' in page
    assert "Our DCs fail over." in page
    subnets_confirm(request=request, engineer=thredd_engineer)
    workflow.request_transition("approve", request=request, actor=thredd_engineer, comment="Fine.")
    event = request.events.get(to_status=S.APPROVED)
    assert "Thredd agreed to BGP routing for site London DC1 (client ASN 65010)." in event.comment


def test_an_amendment_shows_what_it_changes(
    staff_client, thredd_engineer, organisation, client_user
):
    active = request_create(organisation=organisation, created_by=client_user, status=S.ACTIVE)
    amendment = workflow.request_transition("start_amendment", request=active, actor=client_user)
    site = amendment.sites.get()
    site.vpns.update(peer_ip="81.2.69.170")
    site.subnets.update(network="10.20.31.0/24")
    ConnectivityRequest.objects.filter(pk=amendment.pk).update(status=S.IN_REVIEW)

    response = staff_client.get(_review(amendment.reference))
    changes = {(c.where, c.before, c.after) for c in response.context["changes"]}
    assert ("Site London DC1: VPN 1 peer IP", "81.2.69.160", "81.2.69.170") in changes
    assert ("Site London DC1: subnet", "10.20.30.0/24 (EHI)", "") in changes
    assert ("Site London DC1: subnet", "", "10.20.31.0/24 (EHI)") in changes
    assert 'data-testid="changes"' in response.content.decode()


def test_an_approved_amendment_takes_over_the_active_revisions_allocations(
    thredd_engineer, organisation, client_user
):
    active = request_create(organisation=organisation, created_by=client_user, status=S.IN_REVIEW)
    subnets_confirm(request=active, engineer=thredd_engineer)
    workflow.request_transition("approve", request=active, actor=thredd_engineer)
    workflow.request_transition("activate", request=active, actor=thredd_engineer)
    amendment = workflow.request_transition("start_amendment", request=active, actor=client_user)
    amendment.sites.get().subnets.update(network="10.20.28.0/23")  # grows over the old /24
    ConnectivityRequest.objects.filter(pk=amendment.pk).update(status=S.IN_REVIEW)
    subnets_confirm(request=amendment, engineer=thredd_engineer)

    workflow.request_transition("approve", request=amendment, actor=thredd_engineer)
    (allocation,) = Allocation.objects.all()
    assert (allocation.request, str(allocation.network)) == (amendment, "10.20.28.0/23")


def test_withdrawn_and_rejected_requests_hold_no_allocation(
    thredd_engineer, organisation, client_user
):
    rejected = request_create(organisation=organisation, created_by=client_user, status=S.IN_REVIEW)
    workflow.request_transition(
        "reject", request=rejected, actor=thredd_engineer, comment="Not ours."
    )
    withdrawn = request_create(
        organisation=organisation, created_by=client_user, status=S.SUBMITTED
    )
    workflow.request_transition("withdraw", request=withdrawn, actor=client_user)
    assert not Allocation.objects.exists()
