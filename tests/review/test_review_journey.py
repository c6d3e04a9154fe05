"""An engineer and a client take a request through review in Debian's Chromium.

The engineer filters the queue, assigns the request, confirms its subnet and asks for a
change; the client changes the subnet and sends it again; the engineer confirms the new
subnet and approves. Both see the whole timeline, and the mail reaches a real SMTP server.
"""

import base64
import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from connectivity.choices import RequestStatus as S
from connectivity.models import Allocation
from connectivity.services import workflow
from tests.client.test_journeys import check_page
from tests.conftest import PASSWORD
from tests.factories import request_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, live_server, user, lands_on: str) -> None:
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if user.is_staff:
        _enrol_authenticator(page)
    page.wait_for_url(live_server.url + lands_on)


def _enrol_authenticator(page: Page) -> None:
    """Set up an authenticator as a new engineer would: its key from the page, its code back."""
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    check_page(page, "mfa-enrol")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    code = TOTP(base64.b32decode(secret)).token()
    page.get_by_label("Code from your authenticator app").fill(f"{code:06d}")
    page.get_by_role("button", name="Confirm and continue").click()


def _confirm_the_subnet(page: Page, cidr: str) -> None:
    row = page.get_by_test_id("availability-row").filter(has_text=cidr)
    expect(row).to_contain_text("Free")
    row.get_by_role("button", name=f"Confirm available {cidr}").click()
    expect(page.get_by_test_id("availability-row").filter(has_text=cidr)).to_contain_text(
        "Confirmed by"
    )


def test_review_ask_for_changes_resubmit_and_approve(
    live_server, browser, page, organisation, client_user, thredd_engineer, smtp_server, eager_tasks
):
    request = request_create(organisation=organisation, created_by=client_user)
    workflow.request_transition("submit", request=request, actor=client_user)
    reference = request.reference

    # The engineer finds it in the queue, filtered by the organisation's name, and takes it.
    _sign_in(page, live_server, thredd_engineer, "/review/")
    check_page(page, "review-queue")
    page.get_by_label("Reference or organisation").fill("Acme")
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_test_id("queue-row").filter(has_text=reference)
    expect(row).to_contain_text("Submitted")
    row.get_by_role("button", name=f"Assign to me {reference}").click()
    expect(page.get_by_test_id("queue-row").filter(has_text=reference)).to_contain_text("In review")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_test_id("status")).to_have_text("In review")
    check_page(page, "review-page")
    _confirm_the_subnet(page, "10.20.30.0/24")
    page.get_by_label("Comment to the client").fill("Please move EHI to 10.20.40.0/24.")
    page.get_by_role("button", name="Ask for changes").click()
    expect(page.get_by_test_id("status")).to_have_text("Changes requested")

    # The client sees the request, changes the subnet and sends it again.
    client_page = browser.new_context().new_page()
    _sign_in(client_page, live_server, client_user, "/requests/")
    client_page.get_by_role("link", name=reference).click()
    expect(client_page.get_by_test_id("changes-requested")).to_contain_text(
        "Please move EHI to 10.20.40.0/24."
    )
    client_page.get_by_test_id("task").get_by_role("link", name="London DC1").click()
    client_page.locator("#id_subnet-0-cidr").fill("10.20.40.0/24")
    client_page.get_by_role("button", name="Save and continue").click()
    client_page.get_by_role("link", name="Check your answers and send").click()
    client_page.get_by_role("button", name="Send connectivity request").click()
    expect(client_page.get_by_test_id("confirmation")).to_be_visible()

    # The engineer reviews it again: the changed subnet needs a new confirmation.
    page.goto(f"{live_server.url}/review/{reference}/")
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    page.get_by_role("button", name="Assign to me and start review").click()
    expect(page.get_by_role("button", name="Approve")).to_be_disabled()
    _confirm_the_subnet(page, "10.20.40.0/24")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("status")).to_have_text("Approved")
    assert [str(a.network) for a in Allocation.objects.filter(request=request)] == ["10.20.40.0/24"]

    # Both see the whole history.
    expected = ["Submitted", "In review", "Changes requested", "Submitted", "In review", "Approved"]
    staff_timeline = page.get_by_test_id("timeline-event").locator("strong").all_inner_texts()
    assert staff_timeline == expected
    client_page.goto(f"{live_server.url}/requests/{reference}/")
    expect(client_page.get_by_test_id("request-status")).to_have_text("Approved")
    assert (
        client_page.get_by_test_id("timeline-event").locator("strong").all_inner_texts() == expected
    )
    check_page(client_page, "request-approved")

    # Every change reached the SMTP server; the client was told of each one.
    subjects = [message["Subject"] for message in smtp_server.messages]
    to_client = [
        message["Subject"] for message in smtp_server.messages if message["To"] == client_user.email
    ]
    assert len(to_client) == len(expected)
    assert any(re.search(r"approved by Thredd", subject) for subject in to_client), subjects
    assert any(re.search(r"[Cc]hanges", subject) for subject in to_client), subjects
    assert request.events.filter(to_status=S.APPROVED).count() == 1
