"""The request's answers as files from its page: the request document (REFERENCE §3 JSON) to
download and import into a draft, a print stylesheet, and the setup form as a PDF."""

import copy
import io
import json
import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from connectivity.choices import RequestStatus
from connectivity.models import ConnectivityRequest, Site, Subnet, Tunnel
from connectivity.pdf import PAGE_ORIGIN, StaticFilesFetcher, html_to_pdf
from connectivity.services import drafts
from tests.client.test_journeys import check_page, sign_in
from tests.documents import TUNNEL_PSK, request_document
from tests.factories import request_create

from .conftest import draft_of

pytestmark = [pytest.mark.django_db(transaction=True)]


def _two_site_document() -> dict:
    """Return a valid UAT IPsec document with London DC1 and Manchester DC2."""
    document = request_document()
    second = copy.deepcopy(document["sites"][0])
    second["name"] = "Manchester DC2"
    second["vpns"][0]["peer_ip"] = "81.2.69.170"
    second["subnets"] = [{"cidr": "10.20.31.0/24", "purpose": "web_services"}]
    document["sites"].append(second)
    return document


@pytest.fixture
def sent_request(client_user):
    """A request Acme Payments sent to Thredd: two sites, a tunnel with a PSK of its own."""
    return request_create(
        organisation=client_user.organisation,
        created_by=client_user,
        status=RequestStatus.SUBMITTED,
        sites=_two_site_document()["sites"],
    )


@pytest.fixture
def leeds_draft(client_user):
    """A draft with one site, Leeds, that an import replaces."""
    draft = draft_of(client_user)
    drafts.site_add(request=draft, name="Leeds")
    return draft


def _answers(request: ConnectivityRequest) -> list[tuple]:
    return sorted(
        (site, str(network))
        for site, network in Subnet.objects.filter(site__request=request).values_list(
            "site__name", "network"
        )
    ) + sorted(Site.objects.filter(request=request).values_list("name", "position"))


def _pdf_text(content: bytes) -> str:
    """Return the text of a PDF: pypdf when installed, else Poppler's pdftotext."""
    try:
        from pypdf import PdfReader
    except ImportError:
        if shutil.which("pdftotext") is None:
            pytest.fail("Neither pypdf nor pdftotext is installed to read the PDF.")
        return subprocess.run(
            ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.browser
def test_download_the_document_and_import_it_into_a_draft(
    page: Page, live_server, client_user, sent_request, leeds_draft, tmp_path
):
    sign_in(page, live_server, client_user)
    page.goto(live_server.url + reverse("request-detail", args=[sent_request.reference]))
    check_page(page, "request-sent-with-files")
    # A sent request cannot take an import.
    expect(page.get_by_role("link", name="Import from JSON")).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as JSON").click()
    download = download_info.value
    assert download.suggested_filename == f"{sent_request.reference}.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_text()
    assert TUNNEL_PSK not in text  # no secret leaves the portal in a file
    document = json.loads(text)
    assert [site["name"] for site in document["sites"]] == ["London DC1", "Manchester DC2"]
    assert document["environment"] == "uat"

    page.goto(live_server.url + reverse("request-detail", args=[leeds_draft.reference]))
    page.get_by_role("link", name="Import from JSON").click()
    expect(page.get_by_role("heading", name="Import answers from a file")).to_be_visible()
    check_page(page, "document-import")
    page.get_by_label("Request document (JSON)").set_input_files(saved)
    page.get_by_role("button", name="Import the answers").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Answers imported from {saved.name}: check each task below."
    )
    tasks = page.get_by_test_id("task-list")
    expect(tasks).to_contain_text("London DC1")
    expect(tasks).to_contain_text("Manchester DC2")
    expect(tasks).not_to_contain_text("Leeds")
    assert _answers(leeds_draft) == [
        ("London DC1", "10.20.30.0/24"),
        ("Manchester DC2", "10.20.31.0/24"),
        ("London DC1", 0),
        ("Manchester DC2", 1),
    ]
    # The file had no PSK: the draft has none, so Thredd generates them on approval.
    assert not Tunnel.objects.filter(vpn__site__request=leeds_draft, psk__isnull=False).exists()


