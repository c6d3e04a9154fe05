"""Who is told what when a request changes status, and the outbox that delivers it.

Every status change writes one outbox row per recipient in the transaction of its event
(`outbox_emails_create`), so a rolled-back change mails nobody and a committed one is never
lost. After commit a Celery task delivers each row (`outbound_email_send`); while the mail
server is unreachable the row stays pending and the periodic sweep (`outbox_due`) hands it
out again. Mail says what changed, what happens next and who acts, with a link to the
request behind sign-in: never a PSK, never a configuration file.
"""

import smtplib
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from connectivity.choices import ContactRole, RequestStatus
from connectivity.models import (
    ConnectivityRequest,
    OutboundEmail,
    OutboundEmailStatus,
    RequestEvent,
    Tunnel,
    User,
)
from connectivity.tasks import MailDeferred, email_send

# How long a pending email waits before the sweep hands it out again: longer than the
# longest pause between the task's own retries (connectivity.tasks.email_send), so the
# sweep never doubles a retry chain that is still running.
RESEND_AFTER = timedelta(minutes=1)
# Mail servers refuse for good with a 5xx reply; anything else may work on a later try.
SMTP_PERMANENT_FAILURE = 500


def request_path(request: ConnectivityRequest) -> str:
    """Return the path of the request's page in the portal."""
    return request.get_absolute_url()


def request_url(request: ConnectivityRequest) -> str:
    """Return the absolute link to the request's page, for email."""
    return settings.PORTAL_BASE_URL.rstrip("/") + request_path(request)


def event_recipients(event: RequestEvent) -> list[str]:
    """Return who is told of `event`: the client's people and the Thredd side.

    The client's people are the request's contacts and the user who created it. The Thredd
    side is the assigned engineer, or, for a submission nobody has picked up yet, the team
    mailbox. An address that signs in for another organisation is never mailed, even when
    it was typed in as a contact.
    """
    request = event.request
    client = {contact.email.lower() for contact in request.contacts.all()}
    creator = request.created_by
    if (
        creator is not None
        and creator.is_active
        and creator.organisation_id == request.organisation_id
    ):
        client.add(creator.email.lower())
    outsiders = set(
        User.objects.filter(email__in=client, organisation__isnull=False)
        .exclude(organisation_id=request.organisation_id)
        .values_list("email", flat=True)
    )
    recipients = client - outsiders
    if request.assigned_to is not None:
        recipients.add(request.assigned_to.email.lower())
    elif event.to_status == RequestStatus.SUBMITTED:
        recipients.add(settings.THREDD_TEAM_EMAIL.lower())
    return sorted(recipients)


def outbox_emails_create(*, event: RequestEvent) -> list[OutboundEmail]:
    """Write the outbox rows that tell everyone of `event`, one per recipient.

    Call it in the transaction that records the event; delivery is the caller's to arrange
    after commit.
    """
    request = event.request
    return outbox_rows(
        request=request,
        template=f"connectivity/emails/{event.to_status}",
        context={"request": request, "event": event, "link": request_url(request)},
        recipients=event_recipients(event),
        event=event,
    )


def tunnel_down_emails_create(*, tunnel: Tunnel) -> list[OutboundEmail]:
    """Write the outbox rows that say a tunnel of an active connection is down.

    To the request's technical contacts and Thredd's team; the topic names the tunnel and
    the start of its down spell, so each spell is mailed once however often it is polled.
    """
    request = tunnel.vpn.site.request
    technical = {
        contact.email.lower()
        for contact in request.contacts.all()
        if contact.role == ContactRole.TECHNICAL and contact.email
    }
    return outbox_rows(
        request=request,
        template="connectivity/emails/tunnel_down",
        context={
            "request": request,
            "tunnel": tunnel,
            "vpn": tunnel.vpn,
            "site": tunnel.vpn.site,
            "link": request_url(request),
        },
        recipients=sorted(technical | {settings.THREDD_TEAM_EMAIL.lower()}),
        topic=f"tunnel-down:{tunnel.pk}:{tunnel.state_since:%Y%m%dT%H%M%S}",
    )


