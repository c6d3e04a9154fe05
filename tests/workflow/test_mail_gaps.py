"""Mail that was missing: files ready, new comments, a withdrawal Thredd was never told of,
and links that follow the address the portal is served at (issue 17, point 9).

Each is delivered through a real SMTP server (aiosmtpd) and tasks run eagerly after commit,
as the embedded default runs them; the browser tests drive Debian's Chromium.
"""

import os
import re
import threading

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from connectivity.choices import AwsStatus, RequestStatus
from connectivity.demo import DEMO_ORGANISATIONS, DEMO_PASSWORD
from connectivity.models import (
    AwsVpnConnection,
    ConnectivityRequest,
    Organisation,
    OutboundEmail,
    Tunnel,
    User,
)
from connectivity.services import artifacts, workflow
from connectivity.tasks import artifact_render_task, email_send
from tests.artifacts.conftest import (  # noqa: F401 - fixtures, shared with the artifact tests
    MTLS_CHANGES,
    approved_request,
    in_review,
    thredd_uat,
    three_vpns,
)
from tests.client.test_journeys import check_page, sign_in
from tests.conftest import PASSWORD, _database_url, free_port, wait_until
from tests.documents import CONTACT_EMAIL
from tests.factories import aws_side_record, request_create, subnets_confirm
from tests.foundation.test_run_command import _start as start_run
from tests.foundation.test_run_command import _stop as stop_run
from tests.foundation.test_run_command import _wait_for_start as wait_for_start
from tests.review.test_review_journey import _enrol_authenticator

S = RequestStatus
CLIENT_EMAIL = "ada@acme-payments.example"
TEAM = settings.THREDD_TEAM_EMAIL
# A PSK as AWS allows it: a run of its alphabet, standing alone (REFERENCE §2 psk_invalid).
PSK_SHAPED = re.compile(r"(?<![A-Za-z0-9._])[A-Za-z0-9._]{32}(?![A-Za-z0-9._])")
FILES_READY = "your configuration files are ready"

pytestmark = pytest.mark.usefixtures("eager_tasks")


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def _links(message) -> set[str]:
    return set(re.findall(r"https?://[^\s\"<>]+", _text(message)))


def _assign(connectivity_request, engineer) -> None:
    ConnectivityRequest.objects.filter(pk=connectivity_request.pk).update(assigned_to=engineer)
    connectivity_request.refresh_from_db()


def _no_secret_in(smtp_server, connectivity_request) -> None:
    """Assert that no message holds a tunnel's PSK nor anything shaped like one."""
    psks = [
        tunnel.psk
        for tunnel in Tunnel.objects.filter(vpn__site__request=connectivity_request)
        if tunnel.psk
    ]
    for envelope in smtp_server.envelopes:
        raw = envelope.original_content.decode()
        for psk in psks:
            assert psk not in raw
    for message in smtp_server.messages:
        for part in (_text(message), _html(message)):
            assert not PSK_SHAPED.search(part), part


# Files ready ---------------------------------------------------------------------------------


def test_the_client_is_mailed_once_when_the_last_file_is_ready(
    approved_request,  # noqa: F811 - the fixture imported above
    smtp_server,
    django_capture_on_commit_callbacks,
):
    # Approved, Thredd's AWS side recorded: three files pending (their renders never ran,
    # since this test's transaction does not commit).
    connectivity_request = approved_request(sites=three_vpns())
    *first_ones, last = connectivity_request.artifacts.order_by("id")

    with django_capture_on_commit_callbacks(execute=True):
        for artifact in first_ones:
            artifacts.artifact_render(artifact_id=artifact.pk)
    assert smtp_server.messages == []  # two of three ready: nothing to say yet

    with django_capture_on_commit_callbacks(execute=True):
        artifacts.artifact_render(artifact_id=last.pk)

    reference = connectivity_request.reference
    assert smtp_server.delivered_to() == sorted([CLIENT_EMAIL, CONTACT_EMAIL])
    for message in smtp_server.messages:
        assert message["Subject"] == f"{reference}: {FILES_READY}"
        assert message["X-Thredd-Request"] == reference
        assert _links(message) == {f"{settings.PORTAL_BASE_URL}/requests/{reference}/"}
        assert "ready to download" in _text(message)
        assert "Acme Payments" in _text(message)
        assert "sign-in required" in _html(message)
    _no_secret_in(smtp_server, connectivity_request)

    # An engineer records AWS's values again: the files are rendered anew, nobody is mailed.
    vpn = last.vpn
    with django_capture_on_commit_callbacks(execute=True):
        again = artifacts.artifacts_refresh(request=connectivity_request, vpn=vpn)
        for artifact in again:
            artifacts.artifact_render(artifact_id=artifact.pk)
    assert len(smtp_server.messages) == 2