@pytest.mark.browser
def test_a_bad_file_says_what_is_wrong_and_changes_nothing(
    page: Page, live_server, client_user, leeds_draft, tmp_path
):
    before = _answers(leeds_draft)
    production = request_document(environment="production")
    taken = _two_site_document()
    taken["sites"][0]["subnets"][0]["cidr"] = "10.20.30.0/33"
    taken["sites"][0]["vpns"][0]["tunnels"] = [{"psk": "0starts.with.zero"}]
    files = {
        "not-json.json": (b"{sites: [", "The file is not valid JSON"),
        "a-list.json": (b"[]", "The request document must be a JSON object, not a list."),
        "production.json": (
            json.dumps(production).encode(),
            f"The file is for Production IPsec site-to-site VPN, but {leeds_draft.reference}"
            " is UAT IPsec site-to-site VPN: start a new request of that kind to import it.",
        ),
        "wrong-subnet.json": (
            json.dumps(taken).encode(),
            "Subnet 1 at London DC1 (at sites[0].subnets[0].cidr in the file):",
        ),
    }
    sign_in(page, live_server, client_user)
    for name, (content, message) in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        page.goto(live_server.url + reverse("request-import", args=[leeds_draft.reference]))
        page.get_by_label("Request document (JSON)").set_input_files(path)
        page.get_by_role("button", name="Import the answers").click()
        summary = page.get_by_test_id("error-summary")
        expect(summary).to_contain_text(message)
        expect(summary).not_to_contain_text("0starts.with.zero")  # a PSK is never shown
        assert page.title().startswith("Error: ")
        assert _answers(leeds_draft) == before, name
    # The same judgement as the command line: the subnet and the PSK are both named.
    expect(page.get_by_test_id("error-summary")).to_contain_text(
        "Tunnel 1 of VPN 1 (Web Services, EHI and Thredd Portal) at London DC1 "
        "(at sites[0].vpns[0].tunnels[0].psk in the file):"
    )
    check_page(page, "document-import-errors")
    # No file at all is asked for.
    page.get_by_role("button", name="Import the answers").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Choose the JSON file to import.")


@pytest.mark.browser
def test_the_printed_request_page_has_no_navigation_or_buttons(
    page: Page, live_server, client_user, sent_request
):
    sign_in(page, live_server, client_user)
    page.goto(live_server.url + reverse("request-detail", args=[sent_request.reference]))
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation).to_be_visible()
    page.emulate_media(media="print")
    expect(navigation).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.get_by_role("link", name="Download as JSON")).to_be_hidden()
    expect(page.get_by_role("heading", name=sent_request.reference)).to_be_visible()
    page.emulate_media(media="screen")
    expect(navigation).to_be_visible()


@pytest.mark.browser
def test_the_setup_form_downloads_as_a_pdf_of_the_answers(
    page: Page, live_server, client_user, sent_request, tmp_path
):
    sign_in(page, live_server, client_user)
    page.goto(live_server.url + reverse("request-detail", args=[sent_request.reference]))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the setup form as PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{sent_request.reference}-setup-form.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"%PDF-")
    text = _pdf_text(content)
    for expected in (
        sent_request.reference,
        "Acme Payments",
        "London DC1",
        "Manchester DC2",
        "10.20.30.0/24",
        "10.20.31.0/24",
        "81.2.69.170",
    ):
        assert expected in text, expected
    assert TUNNEL_PSK not in text


def test_another_organisation_gets_none_of_the_files(other_client_user, sent_request):
    browser = Client()
    browser.force_login(other_client_user)
    for name in ("request-document", "request-pdf", "request-import"):
        url = reverse(name, args=[sent_request.reference])
        assert browser.get(url).status_code == 404, name
        assert browser.post(url).status_code in (404, 405), name  # downloads take no POST


def test_a_sent_request_takes_no_import(client_user, sent_request):
    browser = Client()
    browser.force_login(client_user)
    response = browser.get(reverse("request-import", args=[sent_request.reference]))
    assert response.status_code == 302
    assert response.url == reverse("request-detail", args=[sent_request.reference])


def test_a_psk_the_file_leaves_out_keeps_the_stored_one(client_user):
    """An amendment's carried-over PSK survives a round trip through the downloaded file."""
    draft = request_create(organisation=client_user.organisation, created_by=client_user)
    browser = Client()
    browser.force_login(client_user)
    exported = browser.get(reverse("request-document", args=[draft.reference]))
    assert exported["Content-Type"] == "application/json"
    assert TUNNEL_PSK.encode() not in exported.content
    upload = io.BytesIO(exported.content)
    upload.name = "answers.json"
    response = browser.post(reverse("request-import", args=[draft.reference]), {"file": upload})
    assert response.status_code == 302
    (tunnel,) = Tunnel.objects.filter(vpn__site__request=draft)
    assert tunnel.psk == TUNNEL_PSK


def test_the_pdf_fetches_only_the_portals_static_files():
    fetcher = StaticFilesFetcher()
    stylesheet = fetcher.fetch(PAGE_ORIGIN + "/static/css/portal.css")
    assert b".summary-list" in stylesheet.read()
    for url in (
        "https://cdn.example.com/static/css/portal.css",
        PAGE_ORIGIN + "/static/css/nothing-here.css",
        PAGE_ORIGIN + "/static/../../etc/passwd",
        "file:///etc/passwd",
        PAGE_ORIGIN + "/admin/",
    ):
        with pytest.raises(ValueError, match=r"fetched|No static file"):
            fetcher.fetch(url)
    # A page pointing at the internet still renders, without fetching anything.
    pdf = html_to_pdf(
        '<link rel="stylesheet" href="https://cdn.example.com/x.css">'
        '<img src="https://cdn.example.com/x.png" alt="">'
        "<p>London DC1</p>"
    )
    assert "London DC1" in _pdf_text(pdf)
