"""Confirm every free subnet at once, see what blocks approval, assign a review to a colleague.

Issue 17, points 7 and 12 (first item): an engineer confirmed subnets one page reload at a
time and met a disabled Approve with no reason, and could assign a review only to
themselves. The browser tests walk each in Debian's Chromium; the others pin the services.
"""

import copy

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from connectivity.choices import RequestStatus as S
from connectivity.models import (
    Allocation,
    AuditEntry,
    ConnectivityRequest,
    OutboundEmail,
    Subnet,
    SubnetConfirmation,
)
from connectivity.services import workflow
from connectivity.services.allocation import AllocationConflict, subnets_confirm_free
from tests.client.test_journeys import check_page
from tests.conftest import verified_staff_login
from tests.documents import request_document
from tests.factories import request_create
from tests.performance.test_query_budgets import BUSY_SITES, REVIEW_PAGE_BUDGET
from tests.review.conftest import engineer_named
from tests.review.test_review_journey import _sign_in

FREE = ["10.20.30.0/24", "10.20.31.0/24"]
TAKEN = "10.20.32.0/24"


def _three_subnets(organisation, client_user, status=S.IN_REVIEW) -> ConnectivityRequest:
    """A request at London DC1 with two free subnets and one another organisation holds."""
    sites = copy.deepcopy(request_document()["sites"])
    sites[0]["subnets"] = [{"cidr": cidr, "purpose": "ehi"} for cidr in [*FREE, TAKEN]]
    return request_create(
        organisation=organisation, created_by=client_user, status=status, sites=sites
    )


def _held_by_another(other_organisation) -> Allocation:
    holder = ConnectivityRequest.objects.create(
        organisation=other_organisation, environment="uat", connection_type="ipsec_vpn"
    )
    return Allocation.objects.create(
        organisation=other_organisation, environment="uat", network=TAKEN, request=holder
    )


def _confirmed(request) -> list[str]:
    return sorted(
        str(c.network) for c in SubnetConfirmation.objects.filter(subnet__site__request=request)
    )


def _named(user, first: str, last: str):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


# --- The services -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_confirm_all_confirms_the_free_subnets_and_never_a_taken_one(
    organisation, other_organisation, client_user, thredd_engineer, second_engineer
):
    _held_by_another(other_organisation)
    request = _three_subnets(organisation, client_user)
    first = Subnet.objects.get(site__request=request, network=FREE[0])
    SubnetConfirmation.objects.create(
        subnet=first, network=first.network, confirmed_by=second_engineer
    )

    made = subnets_confirm_free(request=request, actor=thredd_engineer)

    assert [str(c.network) for c in made] == [FREE[1]]  # the confirmed one is left alone
    assert _confirmed(request) == FREE  # never the taken one
    first.confirmation.refresh_from_db()
    assert first.confirmation.confirmed_by == second_engineer
    assert SubnetConfirmation.objects.get(network=FREE[1]).confirmed_by == thredd_engineer


@pytest.mark.django_db
def test_confirm_all_reconfirms_a_subnet_changed_since_it_was_confirmed(
    organisation, client_user, thredd_engineer
):
    request = _three_subnets(organisation, client_user)
    first = Subnet.objects.get(site__request=request, network=FREE[0])
    SubnetConfirmation.objects.create(
        subnet=first, network="10.99.0.0/24", confirmed_by=thredd_engineer
    )

    subnets_confirm_free(request=request, actor=thredd_engineer)

    first.confirmation.refresh_from_db()
    assert first.confirmation.is_current


@pytest.mark.django_db
def test_confirm_all_is_for_engineers_and_only_during_review(
    organisation, client_user, thredd_engineer, staff_of_no_role
):
    submitted = _three_subnets(organisation, client_user, status=S.SUBMITTED)
    with pytest.raises(AllocationConflict, match="confirmed during review"):
        subnets_confirm_free(request=submitted, actor=thredd_engineer)
    in_review = _three_subnets(organisation, client_user)
    with pytest.raises(PermissionDenied, match="Only Thredd engineers"):
        subnets_confirm_free(request=in_review, actor=staff_of_no_role)
    assert SubnetConfirmation.objects.count() == 0