def test_the_mtls_bundle_ready_mails_the_client(
    approved_request,  # noqa: F811 - the fixture imported above
    smtp_server,
    django_capture_on_commit_callbacks,
):
    connectivity_request = approved_request(**MTLS_CHANGES)
    with django_capture_on_commit_callbacks(execute=True):
        for artifact in connectivity_request.artifacts.all():
            artifacts.artifact_render(artifact_id=artifact.pk)
    subjects = [message["Subject"] for message in smtp_server.messages]
    assert subjects == [f"{connectivity_request.reference}: {FILES_READY}"] * 2


def test_no_files_ready_mail_while_a_vpn_still_awaits_thredds_aws_side(
    in_review,  # noqa: F811 - the fixture imported above
    thredd_engineer,
    thredd_uat,  # noqa: F811 - the fixture imported above
    smtp_server,
    django_capture_on_commit_callbacks,
):
    connectivity_request = in_review(sites=three_vpns())
    subnets_confirm(request=connectivity_request, engineer=thredd_engineer)
    workflow.request_transition("approve", request=connectivity_request, actor=thredd_engineer)
    # AWS's side of the last VPN is still being made: the engineer records the other two.
    late = AwsVpnConnection.objects.filter(vpn__site__request=connectivity_request).last()
    AwsVpnConnection.objects.filter(pk=late.pk).update(status=AwsStatus.PROVISIONING)
    aws_side_record(request=connectivity_request, engineer=thredd_engineer)

    with django_capture_on_commit_callbacks(execute=True):
        for artifact in connectivity_request.artifacts.all():
            artifacts.artifact_render(artifact_id=artifact.pk)
    assert connectivity_request.artifacts.count() == 2
    assert smtp_server.messages == []

    AwsVpnConnection.objects.filter(pk=late.pk).update(status=AwsStatus.AWAITING_VALUES)
    with django_capture_on_commit_callbacks(execute=True):
        aws_side_record(request=connectivity_request, engineer=thredd_engineer)
        (last,) = connectivity_request.artifacts.filter(vpn=late.vpn)
        artifacts.artifact_render(artifact_id=last.pk)
    assert [m["Subject"] for m in smtp_server.messages] == [
        f"{connectivity_request.reference}: {FILES_READY}"
    ] * 2


