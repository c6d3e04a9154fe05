"""Nothing typed is lost, a copy to production is faithful, a taken subnet comes with an
alternative (issue 17, points 4, 5 and 6).

The browser tests walk each point as a client would in Chromium, with axe-core on every page
they reach; the service tests pin the same behaviour fast, through Django's test client.
"""

import re
from ipaddress import IPv4Network

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from connectivity.choices import RequestStatus
from connectivity.models import (
    Allocation,
    ConnectivityRequest,
    ServiceRange,
    ThreddSettings,
    Vpn,
)
from connectivity.selectors.availability import next_free_network
from connectivity.selectors.findings import request_findings
from connectivity.services import drafts
from tests.client.conftest import draft_of
from tests.client.test_forms import site_post
from tests.client.test_journeys import check_page, sign_in
from tests.factories import request_create

UAT_PEERS = ("81.2.69.180", "81.2.69.181")


def two_vpn_sites() -> list[dict]:
    """Return one UAT site whose two VPNs split the services as production does."""
    device = {"vendor": "strongswan", "platform": "swanctl", "software": "5.9"}
    return [
        {
            "name": "London DC1",
            "routing": "static",
            "vpns": [
                {
                    "services": ["web_services", "ehi"],
                    "peer_ip": UAT_PEERS[0],
                    "device": device,
                    "ike_version": 2,
                },
                {
                    "services": ["portal"],
                    "peer_ip": UAT_PEERS[1],
                    "device": device,
                    "ike_version": 2,
                },
            ],
            "subnets": [
                {"cidr": "10.20.30.0/24", "purpose": "web_services"},
                {"cidr": "10.20.40.0/24", "purpose": "portal"},
            ],
        }
    ]


def two_vpn_post(site, **changes) -> dict:
    """Return a UAT site page POST with two VPNs (services split) and one subnet."""
    data = site_post(site) | {
        "vpn-rows": "2",
        "vpn-0-services": ["web_services", "ehi"],
        "vpn-0-peer_ip": UAT_PEERS[0],
        "vpn-1-services": ["portal"],
        "vpn-1-peer_ip": UAT_PEERS[1],
        "vpn-1-device_vendor": "cisco",
        "vpn-1-device_platform": "asa_vti",
        "vpn-1-device_software": "9.16",
        "vpn-1-ike_version": "2",
    }
    return data | changes


def site_url(site) -> str:
    return reverse("site-edit", kwargs={"reference": site.request.reference, "site_id": site.pk})


def other_holds(other_client_user, network: str) -> None:
    """Allocate `network` in UAT to another organisation's request."""
    Allocation.objects.create(
        organisation=other_client_user.organisation,
        environment="uat",
        network=network,
        request=draft_of(other_client_user),
    )


# --- Point 4: "Save and come back later" keeps every answer -----------------------------------


def test_later_saves_the_valid_answers_and_keeps_the_invalid_as_typed(signed_in, uat_draft):
    site = uat_draft.sites.get()
    posted = two_vpn_post(site, **{"vpn-1-peer_ip": "81.2.69.1811", "later": "1"})
    del posted["continue"]
    response = signed_in.post(site_url(site), posted)
    assert response.status_code == 302
    vpns = list(site.vpns.order_by("position"))
    assert [str(vpn.peer_ip) if vpn.peer_ip else None for vpn in vpns] == [UAT_PEERS[0], None]
    assert vpns[1].device_platform == "asa_vti"
    assert [str(subnet.network) for subnet in site.subnets.all()] == ["10.20.30.0/24"]

    tasks = signed_in.get(reverse("request-tasks", kwargs={"reference": uat_draft.reference}))
    assert "In progress" in tasks.content.decode()

    html = signed_in.get(site_url(site)).content.decode()
    assert 'value="81.2.69.1811"' in html  # kept as typed
    assert "<title>Error: " in html
    assert 'href="#id_vpn-1-peer_ip"' in html
    assert f'value="{UAT_PEERS[0]}"' in html

    # Until corrected, the request cannot be sent.
    assert any(f.code == "answers_not_saved" for f in request_findings(uat_draft))
    assert signed_in.post(site_url(site), two_vpn_post(site)).status_code == 302
    site.refresh_from_db()
    assert site.answers_as_typed == {}
    assert str(site.vpns.get(position=1).peer_ip) == UAT_PEERS[1]
    assert not any(f.code == "answers_not_saved" for f in request_findings(uat_draft))


