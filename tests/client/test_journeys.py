"""A new client user's journeys in Debian's Chromium: start, answer, check, send, track.

Each main page is screenshotted into var/test-artifacts/ and checked with axe-core for
serious or critical accessibility violations.
"""

import os
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from playwright.sync_api import Page, expect

from tests.accessibility import serious_violations
from tests.conftest import ARTIFACTS, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_page(page: Page, name: str) -> None:
    """Screenshot the page and fail on any serious or critical axe-core violation."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test = os.environ.get("PYTEST_CURRENT_TEST", "journey").split("::")[-1].split(" ")[0]
    page.screenshot(path=ARTIFACTS / f"{test}-{name}.png", full_page=True)
    serious = serious_violations(page)
    assert serious == [], f"{name}: {serious}"


def sign_in(page: Page, live_server, user) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/requests/")
    check_page(page, "request-list")


def start(page: Page, *, environment: str, connection_type: str, services: list[str]) -> None:
    page.get_by_role("link", name="Start a new request").click()
    expect(page.get_by_role("heading", name="Before you start")).to_be_visible()
    check_page(page, "before-you-start")
    page.get_by_role("link", name="Start now").click()
    # Sent empty first: the error summary takes focus and names every question.
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("[data-error-summary]")).to_be_focused()
    check_page(page, "start-errors")
    page.get_by_label(environment, exact=True).check()
    page.get_by_label(connection_type, exact=True).check()
    for service in services:
        page.get_by_label(service, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("task-list")).to_be_visible()
    check_page(page, "task-list")


def fill_contacts(page: Page) -> None:
    page.get_by_role("link", name="Contacts").click()
    page.get_by_label("Full name").fill("Ada Ops")
    page.get_by_label("Email address").fill("ada.ops@acme-payments.example")
    page.get_by_label("Phone number").fill("+44 20 7946 0000")
    check_page(page, "contacts")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_test_id("task").filter(has_text="Contacts")).to_contain_text("Completed")


def add_site_by_keyboard(page: Page, name: str) -> None:
    """Add a site using the keyboard only: Tab to the name, type it, press Enter."""
    page.get_by_role("link", name="Add a site").click()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_name":
            break
    else:
        pytest.fail("Tab never reached the site name field")
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Site: {name}")).to_be_visible()


def choose_device(page: Page, index: int, vendor: str, platform: str, software: str) -> None:
    page.locator(f"#id_vpn-{index}-device_vendor").select_option(vendor)
    # htmx swaps the platforms of every vendor, grouped, for the chosen vendor's own.
    expect(page.locator(f"#id_vpn-{index}-device_platform optgroup")).to_have_count(0)
    page.locator(f"#id_vpn-{index}-device_platform").select_option(platform)
    page.locator(f"#id_vpn-{index}-device_software").fill(software)


def fill_subnets_with_one_mistyped(page: Page, subnets: list[tuple[str, str]]) -> None:
    """Type the subnets, the first as 10.0.0.5/24, and fix it from the error summary."""
    for index, (cidr, purpose) in enumerate(subnets):
        if index:
            page.get_by_role("button", name="Add another subnet").click()
        page.locator(f"#id_subnet-{index}-cidr").fill("10.0.0.5/24" if index == 0 else cidr)
        page.locator(f"#id_subnet-{index}-purpose").select_option(purpose)
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("10.0.0.5/24 has host bits set: did you mean 10.0.0.0/24?")
    check_page(page, "site-errors")
    summary.get_by_role("link", name="did you mean 10.0.0.0/24?").click()
    field = page.locator("#id_subnet-0-cidr")
    expect(field).to_be_focused()
    expect(field).to_have_value("10.0.0.5/24")  # nothing typed was cleared
    field.fill(subnets[0][0])
    page.get_by_role("button", name="Check availability of subnet 1").click()
    expect(page.locator("#availability-0")).to_contain_text("Available")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_test_id("task-list")).to_be_visible()


def check_and_send(page: Page, live_server) -> None:
    for status in page.get_by_test_id("task-status").all_inner_texts():
        assert status == "Completed"
    page.get_by_role("link", name="Check your answers and send").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    check_page(page, "check-answers")
    page.get_by_role("button", name="Send connectivity request").click()
    expect(page.get_by_test_id("confirmation")).to_be_visible()
    reference = page.get_by_test_id("reference").inner_text()
    assert re.fullmatch(r"CR-\d{4}-\d{5}", reference)
    check_page(page, "confirmation")
    page.get_by_role("link", name="Go to the request's page").click()
    page.wait_for_url(f"{live_server.url}/requests/{reference}/")
    expect(page.get_by_test_id("request-status")).to_have_text("Submitted")
    check_page(page, "request-page")


def test_production_ipsec_request(live_server, page, client_user):
    sign_in(page, live_server, client_user)
    start(
        page,
        environment="Production",
        connection_type="IPsec site-to-site VPN",
        services=["Web Services", "EHI", "Thredd Portal"],
    )
    fill_contacts(page)
    add_site_by_keyboard(page, "London DC1")
    carriers = page.get_by_test_id("carrier")
    expect(carriers.nth(0)).to_contain_text("VPN 1: Web Services and EHI")
    expect(carriers.nth(1)).to_contain_text("VPN 2: Thredd Portal")
    page.locator("#id_vpn-0-peer_ip").fill("81.2.69.160")
    choose_device(page, 0, "cisco", "asa_vti", "9.16")
    page.locator("#id_vpn-1-peer_ip").fill("81.2.69.161")
    choose_device(page, 1, "juniper", "srx", "Junos 20.x+")
    check_page(page, "site")
    fill_subnets_with_one_mistyped(page, [("10.0.0.0/24", "ehi"), ("10.0.1.0/24", "portal")])
    check_and_send(page, live_server)


def test_production_tgw_request(live_server, page, client_user):
    sign_in(page, live_server, client_user)
    start(
        page,
        environment="Production",
        connection_type="AWS Transit Gateway peering",
        services=["Web Services", "EHI", "Thredd Portal"],
    )
    fill_contacts(page)
    add_site_by_keyboard(page, "AWS eu-west-2")
    expect(page.get_by_label("Routing")).to_have_count(0)  # static only for TGW
    page.get_by_label("Transit Gateway ID").fill("tgw-0123456789abcdef0")
    page.get_by_label("AWS account ID").fill("012345678901")
    page.get_by_label("AWS region").select_option("eu-west-2")
    check_page(page, "site-tgw")
    fill_subnets_with_one_mistyped(
        page, [("10.0.0.0/24", "web_services"), ("10.0.2.0/24", "portal")]
    )
    check_and_send(page, live_server)


def _csr_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ehi.example.com")]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def test_uat_mtls_request(live_server, page, client_user):
    sign_in(page, live_server, client_user)
    start(page, environment="UAT", connection_type="Mutual TLS", services=["EHI"])
    fill_contacts(page)
    page.get_by_role("link", name="Certificate and EHI endpoint").click()
    page.get_by_label("Certificate signing request", exact=True).fill("not a certificate request")
    page.get_by_label("EHI endpoint URL").fill("https://ehi.example.com:8443/ehi")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.get_by_label("EHI endpoint URL")).to_have_value("https://ehi.example.com:8443/ehi")
    check_page(page, "mtls-errors")
    page.get_by_label("Certificate signing request", exact=True).fill(_csr_pem())
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_test_id("task-list")).to_be_visible()
    check_and_send(page, live_server)