@pytest.mark.django_db(transaction=True)
def test_files_finishing_at_the_same_moment_mail_the_client_once(
    approved_request,  # noqa: F811 - the fixture imported above
    monkeypatch,
):
    """Two renders finish together, each before the other commits: one mail, not none, not two.

    Each render waits for the other inside its transaction, so both mark their file ready
    before either commits; without a lock each would see the other's file still pending.
    """
    # Committed as it goes: hold the renders and mail back, to run them by hand below.
    monkeypatch.setattr(artifact_render_task, "delay", lambda *args: None)
    monkeypatch.setattr(email_send, "delay", lambda *args: None)
    connectivity_request = approved_request(sites=three_vpns())
    first, *others = connectivity_request.artifacts.order_by("id")
    artifacts.artifact_render(artifact_id=first.pk)
    render_target = artifacts.render_target
    barrier = threading.Barrier(len(others))

    def render_together(*args, **kwargs):
        files = render_target(*args, **kwargs)
        barrier.wait(timeout=20)
        return files

    monkeypatch.setattr(artifacts, "render_target", render_together)
    outcomes = {}

    def render(artifact):
        try:
            outcomes[artifact.pk] = artifacts.artifact_render(artifact_id=artifact.pk).status
        except Exception as exc:  # the test inspects whatever was raised
            outcomes[artifact.pk] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=render, args=(artifact,)) for artifact in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert set(outcomes.values()) == {"ready"}, outcomes
    mailed = OutboundEmail.objects.filter(request=connectivity_request, topic__startswith="files")
    assert sorted(mailed.values_list("recipient", flat=True)) == sorted(
        [CLIENT_EMAIL, CONTACT_EMAIL]
    )


# Comments ------------------------------------------------------------------------------------


def test_a_client_comment_mails_the_assigned_engineer_with_a_link_to_review(
    make_request, client_user, thredd_engineer, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.IN_REVIEW)
    _assign(connectivity_request, thredd_engineer)
    body = "Is a /23 acceptable for EHI? Our key is Kx7.Lm2_Rt9vBz4Np8Qd6Wy3Hs5Jf1Gq"

    with django_capture_on_commit_callbacks(execute=True):
        workflow.comment_create(request=connectivity_request, author=client_user, body=body)

    reference = connectivity_request.reference
    assert smtp_server.delivered_to() == [thredd_engineer.email]
    message = smtp_server.messages[0]
    assert message["Subject"] == f"{reference}: new comment from Acme Payments"
    assert f"{CLIENT_EMAIL} of Acme Payments has added a comment" in _text(message)
    # Staff act on the review page: the client's page is not theirs.
    assert _links(message) == {f"{settings.PORTAL_BASE_URL}/review/{reference}/"}
    # What was typed stays behind sign-in: a pasted key never travels by mail.
    assert "/23" not in _text(message) + _html(message)
    assert not PSK_SHAPED.search(_text(message) + _html(message))