@pytest.mark.django_db
def test_what_blocks_approval_is_what_the_approve_move_refuses_with(
    organisation, other_organisation, client_user, thredd_engineer
):
    _held_by_another(other_organisation)
    request = _three_subnets(organisation, client_user)
    expected = (
        f"3 subnets are not yet confirmed available: {FREE[0]} at London DC1, "
        f"{FREE[1]} at London DC1, {TAKEN} at London DC1."
    )
    assert workflow.approval_blockers(request) == [expected]
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.request_transition("approve", request=request, actor=thredd_engineer)
    assert expected in str(refused.value)

    subnets_confirm_free(request=request, actor=thredd_engineer)
    assert workflow.approval_blockers(request) == [
        f"1 subnet is not yet confirmed available: {TAKEN} at London DC1."
    ]


@pytest.mark.django_db
def test_assigning_a_colleague_starts_the_review_for_them_audited_and_mailed(
    organisation, client_user, thredd_engineer, second_engineer
):
    _named(thredd_engineer, "Grace", "Hopper")
    _named(second_engineer, "Alan", "Turing")
    request = request_create(organisation=organisation, created_by=client_user, status=S.SUBMITTED)

    moved = workflow.request_transition(
        "start_review", request=request, actor=thredd_engineer, assignee=second_engineer
    )

    assert moved.status == S.IN_REVIEW
    assert moved.assigned_to == second_engineer
    event = moved.events.get(to_status=S.IN_REVIEW)
    assert event.actor == thredd_engineer
    assert event.comment == "Grace Hopper assigned the review to Alan Turing."
    assert event.comment_for_client == ""  # clients know Thredd's engineers as "Thredd"
    audit = AuditEntry.objects.get(object_reference=request.reference)
    assert audit.actor == thredd_engineer
    assert "assigned to alan@thredd.example" in audit.detail
    mails = OutboundEmail.objects.filter(event=event)
    assert second_engineer.email in {mail.recipient for mail in mails}
    assert not any("Alan Turing" in mail.text_body + mail.html_body for mail in mails)


@pytest.mark.django_db
def test_a_review_is_assigned_only_to_an_active_engineer(
    client, organisation, client_user, thredd_engineer, staff_of_no_role
):
    request = request_create(organisation=organisation, created_by=client_user, status=S.SUBMITTED)
    gone = engineer_named("left@thredd.example")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    staff = verified_staff_login(client, thredd_engineer)
    url = reverse("review-assign", kwargs={"reference": request.reference})
    page = staff.get(url).content.decode()
    assert "left@thredd.example" not in page
    assert "hal@thredd.example" not in page
    for outsider in (client_user, staff_of_no_role, gone):
        response = staff.post(url, {"assignee": outsider.pk})
        assert response.status_code == 200
        assert "Choose a Thredd engineer to assign the review to." in response.content.decode()
    request.refresh_from_db()
    assert request.status == S.SUBMITTED
    assert request.assigned_to is None


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.SUBMITTED, S.IN_REVIEW])
def test_the_review_page_stays_within_its_query_budget(
    client, organisation, client_user, thredd_engineer, second_engineer, status
):
    busy = request_create(
        organisation=organisation,
        created_by=client_user,
        environment="production",
        sites=BUSY_SITES,
        status=status,
    )
    staff = verified_staff_login(client, thredd_engineer)
    url = reverse("review-detail", kwargs={"reference": busy.reference})
    staff.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = staff.get(url).content.decode()
    assert len(queries) <= REVIEW_PAGE_BUDGET
    assert ("Confirm all free subnets" in page) == (status == S.IN_REVIEW)
    assert ("Assign to a colleague" in page) == (status == S.SUBMITTED)


