"""Who is told what when a request changes, and the outbox that delivers it.

Every status change writes one outbox row per recipient in the transaction of its event
(`outbox_emails_create`), as do a new comment (`comment_emails_create`) and the last of an
approval's files becoming ready (`files_ready_emails_create`), so a rolled-back change mails
nobody and a committed one is never lost. The client's people are linked to the request's
page, Thredd's side to its review page, both at PORTAL_BASE_URL. After commit a Celery
task delivers each row (`outbound_email_send`); while the mail server is unreachable the row
stays pending and the periodic sweep (`outbox_due`) hands it out again. Mail says what
changed, what happens next and who acts, with a link to the request behind sign-in: never a
PSK, never a configuration file.
"""

import smtplib
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from connectivity.choices import ContactRole, RequestStatus
from connectivity.models import (
    Comment,
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
    """Return the absolute link to the request's page, for email to the client's people."""
    return settings.PORTAL_BASE_URL.rstrip("/") + request_path(request)


def review_url(request: ConnectivityRequest) -> str:
    """Return the absolute link to the request's review page, for email to Thredd's side.

    The client's page answers 403 to staff, so Thredd's engineers are sent where they act.
    """
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "review-detail", kwargs={"reference": request.reference}
    )


def client_recipients(request: ConnectivityRequest) -> set[str]:
    """Return the client's people: the request's contacts and the user who created it.

    An address that signs in for another organisation is never mailed, even when it was
    typed in as a contact.
    """
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
    return client - outsiders


def thredd_recipients(request: ConnectivityRequest, *, team_when_unassigned: bool) -> set[str]:
    """Return Thredd's side: the assigned engineer, else (when asked) the team mailbox."""
    if request.assigned_to is not None:
        return {request.assigned_to.email.lower()}
    return {settings.THREDD_TEAM_EMAIL.lower()} if team_when_unassigned else set()


def _team_is_told(event: RequestEvent) -> bool:
    """Say whether Thredd's team hears of `event` when nobody is assigned yet.

    A submission asks the team to pick the request up; a withdrawal of a request the team
    was sent tells it to stop. A draft withdrawn before it was ever sent is no news to them.
    """
    return event.to_status == RequestStatus.SUBMITTED or (
        event.to_status == RequestStatus.WITHDRAWN and event.from_status != RequestStatus.DRAFT
    )


def outbox_emails_create(*, event: RequestEvent) -> list[OutboundEmail]:
    """Write the outbox rows that tell everyone of `event`, one per recipient.

    The client's people and the Thredd side (`thredd_recipients`, the team for
    `_team_is_told` events). Call it in the transaction that records the event; delivery is
    the caller's to arrange after commit.
    """
    request = event.request
    return outbox_rows_both_sides(
        request=request,
        template=f"connectivity/emails/{event.to_status}",
        context={"request": request, "event": event},
        client=client_recipients(request),
        thredd=thredd_recipients(request, team_when_unassigned=_team_is_told(event)),
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
    return outbox_rows_both_sides(
        request=request,
        template="connectivity/emails/tunnel_down",
        context={
            "request": request,
            "tunnel": tunnel,
            "vpn": tunnel.vpn,
            "site": tunnel.vpn.site,
        },
        client=technical,
        thredd={settings.THREDD_TEAM_EMAIL.lower()},
        topic=f"tunnel-down:{tunnel.pk}:{tunnel.state_since:%Y%m%dT%H%M%S}",
    )


def comment_emails_create(*, comment: Comment) -> list[OutboundEmail]:
    """Write the outbox rows that tell the other side of a new comment; send after commit.

    A client's comment goes to the assigned engineer or, while nobody is assigned, Thredd's
    team; an engineer's to the client's people. An internal note mails nobody. The mail
    says who wrote and links to the thread, without the comment's text: what people paste
    into a comment (a device's configuration, say) may hold a PSK, which mail never carries.
    """
    if comment.internal:
        return []
    request = comment.request
    from_thredd = comment.author.is_staff
    rows = outbox_rows_both_sides(
        request=request,
        template="connectivity/emails/comment",
        context={"request": request, "comment": comment, "from_thredd": from_thredd},
        client=client_recipients(request) if from_thredd else set(),
        thredd=set() if from_thredd else thredd_recipients(request, team_when_unassigned=True),
        topic=f"comment:{comment.pk}",
    )
    emails_send_after_commit(rows)
    return rows


def files_ready_emails_create(
    *, request: ConnectivityRequest, approval: RequestEvent
) -> list[OutboundEmail]:
    """Tell the client's people, once per approval, that their files are ready; send after commit.

    The caller holds the request's row lock and has found every file ready. The topic names
    the approval, so files rendered again later (AWS's values recorded anew) mail nobody
    twice, and the unique (topic, recipient) constraint backs the lock up.
    """
    rows = outbox_rows_both_sides(
        request=request,
        template="connectivity/emails/files_ready",
        context={"request": request},
        client=client_recipients(request),
        thredd=set(),
        topic=f"files-ready:{approval.pk}",
    )
    emails_send_after_commit(rows)
    return rows


def emails_send_after_commit(emails: list[OutboundEmail]) -> None:
    """Queue the delivery of each outbox email once the current transaction commits.

    robust: a broker that is down must not undo a committed change; the sweep delivers the
    email later.
    """
    for email in emails:
        transaction.on_commit(partial(email_send.delay, email.pk), robust=True)


def outbox_rows_both_sides(
    *,
    request: ConnectivityRequest,
    template: str,
    context: dict,
    client: set[str],
    thredd: set[str],
    event: RequestEvent | None = None,
    topic: str = "",
) -> list[OutboundEmail]:
    """Write one email per recipient: the client's people get the link to the request's
    page, Thredd's side the link to its review page.

    Under a `topic`, whoever it has mailed already is left out, so writing the same news
    again mails nobody twice.
    """
    if topic:
        mailed = set(OutboundEmail.objects.filter(topic=topic).values_list("recipient", flat=True))
        client, thredd = client - mailed, thredd - mailed
    return [
        *outbox_rows(
            request=request,
            template=template,
            context={**context, "link": request_url(request)},
            recipients=sorted(client),
            event=event,
            topic=topic,
        ),
        *outbox_rows(
            request=request,
            template=template,
            context={**context, "link": review_url(request)},
            recipients=sorted(thredd - client),
            event=event,
            topic=topic,
        ),
    ]


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
    if not recipients:
        return []
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
    emails_send_after_commit([email])
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