def test_later_keeps_a_mistyped_subnet_row_whole(signed_in, uat_draft):
    site = uat_draft.sites.get()
    posted = site_post(
        site,
        **{
            "subnet-rows": "2",
            "subnet-0-cidr": "10.0.0.5/24",
            "subnet-1-cidr": "10.20.40.0/24",
            "subnet-1-purpose": "portal",
            "later": "1",
        },
    )
    del posted["continue"]
    assert signed_in.post(site_url(site), posted).status_code == 302
    assert [str(subnet.network) for subnet in site.subnets.all()] == ["10.20.40.0/24"]
    assert str(site.vpns.get().peer_ip) == "81.2.69.160"
    html = signed_in.get(site_url(site)).content.decode()
    assert 'value="10.0.0.5/24"' in html
    assert "did you mean 10.0.0.0/24?" in html


def test_save_and_continue_still_refuses_an_invalid_answer(signed_in, uat_draft):
    site = uat_draft.sites.get()
    response = signed_in.post(site_url(site), site_post(site, **{"vpn-0-peer_ip": "81.2.69"}))
    assert response.status_code == 200
    site.refresh_from_db()
    assert site.vpns.get().peer_ip is None
    assert site.answers_as_typed == {}


def test_later_with_a_null_byte_keeps_it_out_of_the_database(signed_in, uat_draft):
    site = uat_draft.sites.get()
    posted = site_post(site, **{"vpn-0-device_software": "9.\x0016", "later": "1"})
    del posted["continue"]
    response = signed_in.post(site_url(site), posted)
    assert response.status_code in (200, 302)
    site.refresh_from_db()
    assert "\x00" not in str(site.answers_as_typed)


# --- Point 5: copy to production --------------------------------------------------------------


def test_copy_to_production_keeps_each_vpn_its_own_peer_and_marks_what_to_check(client_user):
    uat = request_create(
        organisation=client_user.organisation,
        created_by=client_user,
        status=RequestStatus.SUBMITTED,
        sites=two_vpn_sites(),
    )
    production = drafts.request_copy_to_production(request=uat, actor=client_user)
    site = production.sites.get()
    assert [str(vpn.peer_ip) for vpn in site.vpns.order_by("position")] == list(UAT_PEERS)
    assert site.copied_from_uat == uat.reference


def test_copy_of_a_single_vpn_site_starts_both_production_vpns_from_it(client_user):
    uat = request_create(organisation=client_user.organisation, created_by=client_user)
    production = drafts.request_copy_to_production(request=uat, actor=client_user)
    peers = [str(vpn.peer_ip) for vpn in Vpn.objects.filter(site__request=production)]
    assert peers == ["81.2.69.160", "81.2.69.160"]


def test_saving_a_copied_site_clears_its_marker(signed_in, client_user):
    uat = request_create(
        organisation=client_user.organisation, created_by=client_user, sites=two_vpn_sites()
    )
    production = drafts.request_copy_to_production(request=uat, actor=client_user)
    site = production.sites.get()
    html = signed_in.get(site_url(site)).content.decode()
    assert html.count("Copied from UAT") >= 4  # 2 peer IPs, 2 subnets
    posted = two_vpn_post(site)
    del posted["vpn-0-services"], posted["vpn-1-services"]
    posted |= {"subnet-0-cidr": "10.30.30.0/24", "subnet-0-purpose": "web_services"}
    assert signed_in.post(site_url(site), posted).status_code == 302
    site.refresh_from_db()
    assert not site.copied_from_uat
    assert "Copied from UAT" not in signed_in.get(site_url(site)).content.decode()


# --- Point 6: a taken subnet comes with the nearest free range of its size ---------------------


def test_check_availability_suggests_the_next_free_range_of_the_same_size(
    signed_in, uat_draft, other_client_user
):
    other_holds(other_client_user, "10.20.30.0/24")
    url = reverse("subnet-availability", kwargs={"reference": uat_draft.reference})
    html = signed_in.post(url, {"check_subnet": "0", "subnet-0-cidr": "10.20.30.0/25"}).content
    suggestion = next_free_network(environment="uat", near=IPv4Network("10.20.30.0/25"), prefix=25)
    assert suggestion is not None
    assert suggestion.prefixlen == 25
    assert str(suggestion) in html.decode()
    assert other_client_user.organisation.name not in html.decode()


def test_the_suggestion_avoids_thredd_service_ranges(other_client_user):
    other_holds(other_client_user, "10.20.30.0/24")
    settings = ThreddSettings.objects.create(environment="uat")
    ServiceRange.objects.create(settings=settings, service="ehi", network="10.20.31.0/24")
    ServiceRange.objects.create(settings=settings, service="portal", network="10.20.29.0/24")
    free = next_free_network(environment="uat", near=IPv4Network("10.20.30.0/24"))
    assert free in (IPv4Network("10.20.28.0/24"), IPv4Network("10.20.32.0/24"))


