"""Issue 17, points 1 and 8: the client sees what they sent, and check your answers has no gaps.

In Debian's Chromium as the client: the request page of a sent request shows every answer,
each site's picture and Thredd's side of each connection (never a PSK); check your answers
has a "Change" link per answer, routing in words, the CSR's details and mTLS wording. Fast
tests pin the CSR details, the summary of a Transit Gateway request and the change of
environment and connection type.
"""

import re

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ValidationError
from django.urls import reverse
from playwright.sync_api import Page, expect

from connectivity.catalogue import find_platform
from connectivity.choices import RequestStatus
from connectivity.models import ConnectivityRequest, MtlsDetails, Tunnel
from connectivity.rules.mtls import csr_details
from connectivity.selectors.answers import answers_summary
from connectivity.services import drafts, workflow
from tests.client.test_journeys import check_page, sign_in
from tests.documents import (
    TUNNEL_PSK,
    make_csr,
    parsed,
    valid_mtls_document,
    valid_tgw_document,
)
from tests.factories import aws_side_record, request_create, subnets_confirm

pytestmark = [pytest.mark.django_db(transaction=True)]
in_chromium = pytest.mark.browser

BGP_SITE = {
    "name": "London DC1",
    "routing": "bgp",
    "bgp": {"asn": 65010, "justification": "Two data centres fail over"},
    "vpns": [
        {
            "services": ["web_services", "ehi", "portal"],
            "peer_ip": "81.2.69.160",
            "device": {"vendor": "cisco", "platform": "asa_vti", "software": "9.16"},
            "ike_version": 2,
            "tunnels": [{"psk": TUNNEL_PSK}],
        }
    ],
    "subnets": [{"cidr": "10.20.30.0/24", "purpose": "ehi"}],
}


def _url(live_server, name: str, request: ConnectivityRequest) -> str:
    return live_server.url + reverse(name, kwargs={"reference": request.reference})


@in_chromium
def test_the_client_sees_every_answer_the_picture_and_thredds_side_once_sent(
    page: Page, live_server, client_user, thredd_engineer, eager_tasks
):
    sent = request_create(
        organisation=client_user.organisation,
        created_by=client_user,
        status=RequestStatus.IN_REVIEW,
        sites=[BGP_SITE],
    )
    platform = find_platform("cisco", "asa_vti")
    sign_in(page, live_server, client_user)
    page.goto(_url(live_server, "request-detail", sent))

    sent_section = page.get_by_test_id("what-you-sent")
    expect(sent_section.get_by_role("heading", name="What you sent")).to_be_visible()
    for answer in (
        "UAT",
        "IPsec",
        "Olu Ops",
        "London DC1",
        "Peer IP 81.2.69.160",
        f"Device {platform.vendor_label} {platform.label}, software 9.16",
        "BGP, your ASN 65010",
        "Two data centres fail over",
        "10.20.30.0/24 (EHI)",
        "Thredd sets this up in AWS once it approves your request.",
    ):
        expect(sent_section).to_contain_text(answer)
    expect(sent_section.locator("svg.topology")).to_be_visible()
    expect(sent_section.get_by_role("link", name=re.compile("^Change"))).to_have_count(0)
    assert TUNNEL_PSK not in page.content()
    check_page(page, "request-sent")

    subnets_confirm(request=sent, engineer=thredd_engineer)
    approved = workflow.request_transition("approve", request=sent, actor=thredd_engineer)
    aws_side_record(request=approved, engineer=thredd_engineer)
    page.reload()
    tunnels = Tunnel.objects.filter(vpn__site__request=sent).order_by("number")
    thredd_side = page.get_by_test_id("what-you-sent").get_by_test_id("thredd-side-answer")
    for tunnel in tunnels:
        expect(thredd_side).to_contain_text(
            f"Tunnel {tunnel.number}: AWS outside IP {tunnel.thredd_outside_ip}"
        )
    expect(thredd_side).to_contain_text("Thredd's ASN")
    content = page.content()
    assert all(tunnel.psk not in content for tunnel in tunnels)
    check_page(page, "request-approved")


