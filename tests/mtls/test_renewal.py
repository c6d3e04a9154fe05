"""Renewal is never missed: one mail each at 30 and 7 days before expiry, and the client
renews in the browser with a new CSR on the active connection, which Thredd approves."""

from datetime import timedelta

import pytest
from cryptography import x509
from django.utils import timezone
from playwright.sync_api import expect

from connectivity.choices import RequestStatus
from connectivity.models import ClientCertificate, ConnectivityRequest, OutboundEmail
from connectivity.services import certificates, notifications, workflow
from tests.client.test_journeys import check_page
from tests.review.test_review_journey import _sign_in

from .conftest import client_key, issued, mtls_request

TEAM = "network-onboarding@thredd.example"
CONTACT = "ops@acme-payments.example"


@pytest.fixture
def moved_clock(monkeypatch):
    """Move `timezone.now` to a given time, as the beat task would see it then."""

    def move_to(when):
        monkeypatch.setattr(timezone, "now", lambda: when)

    return move_to


@pytest.mark.django_db
def test_expiry_mails_go_out_once_each_at_30_and_7_days(
    portal_ca,
    approve_mtls,
    csr_key,
    moved_clock,
    smtp_server,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.THREDD_TEAM_EMAIL = TEAM
    approved = approve_mtls(csr_key.csr_pem)
    ConnectivityRequest.objects.filter(pk=approved.pk).update(status=RequestStatus.ACTIVE)
    row, _ = issued(approved)

    def beat_at(days_left: float) -> list[str]:
        moved_clock(row.not_after - timedelta(days=days_left))
        with django_capture_on_commit_callbacks(execute=True):
            return sorted(e.topic for e in certificates.certificate_expiry_emails_create())

    assert beat_at(31) == []
    thirty = f"cert-expiry-30:{row.serial}"
    assert beat_at(29.9) == [thirty, thirty]
    assert beat_at(29) == []
    assert beat_at(8) == []
    seven = f"cert-expiry-7:{row.serial}"
    assert beat_at(6.5) == [seven, seven]
    assert beat_at(1) == []
    assert beat_at(-1) == []  # expired: nothing more to say

    expiry = [m for m in smtp_server.messages if "certificate expires" in m["Subject"]]
    assert sorted(message["To"] for message in expiry) == sorted([CONTACT, TEAM] * 2)
    assert sorted(message["Subject"] for message in expiry) == sorted(
        f"{approved.reference}: your mTLS certificate expires in {days} days"
        for days in (30, 30, 7, 7)
    )
    for message in expiry:
        text = message.get_body(("plain",)).get_content()
        assert row.serial in text
        assert "PRIVATE KEY" not in text
    assert OutboundEmail.objects.filter(topic__startswith="cert-expiry").count() == 4
    assert notifications.outbox_due() == []


@pytest.mark.django_db
def test_a_renewed_certificate_is_not_mailed(
    portal_ca, approve_mtls, csr_key, moved_clock, organisation, client_user
):
    old = approve_mtls(csr_key.csr_pem)
    row, _ = issued(old)
    renewal = approve_mtls(client_key().csr_pem, amends=old)
    issued(renewal)
    # The old certificate expires in 20 days; the renewal's a year from now.
    ClientCertificate.objects.filter(pk=row.pk).update(
        not_after=timezone.now() + timedelta(days=20)
    )
    moved_clock(timezone.now() + timedelta(days=14))
    assert certificates.certificate_expiry_emails_create() == []
    # Without the renewal it would have been mailed.
    ClientCertificate.objects.filter(request=renewal).delete()
    (mail, *_) = certificates.certificate_expiry_emails_create()
    assert mail.topic == f"cert-expiry-7:{row.serial}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_client_renews_the_certificate_in_the_browser(
    live_server,
    browser,
    page,
    organisation,
    client_user,
    thredd_engineer,
    smtp_server,
    eager_tasks,
    tmp_path,
):
    certificates.portal_ca_create(environment="uat")

    first_key = client_key()
    active = mtls_request(
        organisation=organisation, created_by=client_user, csr_pem=first_key.csr_pem
    )
    workflow.request_transition("approve", request=active, actor=thredd_engineer)
    workflow.request_transition("activate", request=active, actor=thredd_engineer)
    old, _ = issued(active)

    # The client sees the certificate, and renews it with a new CSR.
    _sign_in(page, live_server, client_user, "/requests/")
    page.goto(f"{live_server.url}/requests/{active.reference}/")
    panel = page.get_by_test_id("client-certificate")
    expect(panel.get_by_test_id("certificate-serial")).to_have_text(old.serial)
    check_page(page, "certificate-issued")
    page.get_by_role("button", name="Renew the certificate").click()
    expect(page.get_by_role("heading", name="Certificate and EHI endpoint")).to_be_visible()
    renewal = ConnectivityRequest.objects.get(amends=active)
    new_key = client_key()
    page.get_by_role("textbox", name="Certificate signing request").fill(new_key.csr_pem)
    page.get_by_role("button", name="Save and continue").click()
    page.goto(f"{live_server.url}/requests/{renewal.reference}/check/")
    page.get_by_role("button", name="Send connectivity request").click()
    expect(page.get_by_text(renewal.reference).first).to_be_visible()
    renewal.refresh_from_db()
    assert renewal.status == RequestStatus.SUBMITTED

    # Thredd's engineer assigns and approves it; the new certificate is issued.
    staff = browser.new_context().new_page()
    _sign_in(staff, live_server, thredd_engineer, "/review/")
    staff.goto(f"{live_server.url}/review/{renewal.reference}/")
    staff.get_by_role("button", name="Assign to me").click()
    staff.get_by_role("button", name="Approve").click()
    expect(staff.get_by_test_id("status")).to_have_text("Approved")
    new, certificate = issued(renewal)
    assert new.serial != old.serial
    assert certificate.public_key() == x509.load_pem_x509_csr(new_key.csr_pem.encode()).public_key()

    # The client downloads the new certificate; the old one is listed until it expires.
    page.goto(f"{live_server.url}/requests/{renewal.reference}/")
    panel = page.get_by_test_id("client-certificate")
    expect(panel.get_by_test_id("certificate-serial")).to_have_text(new.serial)
    expect(panel.get_by_test_id("earlier-certificates")).to_contain_text(old.serial)
    check_page(page, "certificate-renewed")
    with page.expect_download() as download:
        panel.get_by_test_id("certificate-download").click()
    pem = download.value.path().read_bytes()
    assert x509.load_pem_x509_certificates(pem)[0] == certificate
    assert ClientCertificate.objects.filter(request=active, serial=old.serial).exists()