def test_a_client_comment_on_an_unassigned_request_mails_thredds_team(
    make_request, client_user, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.comment_create(request=connectivity_request, author=client_user, body="Any news?")
    assert smtp_server.delivered_to() == [TEAM]


def test_an_engineer_comment_mails_the_clients_people_as_thredd(
    make_request, thredd_engineer, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.IN_REVIEW)
    _assign(connectivity_request, thredd_engineer)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.comment_create(
            request=connectivity_request, author=thredd_engineer, body="Could EHI move?"
        )

    reference = connectivity_request.reference
    assert smtp_server.delivered_to() == sorted([CLIENT_EMAIL, CONTACT_EMAIL])
    for message in smtp_server.messages:
        assert message["Subject"] == f"{reference}: new comment from Thredd"
        assert "Thredd has added a comment" in _text(message)
        # Clients know Thredd's engineers only as "Thredd", as on the request's page.
        assert thredd_engineer.email not in _text(message) + _html(message)
        assert _links(message) == {f"{settings.PORTAL_BASE_URL}/requests/{reference}/"}


def test_an_internal_note_mails_nobody(
    make_request, thredd_engineer, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.IN_REVIEW)
    _assign(connectivity_request, thredd_engineer)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.comment_create(
            request=connectivity_request, author=thredd_engineer, body="psst", internal=True
        )
    assert smtp_server.messages == []
    assert not OutboundEmail.objects.exists()


# Withdrawal ----------------------------------------------------------------------------------


def test_withdrawing_an_unassigned_request_tells_thredds_team(
    make_request, client_user, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition("withdraw", request=connectivity_request, actor=client_user)

    reference = connectivity_request.reference
    assert smtp_server.delivered_to() == sorted([CLIENT_EMAIL, CONTACT_EMAIL, TEAM])
    to_team = next(m for m in smtp_server.messages if m["To"] == TEAM)
    assert to_team["Subject"] == f"{reference} withdrawn"
    assert _links(to_team) == {f"{settings.PORTAL_BASE_URL}/review/{reference}/"}


def test_withdrawing_a_draft_thredd_never_saw_mails_only_the_client(
    make_request, client_user, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition("withdraw", request=connectivity_request, actor=client_user)
    assert smtp_server.delivered_to() == sorted([CLIENT_EMAIL, CONTACT_EMAIL])


# In the browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_comment_posted_in_the_browser_reaches_the_engineer_whose_link_opens_it(
    live_server, browser, page, organisation, client_user, thredd_engineer, smtp_server, settings
):
    settings.PORTAL_BASE_URL = live_server.url
    connectivity_request = request_create(
        organisation=organisation, created_by=client_user, status=S.IN_REVIEW
    )
    _assign(connectivity_request, thredd_engineer)
    reference = connectivity_request.reference

    sign_in(page, live_server, client_user)
    page.get_by_role("link", name=reference).click()
    page.get_by_label("Add a comment").fill("Can the EHI subnet be a /23?")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("Comment added.")).to_be_visible()
    check_page(page, "comment-added")

    message = wait_until(
        lambda: next((m for m in smtp_server.messages if m["To"] == thredd_engineer.email), None),
        timeout=10,
        message="the comment's mail to reach the engineer",
    )
    assert smtp_server.delivered_to() == [thredd_engineer.email]
    (link,) = _links(message)
    assert link == f"{live_server.url}/review/{reference}/"

    # The engineer follows the link from the mail, signs in and lands on the comment.
    engineer_page = browser.new_context().new_page()
    engineer_page.goto(link)
    engineer_page.get_by_label("Email address").fill(thredd_engineer.email)
    engineer_page.get_by_label("Password").fill(PASSWORD)
    engineer_page.get_by_role("button", name="Sign in").click()
    _enrol_authenticator(engineer_page)
    engineer_page.wait_for_url(link)
    expect(engineer_page.get_by_test_id("comment")).to_contain_text("Can the EHI subnet be a /23?")
    engineer_page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_make_run_links_mail_to_the_port_it_serves_on(browser, page, smtp_server, tmp_path):
    """`make run PORT=…` on another port: a withdrawal in the browser mails Thredd's team a
    link to that port, which opens."""
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PORTAL_BASE_URL", "CELERY_BROKER_URL", "DJANGO_ENV"}
    }
    environment |= {
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "THREDD_TEAM_EMAIL": TEAM,
    }
    log = tmp_path / "run.log"
    process = start_run(port, environment, log)
    try:
        wait_for_start(process, log)
        assert process.poll() is None, log.read_text()
        _, slug, email = DEMO_ORGANISATIONS[0]
        client = User.objects.get(email=email)
        connectivity_request = request_create(
            organisation=Organisation.objects.get(slug=slug), created_by=client, status=S.SUBMITTED
        )
        reference = connectivity_request.reference
        portal = f"http://127.0.0.1:{port}"

        page.goto(f"{portal}/requests/{reference}/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Withdraw this request").click()
        page.get_by_role("button", name="Withdraw the request").click()
        expect(page.get_by_test_id("request-status")).to_have_text("Withdrawn")

        message = wait_until(
            lambda: next((m for m in smtp_server.messages if m["To"] == TEAM), None),
            timeout=20,
            message="the withdrawal's mail to reach Thredd's team",
        )
        assert message["Subject"] == f"{reference} withdrawn"
        (link,) = _links(message)
        assert link == f"{portal}/review/{reference}/"
        # Thredd's engineer opens it: the portal answers there, asking them to sign in.
        engineer_page = browser.new_context().new_page()
        response = engineer_page.goto(link)
        assert response.ok
        expect(engineer_page.get_by_label("Email address")).to_be_visible()
        engineer_page.context.close()
    finally:
        stop_run(process)