def outbox_rows(
    *,
    request: ConnectivityRequest,
    template: str,
    context: dict,
    recipients: list[str],
    event: RequestEvent | None = None,
    topic: str = "",
) -> list[OutboundEmail]:
    """Render one email (subject, text, HTML) and write an outbox row per recipient."""
    subject = " ".join(render_to_string(f"{template}/subject.txt", context).split())
    text_body = render_to_string(f"{template}/body.txt", context)
    html_body = render_to_string(f"{template}/body.html", context)
    return OutboundEmail.objects.bulk_create(
        OutboundEmail(
            request=request,
            event=event,
            topic=topic,
            recipient=recipient,
            subject=subject,
            text_body=text_body,
            html_body=html_body,
            headers=_headers(request),
        )
        for recipient in recipients
    )


def _headers(request: ConnectivityRequest | None) -> dict[str, str]:
    # RFC 3834: no out-of-office replies to a robot; Outlook reads its own header.
    headers = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    if request is not None:
        headers["X-Thredd-Request"] = request.reference
    return headers


def account_email_send(
    *, recipient: str, subject: str, text_body: str, html_body: str, topic: str
) -> OutboundEmail:
    """Put an account email (an invitation, a password reset) in the outbox; send after commit.

    Through the outbox like every other mail: a mail server that is down or hung neither
    loses it nor keeps the user's page waiting (so a reset for a known address answers as
    fast as one for an unknown address), and the sweep sends it when the server returns.
    """
    email = OutboundEmail.objects.create(
        recipient=recipient,
        subject=" ".join(subject.split()),
        text_body=text_body,
        html_body=html_body,
        headers=_headers(None),
        topic=topic,
    )
    transaction.on_commit(partial(email_send.delay, email.pk), robust=True)
    return email


def outbound_email_send(*, email_id: int) -> str | None:
    """Deliver one pending outbox email through the default mailer and record the outcome.

    Idempotent: the row is locked for the attempt and only a pending row is sent, so two
    workers (or a retry and the sweep) never send it twice. Returns the new status, or None
    when there was nothing to do. Raises MailDeferred, after recording the attempt, when the
    server may take the email later.
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmailStatus.PENDING)
            .first()
        )
        if email is None:
            return None
        email.attempts += 1
        email.last_attempt_at = timezone.now()
        # The row stays locked while the server is spoken to: that is what makes another
        # worker skip it rather than send it a second time.
        try:
            _message(email).send()
        except OSError as exc:  # smtplib.SMTPException and socket errors alike
            email.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if _refused_for_good(exc):
                email.status = OutboundEmailStatus.FAILED
        else:
            email.status = OutboundEmailStatus.SENT
            email.sent_at = email.last_attempt_at
            email.last_error = ""
        email.save(update_fields=["status", "attempts", "last_attempt_at", "last_error", "sent_at"])
    if email.status == OutboundEmailStatus.PENDING:
        raise MailDeferred(f"Email {email.pk} not sent yet: {email.last_error}")
    return email.status


def outbox_due() -> list[int]:
    """Return the ids of pending emails nobody has tried for a while, oldest first."""
    return list(
        OutboundEmail.objects.filter(status=OutboundEmailStatus.PENDING)
        .alias(tried_at=Coalesce("last_attempt_at", "created_at"))
        .filter(tried_at__lt=timezone.now() - RESEND_AFTER)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    )


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
        headers=email.headers,
    )
    message.attach_alternative(email.html_body, "text/html")
    return message


def _refused_for_good(exc: OSError) -> bool:
    """Say whether the server refused the recipient or the message itself with a 5xx reply.

    Connection failures, timeouts, 4xx replies and authentication trouble are fixed by
    time or by an operator, so those emails stay pending.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
    elif isinstance(exc, smtplib.SMTPDataError):
        codes = [exc.smtp_code]
    else:
        return False
    return all(code >= SMTP_PERMANENT_FAILURE for code in codes)
