"""Configuration files generated for an approved request, and who downloaded them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from connectivity.fields import EncryptedSecretField

from .requests import ConnectivityRequest
from .sites import Site, Vpn

__all__ = ["Artifact", "ArtifactDownload", "ArtifactStatus"]


class ArtifactStatus(models.TextChoices):
    """Where a file is in its rendering: waiting for a worker, ready, or failed with a reason."""

    PENDING = "pending", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Artifact(models.Model):
    """One generated file set for one (site, VPN, target) of an approved request.

    Rows are created pending in the approval transaction (the outbox of rendering); a
    Celery task renders them. The content holds PSKs, so it is stored encrypted in the
    database, never on a web node's disk, and any web node can serve it.
    """

    request = models.ForeignKey(
        ConnectivityRequest, on_delete=models.CASCADE, related_name="artifacts"
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="artifacts"
    )
    vpn = models.ForeignKey(
        Vpn, on_delete=models.CASCADE, null=True, blank=True, related_name="artifacts"
    )
    target = models.CharField(max_length=32, help_text="A key of configgen.targets.")
    status = models.CharField(
        max_length=8, choices=ArtifactStatus.choices, default=ArtifactStatus.PENDING
    )
    file_name = models.CharField(max_length=200, blank=True)
    content = EncryptedSecretField(null=True, blank=True, editable=False)
    checksum = models.CharField(max_length=64, blank=True)
    failure_reason = models.TextField(blank=True, help_text="Why rendering failed, for staff.")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request_id", "site_id", "vpn_id", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "site", "vpn", "target"],
                nulls_distinct=False,
                name="artifact_one_per_site_vpn_target",
            )
        ]

    def __str__(self) -> str:
        return self.file_name or f"{self.target} for {self.request}"


class ArtifactDownload(models.Model):
    """A record that someone downloaded a generated file: who, when, which."""

    artifact = models.ForeignKey(
        Artifact, on_delete=models.CASCADE, null=True, blank=True, related_name="downloads"
    )
    request = models.ForeignKey(
        ConnectivityRequest, on_delete=models.CASCADE, related_name="downloads"
    )
    file_name = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} by {self.user} at {self.downloaded_at:%Y-%m-%d %H:%M}"
