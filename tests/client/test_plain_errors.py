"""Issue 17, points 2 and 3, as a client sees them in Chromium: errors in labels, each saying
where it is and linking to its field.

A production site has two VPNs with the same mistake (no device platform) and two subnets
that overlap: the error summary must tell VPN 1 from VPN 2 ("VPN 2 (Thredd Portal) at London
DC1: Select the device platform: …"), name the other subnet in words, never show a value
such as `asa_vti` or a path such as `sites[0].subnets[0].cidr`, and each link must lead to
an element of the page (or, from check your answers, of the site's page).
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from connectivity.choices import Environment
from tests.client.test_journeys import check_page, sign_in
from tests.documents import request_document
from tests.factories import request_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What people must never read: choice values, "one of" lists of them, document paths.
CODES = re.compile(r"asa_vti|ios_xe|web_services|one of|None\b|sites\[\d|\.cidr\b")


def _production_draft(organisation, client_user):
    """Store a production draft whose site's two VPNs lack a platform and subnets overlap."""
    site = request_document()["sites"][0]
    first = site["vpns"][0]
    first["device"] = {"vendor": "cisco"}
    first["services"] = ["web_services", "ehi"]
    second = {**first, "services": ["portal"], "peer_ip": "81.2.69.181"}
    site["vpns"] = [first, second]
    site["subnets"] = [
        {"cidr": "10.20.30.0/24", "purpose": "web_services"},
        {"cidr": "10.20.30.0/25", "purpose": "portal"},
    ]
    return request_create(
        organisation=organisation,
        created_by=client_user,
        environment=Environment.PRODUCTION,
        sites=[site],
    )


def _summary_links(page: Page) -> list[tuple[str, str]]:
    links = page.get_by_test_id("error-summary").get_by_role("link")
    return [(link.inner_text(), link.get_attribute("href")) for link in links.all()]


def test_site_page_errors_say_where_in_words_and_link_to_their_fields(
    live_server, page, organisation, client_user
):
    draft = _production_draft(organisation, client_user)
    site = draft.sites.get()
    sign_in(page, live_server, client_user)
    page.goto(
        live_server.url
        + reverse("site-edit", kwargs={"reference": draft.reference, "site_id": site.pk})
    )
    page.get_by_role("button", name="Save and continue").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    links = _summary_links(page)
    texts = [text for text, _href in links]
    assert any(
        text.startswith("VPN 1 (Web Services and EHI) at London DC1: Select the device platform")
        for text in texts
    ), texts
    assert any(
        text.startswith("VPN 2 (Thredd Portal) at London DC1: Select the device platform")
        for text in texts
    ), texts
    assert any(
        text.startswith("Subnet 2 at London DC1: 10.20.30.0/25 overlaps 10.20.30.0/24")
        and "(Subnet 1 at London DC1)" in text
        for text in texts
    ), texts
    assert "for Cisco, Thredd offers" in summary.inner_text()
    assert "ASA 9.7+, route-based (VTI)" in summary.inner_text()
    assert not CODES.search(summary.inner_text()), summary.inner_text()
    # Every link leads to an element of this page, and VPN 2's to VPN 2's platform.
    for _text, href in links:
        assert href.startswith("#"), href
        assert page.locator(href).count() == 1, href
    summary.get_by_role("link", name=re.compile(r"^VPN 2 \(Thredd Portal\)")).click()
    expect(page.locator("#id_vpn-1-device_platform")).to_be_focused()
    summary.get_by_role("link", name=re.compile(r"^Subnet 2 at London DC1")).click()
    expect(page.locator("#id_subnet-1-cidr")).to_be_focused()
    check_page(page, "site-errors-located")


def test_check_your_answers_errors_say_where_and_lead_to_the_answer(
    live_server, page, organisation, client_user
):
    draft = _production_draft(organisation, client_user)
    site = draft.sites.get()
    sign_in(page, live_server, client_user)
    page.goto(live_server.url + reverse("request-check", kwargs={"reference": draft.reference}))
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    assert not CODES.search(summary.inner_text()), summary.inner_text()
    check_page(page, "check-errors-located")
    link = summary.get_by_role("link", name=re.compile(r"^VPN 2 \(Thredd Portal\) at London DC1"))
    site_url = reverse("site-edit", kwargs={"reference": draft.reference, "site_id": site.pk})
    assert link.get_attribute("href") == f"{site_url}#carrier-1"
    overlap = summary.get_by_role("link", name=re.compile(r"^Subnet 2 at London DC1"))
    assert overlap.get_attribute("href") == f"{site_url}#subnets"
    link.click()
    page.wait_for_url(re.compile(re.escape(site_url) + "#carrier-1$"))
    expect(page.locator("#carrier-1")).to_contain_text("VPN 2")


def test_the_start_page_names_its_choices_by_their_labels(live_server, page, client_user):
    sign_in(page, live_server, client_user)
    page.goto(live_server.url + reverse("request-start"))
    page.get_by_role("button", name="Continue").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Select the environment: UAT or Production.")
    expect(summary).to_contain_text("Web Services, EHI or Thredd Portal")
    assert not CODES.search(summary.inner_text()), summary.inner_text()