# --- In the browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_confirm_all_free_subnets_and_see_what_blocks_approval(
    live_server, page, organisation, other_organisation, client_user, thredd_engineer
):
    _held_by_another(other_organisation)
    request = _three_subnets(organisation, client_user)
    _sign_in(page, live_server, thredd_engineer, "/review/")
    page.goto(f"{live_server.url}/review/{request.reference}/")

    approve = page.get_by_role("button", name="Approve")
    expect(approve).to_be_disabled()
    blockers = page.get_by_test_id("approval-blockers")
    expect(blockers).to_contain_text(
        f"3 subnets are not yet confirmed available: {FREE[0]} at London DC1, "
        f"{FREE[1]} at London DC1, {TAKEN} at London DC1."
    )
    check_page(page, "review-confirm-all-before")

    page.get_by_role("button", name="Confirm all free subnets").click()
    expect(page.get_by_role("status").filter(has_text="Confirmed as available")).to_have_text(
        f"Confirmed as available: {FREE[0]}, {FREE[1]}."
    )
    rows = page.get_by_test_id("availability-row")
    for cidr in FREE:
        expect(rows.filter(has_text=cidr)).to_contain_text("Confirmed by")
    expect(rows.filter(has_text=TAKEN)).not_to_contain_text("Confirmed by")
    expect(page.get_by_test_id("approval-blockers")).to_contain_text(
        f"1 subnet is not yet confirmed available: {TAKEN} at London DC1."
    )
    expect(page.get_by_role("button", name="Approve")).to_be_disabled()
    expect(page.get_by_role("button", name="Confirm all free subnets")).to_have_count(0)
    check_page(page, "review-confirm-all-after")
    assert _confirmed(request) == FREE


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_approve_opens_once_every_subnet_is_confirmed_in_one_go(
    live_server, page, organisation, client_user, thredd_engineer
):
    request = _three_subnets(organisation, client_user)
    _sign_in(page, live_server, thredd_engineer, "/review/")
    page.goto(f"{live_server.url}/review/{request.reference}/")
    expect(page.get_by_role("button", name="Approve")).to_be_disabled()
    page.get_by_role("button", name="Confirm all free subnets").click()
    expect(page.get_by_role("button", name="Approve")).to_be_enabled()
    expect(page.get_by_test_id("approval-blockers")).to_have_count(0)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("status")).to_have_text("Approved")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_assign_a_review_to_a_colleague(
    live_server, browser, page, organisation, client_user, thredd_engineer, second_engineer
):
    _named(thredd_engineer, "Grace", "Hopper")
    _named(second_engineer, "Alan", "Turing")
    request = request_create(organisation=organisation, created_by=client_user, status=S.SUBMITTED)
    _sign_in(page, live_server, thredd_engineer, "/review/")
    page.goto(f"{live_server.url}/review/{request.reference}/")

    page.get_by_role("link", name="Assign to a colleague").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Assign {request.reference} to a colleague"
    )
    check_page(page, "review-assign")
    page.get_by_role("button", name="Assign and start review").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text(
        "Choose the engineer to assign the review to."
    )
    check_page(page, "review-assign-error")
    page.get_by_label("Alan Turing").check()
    page.get_by_role("button", name="Assign and start review").click()

    expect(page.get_by_test_id("status")).to_have_text("In review")
    expect(page.get_by_text("Assigned to Alan Turing", exact=True)).to_be_visible()
    timeline = page.get_by_test_id("timeline-event").filter(has_text="In review")
    expect(timeline).to_contain_text("Grace Hopper assigned the review to Alan Turing.")
    check_page(page, "review-assigned")
    assert OutboundEmail.objects.filter(request=request, recipient=second_engineer.email).exists()

    # The client sees the review started by "Thredd", never the engineers' names.
    client_page = browser.new_context().new_page()
    _sign_in(client_page, live_server, client_user, "/requests/")
    client_page.goto(f"{live_server.url}/requests/{request.reference}/")
    expect(client_page.get_by_test_id("request-status")).to_have_text("In review")
    expect(client_page.get_by_test_id("timeline")).not_to_contain_text("Alan Turing")
    expect(client_page.get_by_test_id("timeline")).not_to_contain_text("Grace Hopper")
