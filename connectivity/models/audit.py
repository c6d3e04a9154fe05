"""The audit log: who did what to which object, for which organisation, from where, when."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .organisations import Organisation

__all__ = ["AuditAction", "AuditEntry"]


class AuditAction(models.TextChoices):
    """What an audit entry records."""

    TRANSITION = "transition", "Status change"
    DOWNLOAD = "download", "Configuration download"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out"
    MFA_FAILED = "mfa_failed", "Second factor refused"
    ACCESS_DENIED = "access_denied", "Access denied"
    NOT_FOUND = "not_found", "Not found or not theirs"
    AWS_CHANGE = "aws_change", "Thredd's AWS side changed"


class AuditEntry(models.Model):
    """One security-relevant event, kept for investigation (PCI DSS 10.2).

    Rows are only ever added, through `services.audit.audit_record`. The actor's email
    and the object's reference are copied in, so an entry still reads after the user or
    the request is gone. Details never hold a password, a PSK or a file's content.
    """

    action = models.CharField(max_length=20, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_email = models.CharField(
        max_length=254, blank=True, help_text="As typed at sign-in, or the user's email then."
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    object_reference = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=300, blank=True)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["action", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_action_display()} {self.actor_email}"
