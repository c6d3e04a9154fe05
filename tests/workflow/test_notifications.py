"""Status-change mail, delivered through a real SMTP server (aiosmtpd) on 127.0.0.1."""

import re

import pytest
from django.conf import settings
from django.template.loader import render_to_string

from connectivity.choices import RequestStatus
from connectivity.models import (
    ConnectivityRequest,
    OutboundEmail,
    OutboundEmailStatus,
    RequestEvent,
)
from connectivity.services import workflow
from connectivity.services.notifications import outbound_email_send
from tests.documents import CONTACT_EMAIL, TUNNEL_PSK
from tests.factories import subnets_confirm

S = RequestStatus
CLIENT_EMAIL = "ada@acme-payments.example"
# A PSK as AWS allows it: a run of its alphabet, standing alone (REFERENCE §2 psk_invalid).
PSK_SHAPED = re.compile(r"(?<![A-Za-z0-9._])[A-Za-z0-9._]{32}(?![A-Za-z0-9._])")

pytestmark = pytest.mark.usefixtures("eager_tasks")


def _bodies(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text.replace("\r\n", "\n"), html.replace("\r\n", "\n")


def test_submission_mails_the_client_people_and_the_thredd_team(
    make_request, client_user, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition("submit", request=connectivity_request, actor=client_user)

    reference = connectivity_request.reference
    team = settings.THREDD_TEAM_EMAIL
    assert smtp_server.delivered_to() == sorted([CLIENT_EMAIL, CONTACT_EMAIL, team])
    for message in smtp_server.messages:
        # Thredd's team acts on the review page; the client's page is the client's.
        page = "review" if message["To"] == team else "requests"
        link = f"{settings.PORTAL_BASE_URL}/{page}/{reference}/"
        assert message["Subject"] == f"{reference} submitted to Thredd for review"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["X-Thredd-Request"] == reference
        assert message["From"] == settings.DEFAULT_FROM_EMAIL
        assert len(message.get_all("To")) == 1  # one recipient per message: nobody sees others
        text, html = _bodies(message)
        for body in (text, html):
            assert reference in body
            assert "Submitted" in body
            assert link in body
            assert "sign-in required" in body
            assert "A Thredd engineer checks the answers" in body
        assert f'<a href="{link}">' in html
        assert "Who acts: Thredd." in text
    assert set(
        OutboundEmail.objects.filter(request=connectivity_request).values_list("status", flat=True)
    ) == {OutboundEmailStatus.SENT}


def test_later_changes_mail_the_assigned_engineer_not_the_team(
    make_request, client_user, thredd_engineer, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition(
            "start_review", request=connectivity_request, actor=thredd_engineer
        )
        workflow.request_transition(
            "ask_for_changes",
            request=connectivity_request,
            actor=thredd_engineer,
            comment="Split the subnet: EHI & Portal need their own.",
        )

    expected = sorted([CLIENT_EMAIL, CONTACT_EMAIL, thredd_engineer.email])
    in_review, changes = smtp_server.messages[:3], smtp_server.messages[3:]
    assert sorted(m["To"] for m in in_review) == sorted(m["To"] for m in changes) == expected
    message = changes[0]
    assert message["Subject"] == f"{connectivity_request.reference}: Thredd has asked for changes"
    text, html = _bodies(message)
    assert "What to change:\nSplit the subnet: EHI & Portal need their own." in text
    assert "Split the subnet: EHI &amp; Portal need their own." in html
    assert "Who acts: Acme Payments." in text


def test_reject_reason_is_mailed(
    make_request, thredd_engineer, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition(
            "reject",
            request=connectivity_request,
            actor=thredd_engineer,
            comment="Not a Thredd client.",
        )
    text, _ = _bodies(smtp_server.messages[0])
    assert "Reason:\nNot a Thredd client." in text
    assert "New status:   Rejected" in text


def test_no_mail_to_another_organisation(
    make_request, client_user, other_client_user, smtp_server, django_capture_on_commit_callbacks
):
    contacts = [
        {"name": "Olu Ops", "email": CONTACT_EMAIL, "role": "technical"},
        # Typed in by mistake: this address signs in for Borealis Cards.
        {"name": "Ben", "email": other_client_user.email, "role": "business"},
    ]
    connectivity_request = make_request(S.DRAFT, contacts=contacts)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition("submit", request=connectivity_request, actor=client_user)
    assert other_client_user.email not in smtp_server.delivered_to()
    assert CONTACT_EMAIL in smtp_server.delivered_to()


def test_no_psk_in_any_message(
    make_request, client_user, thredd_engineer, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.DRAFT)
    assert connectivity_request.sites.get().vpns.get().tunnels.get().psk == TUNNEL_PSK

    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition("submit", request=connectivity_request, actor=client_user)
        workflow.request_transition(
            "start_review", request=connectivity_request, actor=thredd_engineer
        )
        subnets_confirm(request=connectivity_request, engineer=thredd_engineer)
        workflow.request_transition("approve", request=connectivity_request, actor=thredd_engineer)
        workflow.request_transition("activate", request=connectivity_request, actor=thredd_engineer)

    assert len(smtp_server.messages) == 3 + 3 * 3
    for envelope, message in zip(smtp_server.envelopes, smtp_server.messages, strict=True):
        raw = envelope.original_content.decode()
        assert TUNNEL_PSK not in raw
        text, html = _bodies(message)
        headers = "\n".join(f"{k}: {v}" for k, v in message.items() if k != "Message-ID")
        for part in (headers, text, html):
            assert not PSK_SHAPED.search(part), part


def test_a_sent_email_is_not_sent_again(
    make_request, client_user, smtp_server, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition("submit", request=connectivity_request, actor=client_user)
    delivered = len(smtp_server.envelopes)

    for email in OutboundEmail.objects.all():
        assert outbound_email_send(email_id=email.pk) is None
        assert (email.status, email.attempts) == (OutboundEmailStatus.SENT, 1)

    assert len(smtp_server.envelopes) == delivered == 3


def test_a_refused_recipient_fails_for_good_without_holding_up_the_others(
    make_request, client_user, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.refuse.add(CONTACT_EMAIL)
    connectivity_request = make_request(S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition("submit", request=connectivity_request, actor=client_user)

    refused = OutboundEmail.objects.get(recipient=CONTACT_EMAIL)
    assert (refused.status, refused.attempts) == (OutboundEmailStatus.FAILED, 1)
    assert "550" in refused.last_error
    assert CONTACT_EMAIL not in smtp_server.delivered_to()
    assert len(smtp_server.envelopes) == 2
    connectivity_request.refresh_from_db()
    assert connectivity_request.status == S.SUBMITTED


@pytest.mark.parametrize(
    ("service", "arguments", "actor_fixture", "source", "subject"),
    [
        (
            "start_review",
            {},
            "thredd_engineer",
            S.SUBMITTED,
            "is being reviewed by Thredd",
        ),
        ("approve", {}, "thredd_engineer", S.IN_REVIEW, "approved by Thredd"),
        ("activate", {}, "thredd_engineer", S.APPROVED, "is active"),
        ("withdraw", {}, "client_user", S.SUBMITTED, "withdrawn"),
    ],
)
def test_every_event_has_its_own_wording(
    request,
    make_request,
    service,
    arguments,
    actor_fixture,
    source,
    subject,
    django_capture_on_commit_callbacks,
):
    connectivity_request = make_request(source)
    workflow.request_transition(
        service,
        request=connectivity_request,
        actor=request.getfixturevalue(actor_fixture),
        **arguments,
    )
    event = RequestEvent.objects.get(request=connectivity_request)
    email = OutboundEmail.objects.filter(event=event).first()
    assert email.subject == f"{connectivity_request.reference} {subject}"
    assert event.get_to_status_display() in email.text_body
    assert "What happens next" in email.html_body
    assert "{%" not in email.text_body + email.html_body


@pytest.mark.parametrize(
    ("connection_type", "promised"),
    [("ipsec_vpn", "confirms that each subnet is available"), ("mtls", "certificate signing")],
)
def test_the_submission_mail_promises_what_thredd_checks_for_the_kind(connection_type, promised):
    """An mTLS request has no subnets: its mail speaks of the certificate signing request."""
    request = ConnectivityRequest(reference="CR-2026-00001", connection_type=connection_type)
    for suffix in ("txt", "html"):
        body = render_to_string(
            f"connectivity/emails/submitted/body.{suffix}", {"request": request}
        )
        words = " ".join(body.split())  # the text part is wrapped at 76 columns
        assert promised in words
        assert ("subnet" in words) == (connection_type != "mtls")
