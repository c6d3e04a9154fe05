"""The whole AWS journey in Debian's Chromium: approve, AWS provisioned, files, Thredd's side.

moto plays AWS in-process (the live server's thread shares its mock); telemetry comes from
botocore's Stubber, as moto has none (see conftest).
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from connectivity.choices import AwsStatus, RequestStatus
from connectivity.models import AwsVpnConnection, ThreddSettings, Tunnel
from connectivity.services import aws, workflow
from tests.client.test_journeys import check_page
from tests.documents import CONTACT_EMAIL
from tests.factories import request_create, subnets_confirm
from tests.review.test_review_journey import _sign_in

from .test_telemetry import Telemetry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_approve_provision_download_and_watch_the_tunnels(
    live_server,
    browser,
    page,
    monkeypatch,
    moto_aws,
    organisation,
    client_user,
    thredd_engineer,
    smtp_server,
    eager_tasks,
    settings,
):
    settings.THREDD_TEAM_EMAIL = "network-onboarding@thredd.example"
    reviewed = request_create(
        organisation=organisation, created_by=client_user, status=RequestStatus.IN_REVIEW
    )
    type(reviewed).objects.filter(pk=reviewed.pk).update(assigned_to=thredd_engineer)
    subnets_confirm(request=reviewed, engineer=thredd_engineer)
    reference = reviewed.reference

    # The engineer approves; Thredd's side is created in AWS and shown with AWS's addresses.
    _sign_in(page, live_server, thredd_engineer, "/review/")
    page.goto(f"{live_server.url}/review/{reference}/")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("status")).to_have_text("Approved")
    connection = AwsVpnConnection.objects.get(vpn__site__request=reviewed)
    assert connection.status == AwsStatus.READY, connection.failure_reason
    addresses = list(
        Tunnel.objects.filter(vpn=connection.vpn)
        .order_by("number")
        .values_list("thredd_outside_ip", flat=True)
    )
    side = page.get_by_test_id("thredd-side-vpn")
    expect(side).to_contain_text(connection.vpn_connection_id)
    for address in addresses:
        expect(side).to_contain_text(address)
    check_page(page, "review-approved-aws")

    # The client sees Thredd's side and downloads a file that names AWS's addresses.
    client_page = browser.new_context().new_page()
    _sign_in(client_page, live_server, client_user, "/requests/")
    client_page.goto(f"{live_server.url}/requests/{reference}/")
    tunnels = client_page.get_by_test_id("thredd-side-tunnel")
    expect(tunnels).to_have_count(2)
    for address in addresses:
        expect(client_page.get_by_test_id("thredd-side")).to_contain_text(address)
    expect(client_page.get_by_test_id("thredd-side")).not_to_contain_text(
        connection.vpn_connection_id  # AWS's IDs are for Thredd's engineers
    )
    check_page(client_page, "request-thredd-side")
    with client_page.expect_download() as download:
        client_page.get_by_test_id("artifact").get_by_role("link").first.click()
    text = download.value.path().read_text()
    assert all(address in text for address in addresses)

    # Live: a tunnel goes down for long enough, and the client and Thredd are mailed once.
    page.get_by_role("button", name="Mark active").click()
    expect(page.get_by_test_id("status")).to_have_text("Active")
    smtp_server.messages.clear()
    telemetry = Telemetry(monkeypatch)
    for _ in range(2):
        telemetry.say(connection, ("DOWN", timedelta(minutes=9)), ("UP", timedelta(hours=2)))
        aws.telemetry_poll()
    down = [message for message in smtp_server.messages if "is down" in message["Subject"]]
    assert sorted(message["To"] for message in down) == sorted(
        [CONTACT_EMAIL, "network-onboarding@thredd.example"]
    )
    client_page.reload()
    expect(client_page.get_by_test_id("thredd-side-tunnel").first).to_contain_text("Down since")
    check_page(client_page, "request-tunnel-down")


def test_the_record_and_retire_pages_are_accessible_in_their_error_states(
    live_server, page, organisation, client_user, thredd_engineer, settings
):
    """An engineer without AWS access records Thredd's side by hand, mistyping first."""
    settings.AWS_PROVISIONING = False
    ThreddSettings.objects.create(environment="uat")
    reviewed = request_create(
        organisation=organisation, created_by=client_user, status=RequestStatus.IN_REVIEW
    )
    subnets_confirm(request=reviewed, engineer=thredd_engineer)
    workflow.request_transition("approve", request=reviewed, actor=thredd_engineer)
    _sign_in(page, live_server, thredd_engineer, "/review/")
    page.goto(f"{live_server.url}/review/{reviewed.reference}/")
    page.get_by_role("link", name="Record AWS's values").click()
    page.get_by_label("VPN connection ID").fill("vpn-not-hex")
    page.get_by_label("Tunnel 1: AWS outside IP address").fill("35.176.9.10")
    page.get_by_role("button", name="Record and prepare the client's files").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("VPN connection ID as AWS")
    expect(page.get_by_label("Tunnel 1: AWS outside IP address")).to_have_value("35.176.9.10")
    check_page(page, "aws-record-errors")
    page.set_viewport_size({"width": 375, "height": 800})
    check_page(page, "aws-record-errors-375")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/review/{reviewed.reference}/retire/confirm/")
    page.get_by_role("button", name="Retire the connection").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Say why the connection")
    check_page(page, "retire-errors")
