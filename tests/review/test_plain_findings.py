"""Issue 17, points 2 and 3, as a Thredd engineer sees them in Chromium: the review page's
findings and answers in labels, each finding saying where it is and linking to it, and a
move confirmed in the status's own words.

Before: `subnet_not_recommended at sites[0].subnets[1].cidr`, "cisco asa_vti · carries
web_services, ehi" and "… is now changes requested".
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from connectivity.choices import Environment, RequestStatus
from tests.client.test_journeys import check_page
from tests.documents import request_document
from tests.factories import request_create
from tests.review.test_review_journey import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODES = re.compile(r"subnet_not_recommended|asa_vti|web_services|sites\[\d|\.cidr\b|\bcisco\b")


def _request_in_review(organisation, client_user, engineer):
    """Store a production request in review: Cisco ASA VTI devices and a /25 subnet."""
    site = request_document()["sites"][0]
    first = site["vpns"][0]
    first["device"] = {"vendor": "cisco", "platform": "asa_vti", "software": "9.16"}
    first["services"] = ["web_services", "ehi"]
    first["tunnels"] = []
    second = {**first, "services": ["portal"], "peer_ip": "81.2.69.181"}
    site["vpns"] = [first, second]
    site["subnets"] = [
        {"cidr": "10.20.30.0/24", "purpose": "web_services"},
        {"cidr": "10.20.40.0/25", "purpose": "portal"},
    ]
    request = request_create(
        organisation=organisation,
        created_by=client_user,
        status=RequestStatus.IN_REVIEW,
        environment=Environment.PRODUCTION,
        sites=[site],
    )
    request.assigned_to = engineer
    request.save(update_fields=["assigned_to"])
    return request


def test_review_page_says_findings_and_answers_in_words(
    live_server, page, organisation, client_user, thredd_engineer
):
    request = _request_in_review(organisation, client_user, thredd_engineer)
    review = reverse("review-detail", kwargs={"reference": request.reference})
    _sign_in(page, live_server, thredd_engineer, lands_on="/review/")
    page.goto(live_server.url + review)

    finding = (
        page.get_by_test_id("findings").get_by_role("listitem").filter(has_text="recommends /24")
    )
    expect(finding).to_contain_text("Warning: Subnet 2 at London DC1: Thredd recommends /24")
    # It links to the subnet's row of the availability panel, which is on this page.
    link = finding.get_by_role("link")
    href = link.get_attribute("href")
    subnet = request.sites.get().subnets.get(network="10.20.40.0/25")
    assert href == f"#subnet-{subnet.pk}"
    assert page.locator(href).count() == 1
    findings_text = page.get_by_test_id("findings").inner_text()
    assert not CODES.search(findings_text), findings_text

    answers = page.get_by_test_id("answers")
    expect(answers).to_contain_text("Cisco ASA 9.7+, route-based (VTI)")
    expect(answers).to_contain_text(re.compile(r"Carries Web Services(,| and) EHI"))
    assert not CODES.search(answers.inner_text()), answers.inner_text()
    check_page(page, "review-findings-located")

    page.get_by_label(re.compile("Comment to the client")).fill("Please use a /24.")
    page.get_by_role("button", name="Ask for changes").click()
    page.wait_for_url(live_server.url + review)
    expect(page.get_by_role("main")).to_contain_text(
        f"Status of {request.reference}: Changes requested."
    )
    assert "is now changes requested" not in page.content()
    expect(page.get_by_test_id("timeline-event").last).to_contain_text("Changes requested")
