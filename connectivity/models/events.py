"""What happens to a request over time: status events, the comment thread and the mail outbox."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from connectivity.choices import RequestStatus

from .requests import ConnectivityRequest

__all__ = ["Comment", "OutboundEmail", "OutboundEmailStatus", "RequestEvent"]


class OutboundEmailStatus(models.TextChoices):
    """Say where an outbox email is: waiting (and retried), delivered, or refused for good."""

    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class RequestEvent(models.Model):
    """One status change of a request: who moved it, from where, to where, why and when.

    Rows are written only by `services.workflow`, in the same transaction as the
    change, so the timeline and the status never disagree. `from_status` is empty for the
    event that starts an amendment's draft.
    """

    request = models.ForeignKey(
        ConnectivityRequest, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    from_status = models.CharField(max_length=20, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=RequestStatus.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request}: {self.from_status or 'new'} → {self.to_status}"

    @property
    def comment_for_client(self) -> str:
        """Return the comment as the client may read it, on the timeline and in mail.

        An In review event's note says which of Thredd's engineers assigned the review to
        whom; clients know Thredd's engineers only as "Thredd", so it stays with Thredd.
        """
        return "" if self.to_status == RequestStatus.IN_REVIEW else self.comment


class Comment(models.Model):
    """A message on a request's thread; an internal note is for Thredd staff only."""

    request = models.ForeignKey(
        ConnectivityRequest, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    internal = models.BooleanField(
        default=False, help_text="Seen by Thredd staff only, never by the client nor mailed."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{'Internal note' if self.internal else 'Comment'} on {self.request}"


class OutboundEmail(models.Model):
    """One email to one recipient about one event: the outbox row a Celery task delivers.

    It is written in the transaction of the event, so a rolled-back change mails nobody and
    a committed one is never forgotten: a periodic sweep re-sends whatever is still pending.
    Mail about something other than a status change (a tunnel down) has no event but a
    `topic`, which likewise mails each recipient once.
    """

    request = models.ForeignKey(
        ConnectivityRequest,
        on_delete=models.CASCADE,
        related_name="emails",
        null=True,
        blank=True,
        help_text="Empty for mail about an account (an invitation, a password reset).",
    )
    event = models.ForeignKey(
        RequestEvent, on_delete=models.CASCADE, related_name="emails", null=True, blank=True
    )
    topic = models.CharField(max_length=100, blank=True)
    recipient = models.EmailField()
    subject = models.CharField(max_length=255)
    text_body = models.TextField()
    html_body = models.TextField()
    headers = models.JSONField(default=dict)
    status = models.CharField(
        max_length=8, choices=OutboundEmailStatus.choices, default=OutboundEmailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One change mails each recipient once, however often delivery is retried.
            models.UniqueConstraint(
                fields=["event", "recipient"], name="outbound_email_event_recipient_unique"
            ),
            models.UniqueConstraint(
                fields=["topic", "recipient"],
                condition=~models.Q(topic=""),
                name="outbound_email_topic_recipient_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(event__isnull=False) | ~models.Q(topic=""),
                name="outbound_email_has_event_or_topic",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbound_email_pending_idx",
                condition=models.Q(status=OutboundEmailStatus.PENDING),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient} ({self.status})"