@in_chromium
def test_check_your_answers_changes_every_answer_and_says_it_in_words(
    page: Page, live_server, client_user
):
    draft = request_create(
        organisation=client_user.organisation, created_by=client_user, sites=[BGP_SITE]
    )
    sign_in(page, live_server, client_user)
    page.goto(_url(live_server, "request-check", draft))
    for what in ("environment", "connection type", "services", "contact 1", "site London DC1"):
        expect(page.get_by_role("link", name=f"Change {what}", exact=True)).to_be_visible()
    expect(page.get_by_test_id("routing")).to_contain_text("BGP, your ASN 65010")
    expect(page.get_by_text(re.compile(r"\bBgp\b"))).to_have_count(0)
    check_page(page, "check-answers")

    page.get_by_role("link", name="Change connection type", exact=True).click()
    expect(page.get_by_role("heading", name="Environment and connection type")).to_be_visible()
    page.get_by_label("Production", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Remove your sites first")
    check_page(page, "request-type-error")
    page.get_by_label("UAT", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name=re.compile("^Check your answers"))).to_be_visible()

    csr = make_csr(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    mtls = drafts.document_load(
        parsed(valid_mtls_document(csr)),
        organisation=client_user.organisation,
        created_by=client_user,
    )
    page.goto(_url(live_server, "request-check", mtls))
    details = page.get_by_test_id("csr-details")
    expect(details).to_contain_text("CN=ehi.example.com")
    expect(details).to_contain_text("RSA, 2048 bits")
    expect(details).to_contain_text(csr_details(csr).fingerprint_sha256)
    expect(page.get_by_text("confirm your subnets")).to_have_count(0)
    expect(page.get_by_text("sign your certificate request")).to_be_visible()
    check_page(page, "check-answers-mtls")


def test_csr_details_name_the_subject_key_and_fingerprint():
    details = csr_details(make_csr())
    assert details.subject == "CN=ehi.example.com"
    assert details.key == "EC, P-256 (256 bits)"
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", details.fingerprint_sha256)
    assert csr_details("not a request") is None


def test_a_tgw_request_shows_thredds_peering_attachment_once_approved(
    client_user, thredd_engineer, eager_tasks
):
    document = valid_tgw_document()
    reviewed = request_create(
        organisation=client_user.organisation,
        created_by=client_user,
        status=RequestStatus.IN_REVIEW,
        **{key: document[key] for key in ("environment", "connection_type", "sites")},
    )
    before = answers_summary(request=reviewed)
    assert before.sites[0].thredd_side == (
        "Thredd sets this up in AWS once it approves your request.",
    )
    assert [carrier.name for carrier in before.sites[0].carriers] == [
        "Attachment 1",
        "Attachment 2",
    ]
    subnets_confirm(request=reviewed, engineer=thredd_engineer)
    approved = workflow.request_transition("approve", request=reviewed, actor=thredd_engineer)
    aws_side_record(request=approved, engineer=thredd_engineer)
    (line,) = answers_summary(request=approved).sites[0].thredd_side
    assert line.startswith("Peering attachment tgw-attach-")


def test_the_environment_and_connection_type_change_until_something_depends_on_them(
    client_user,
):
    draft = drafts.draft_create(
        organisation=client_user.organisation,
        actor=client_user,
        environment="uat",
        connection_type="ipsec_vpn",
        services=["ehi"],
    )
    drafts.request_type_save(request=draft, environment="production", connection_type="mtls")
    draft.refresh_from_db()
    assert (draft.environment, draft.connection_type) == ("production", "mtls")
    assert MtlsDetails.objects.filter(request=draft).exists()
    drafts.request_type_save(request=draft, environment="uat", connection_type="aws_tgw")
    assert not MtlsDetails.objects.filter(request=draft).exists()

    with_site = request_create(organisation=client_user.organisation, created_by=client_user)
    with pytest.raises(ValidationError, match="Remove your sites first"):
        drafts.request_type_save(
            request=with_site, environment="production", connection_type="ipsec_vpn"
        )
