"""Issue 17, points 10 and 11: the portal on a phone, its form controls, its icon, and axe-core
on the pages the journeys did not cover (a superseded request, the review page, the audit log).

Everything is checked as the user's browser shows it: positions and computed styles in
Chromium, the network log, axe-core's verdict.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from connectivity.choices import RequestStatus
from connectivity.models import AuditEntry, ConnectivityRequest
from connectivity.services import workflow
from tests.client.conftest import draft_of
from tests.client.test_journeys import check_page, sign_in
from tests.documents import request_document
from tests.factories import request_create
from tests.review.test_review_journey import _sign_in as staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(browser):
    """A browser page the size of a small phone's screen."""
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


def _relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _contrast_on_white(css_colour: str) -> float:
    rgb = tuple(int(part) for part in re.findall(r"\d+", css_colour)[:3])
    return 1.05 / (_relative_luminance(rgb) + 0.05)


def test_request_list_on_a_phone_shows_each_status_without_scrolling(
    live_server, phone, organisation, client_user
):
    for status in (RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.ACTIVE):
        request_create(organisation=organisation, created_by=client_user, status=status)

    sign_in(phone, live_server, client_user)

    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    statuses = phone.get_by_test_id("listed-status")
    expect(statuses).to_have_count(3)
    for index in range(3):
        box = statuses.nth(index).bounding_box()
        assert box is not None
        assert box["x"] >= 0, box
        assert box["x"] + box["width"] <= PHONE["width"], box
    # Nothing on the page scrolls sideways to hide what it holds.
    hidden_sideways = phone.evaluate(
        """[...document.querySelectorAll('main *')].filter(
               e => e.scrollWidth > e.clientWidth + 1
                    && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
           ).length"""
    )
    assert hidden_sideways == 0
    expect(statuses.first).to_be_in_viewport()


def test_radios_and_checkboxes_are_large_with_clear_borders(live_server, page, client_user):
    sign_in(page, live_server, client_user)
    page.goto(live_server.url + "/requests/new/")
    for control in (page.get_by_label("UAT", exact=True), page.get_by_label("EHI", exact=True)):
        style = control.evaluate(
            """e => { const s = getComputedStyle(e); return {
                   width: parseFloat(s.width), height: parseFloat(s.height),
                   border: parseFloat(s.borderTopWidth), colour: s.borderTopColor}; }"""
        )
        assert style["width"] >= 24, style
        assert style["height"] >= 24, style
        assert style["border"] >= 2, style
        assert _contrast_on_white(style["colour"]) >= 3, style


def _suggestions(page: Page) -> list[str]:
    return page.locator("#id_vpn-0-device_software-versions option").evaluate_all(
        "options => options.map(o => o.value)"
    )


def test_software_suggestions_follow_the_chosen_platform(live_server, page, client_user):
    draft = draft_of(client_user)
    from connectivity.services import drafts

    site = drafts.site_add(request=draft, name="London DC1")
    sign_in(page, live_server, client_user)
    page.goto(f"{live_server.url}/requests/{draft.reference}/sites/{site.pk}/")

    page.locator("#id_vpn-0-device_vendor").select_option("cisco")
    expect(page.locator("#id_vpn-0-device_platform optgroup")).to_have_count(0)
    page.locator("#id_vpn-0-device_platform").select_option("ios_xe")
    expect(page.locator("#id_vpn-0-device_software-versions option")).to_have_count(3)
    assert _suggestions(page) == ["15.x", "16.x", "17.x"]

    page.locator("#id_vpn-0-device_platform").select_option("asa")
    expect(page.locator("#id_vpn-0-device_software-versions option")).to_have_count(1)
    assert _suggestions(page) == ["9.8+"]

    # Without JavaScript, the page as saved offers the saved platform's versions.
    page.locator("#id_vpn-0-device_software").fill("9.16")
    page.get_by_role("button", name="Save and come back later").click()
    context = page.context.browser.new_context(java_script_enabled=False)
    context.add_cookies(page.context.cookies())
    plain = context.new_page()
    plain.goto(f"{live_server.url}/requests/{draft.reference}/sites/{site.pk}/")
    assert _suggestions(plain) == ["9.8+"]
    context.close()


def test_every_page_has_an_icon_and_no_asset_is_missing(live_server, page, client_user):
    failures = []
    page.on(
        "response",
        lambda response: (
            failures.append((response.status, response.url)) if response.status >= 400 else None
        ),
    )
    sign_in(page, live_server, client_user)
    page.goto(live_server.url + "/requests/before-you-start/")
    icon = page.locator("head link[rel='icon']")
    expect(icon).to_have_count(1)
    for url in (icon.get_attribute("href"), "/favicon.ico"):
        response = page.request.get(live_server.url + url if url.startswith("/") else url)
        assert response.status == 200, url
        assert response.headers["content-type"].startswith("image/"), url
    assert failures == []


def test_copy_to_production_answers_a_get_with_a_page(live_server, page, organisation, client_user):
    request = request_create(
        organisation=organisation, created_by=client_user, status=RequestStatus.ACTIVE
    )
    sign_in(page, live_server, client_user)

    response = page.goto(f"{live_server.url}/requests/{request.reference}/copy-to-production/")
    assert response.status == 200
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Your requests")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Copy")
    check_page(page, "copy-to-production")
    page.get_by_role("button", name="Copy to Production").click()
    expect(page.get_by_test_id("task-list")).to_be_visible()
    assert ConnectivityRequest.objects.filter(environment="production").count() == 1

    # A request that cannot be copied sends the user back to its page, saying why.
    production = ConnectivityRequest.objects.get(environment="production")
    page.goto(f"{live_server.url}/requests/{production.reference}/copy-to-production/")
    expect(page).to_have_url(f"{live_server.url}/requests/{production.reference}/")
    expect(page.get_by_role("status")).to_contain_text("Only a UAT request")


def test_superseded_request_page_passes_axe(live_server, page, organisation, client_user):
    earlier = request_create(
        organisation=organisation, created_by=client_user, status=RequestStatus.ACTIVE
    )
    request_create(
        organisation=organisation,
        created_by=client_user,
        status=RequestStatus.ACTIVE,
        amends=earlier,
    )
    sign_in(page, live_server, client_user)
    page.goto(f"{live_server.url}/requests/{earlier.reference}/")
    expect(page.get_by_test_id("superseded-by")).to_be_visible()
    check_page(page, "superseded-request")


def test_review_and_audit_pages_pass_axe(
    live_server, page, organisation, client_user, thredd_engineer
):
    # A /23 beside the /24 is a warning Thredd's engineer sees, with its codes.
    sites = request_document()["sites"]
    sites[0]["subnets"].append({"cidr": "10.20.32.0/23", "purpose": "web_services"})
    request = request_create(organisation=organisation, created_by=client_user, sites=sites)
    workflow.request_transition("submit", request=request, actor=client_user)
    staff_sign_in(page, live_server, thredd_engineer, "/review/")
    page.goto(f"{live_server.url}/review/{request.reference}/")
    expect(page.get_by_test_id("findings")).to_be_visible()
    check_page(page, "review-with-findings")

    # A long path widens the audit table beyond the page.
    AuditEntry.objects.update(path="/requests/" + "a" * 120 + "/")
    for path in ("/audit/", "/audit/?action=sign_in", "/audit/?page=1"):
        page.goto(live_server.url + path)
        check_page(page, "audit-" + re.sub(r"\W+", "-", path).strip("-"))