def test_a_taken_subnet_error_on_the_site_page_suggests_a_free_range(
    signed_in, uat_draft, other_client_user
):
    other_holds(other_client_user, "10.20.30.0/24")
    site = uat_draft.sites.get()
    html = signed_in.post(site_url(site), site_post(site)).content.decode()
    suggestion = next_free_network(environment="uat", near=IPv4Network("10.20.30.0/24"))
    assert f"{suggestion}" in html
    assert other_client_user.organisation.name not in html


# --- In Chromium ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_later_keeps_a_mistyped_peer_address(page: Page, live_server, client_user):
    draft = draft_of(client_user)
    site = drafts.site_add(request=draft, name="London DC1")
    sign_in(page, live_server, client_user)
    page.goto(live_server.url + site_url(site))
    page.get_by_role("button", name="Add a second VPN").click()
    page.locator("#id_vpn-0-services_2").uncheck()  # Thredd Portal moves to VPN 2
    page.locator("#id_vpn-1-services_2").check()
    page.locator("#id_vpn-0-peer_ip").fill(UAT_PEERS[0])
    page.locator("#id_vpn-1-peer_ip").fill("81.2.69.1811")
    page.locator("#id_subnet-0-cidr").fill("10.20.30.0/24")
    page.locator("#id_subnet-0-purpose").select_option("ehi")
    page.get_by_role("button", name="Save and come back later").click()

    task = page.get_by_test_id("task").filter(has_text="Site: London DC1")
    expect(task).to_contain_text("In progress")
    check_page(page, "task-list-kept")
    task.get_by_role("link").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("#id_vpn-0-peer_ip")).to_have_value(UAT_PEERS[0])
    expect(page.locator("#id_vpn-1-peer_ip")).to_have_value("81.2.69.1811")
    expect(page.locator("#id_subnet-0-cidr")).to_have_value("10.20.30.0/24")
    expect(page.locator("[data-error-summary] a")).to_have_attribute("href", "#id_vpn-1-peer_ip")
    expect(page.get_by_test_id("kept-as-typed")).to_be_visible()
    check_page(page, "site-kept")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_copy_to_production_is_faithful_and_marks_what_to_check(
    page: Page, live_server, client_user
):
    uat = request_create(
        organisation=client_user.organisation,
        created_by=client_user,
        status=RequestStatus.SUBMITTED,
        sites=two_vpn_sites(),
    )
    sign_in(page, live_server, client_user)
    page.goto(live_server.url + reverse("request-detail", kwargs={"reference": uat.reference}))
    page.get_by_role("button", name="Copy to Production").click()
    expect(page.get_by_test_id("task-list")).to_be_visible()
    notice = page.get_by_test_id("check-for-production")
    expect(notice).to_contain_text(uat.reference)
    expect(notice).to_contain_text("London DC1")
    task = page.get_by_test_id("task").filter(has_text="Site: London DC1")
    expect(task).to_contain_text("Check for production")
    check_page(page, "production-task-list")

    task.get_by_role("link").click()
    expect(page.locator("#id_vpn-0-peer_ip")).to_have_value(UAT_PEERS[0])
    expect(page.locator("#id_vpn-1-peer_ip")).to_have_value(UAT_PEERS[1])
    for field in ("vpn-0-peer_ip", "vpn-1-peer_ip", "subnet-0-cidr", "subnet-1-cidr"):
        expect(page.locator(f"#id_{field}")).to_have_accessible_description(
            re.compile("Copied from UAT")
        )
    expect(page.locator("#id_vpn-0-device_vendor")).not_to_have_accessible_description(
        re.compile("Copied from UAT")
    )
    check_page(page, "production-site")
    production = ConnectivityRequest.objects.get(environment="production")
    assert production.sites.get().copied_from_uat


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_a_taken_subnet_comes_with_a_free_range_nearby(
    page: Page, live_server, client_user, other_client_user
):
    other_holds(other_client_user, "10.20.30.0/24")
    draft = draft_of(client_user)
    site = drafts.site_add(request=draft, name="London DC1")
    suggestion = str(next_free_network(environment="uat", near=IPv4Network("10.20.30.0/24")))
    sign_in(page, live_server, client_user)
    page.goto(live_server.url + site_url(site))
    page.locator("#id_subnet-0-cidr").fill("10.20.30.0/24")
    page.get_by_role("button", name="Check availability of subnet 1").click()
    answer = page.locator("#availability-0")
    expect(answer).to_contain_text("Not available")
    expect(answer).to_contain_text(suggestion)
    check_page(page, "site-availability-suggestion")

    page.locator("#id_subnet-0-purpose").select_option("ehi")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("[data-error-summary]")).to_contain_text(suggestion)
    expect(page.locator("body")).not_to_contain_text(other_client_user.organisation.name)
    check_page(page, "site-taken-suggestion")
