"""mTLS certificates: the CA the portal may hold, and the client certificates Thredd issues.

A client certificate row is the outbox of its issuing, like an artifact is of its rendering:
approval writes it pending with the CSR as approved, a Celery task has Thredd's issuing CA
sign it (AWS Private CA, or the portal's own CA) and marks it ready, or failed with why.
"""

from django.db import models
from django.utils import timezone

from connectivity.choices import Environment
from connectivity.fields import EncryptedSecretField

from .requests import ConnectivityRequest

__all__ = ["CertificateStatus", "ClientCertificate", "PortalCertificateAuthority"]


class CertificateStatus(models.TextChoices):
    """Where a client certificate is: waiting for the CA, issued, or refused with a reason."""

    PENDING = "pending", "Being issued"
    READY = "ready", "Issued"
    FAILED = "failed", "Failed"


class PortalCertificateAuthority(models.Model):
    """The issuing CA the portal holds for one environment, when AWS Private CA is not used.

    Its private key is encrypted at rest with PSK_ENCRYPTION_KEYS, like the PSKs; the
    certificate is public and belongs in the environment's mTLS trust chain.
    """

    environment = models.CharField(max_length=16, choices=Environment.choices, unique=True)
    certificate_pem = models.TextField("CA certificate (PEM)")
    private_key_pem = EncryptedSecretField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "portal certificate authority"
        verbose_name_plural = "portal certificate authorities"
        ordering = ["environment"]

    def __str__(self) -> str:
        return f"Portal CA: {self.get_environment_display()}"


class ClientCertificate(models.Model):
    """The client certificate Thredd issues from an approved mTLS request's CSR.

    One per request revision: a renewal is an amendment with a new CSR, whose approval
    issues a new certificate; the earlier one stays listed until it expires.
    """

    request = models.OneToOneField(
        ConnectivityRequest, on_delete=models.CASCADE, related_name="client_certificate"
    )
    csr_pem = models.TextField("certificate signing request (PEM)", editable=False)
    status = models.CharField(
        max_length=8, choices=CertificateStatus.choices, default=CertificateStatus.PENDING
    )
    certificate_pem = models.TextField(blank=True, editable=False)
    chain_pem = models.TextField(
        blank=True, editable=False, help_text="The issuing CA's chain, up to its root."
    )
    serial = models.CharField(max_length=64, blank=True, help_text="Hexadecimal.")
    fingerprint_sha256 = models.CharField(max_length=95, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    not_after = models.DateTimeField(null=True, blank=True, db_index=True)
    issuer = models.CharField(max_length=300, blank=True, help_text="The issuing CA's name.")
    aws_certificate_arn = models.CharField(
        "AWS certificate ARN",
        max_length=300,
        blank=True,
        help_text="Set once AWS Private CA accepts the CSR, so a retry fetches, never reissues.",
    )
    failure_reason = models.TextField(blank=True, help_text="Why issuing failed, for staff.")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Client certificate {self.serial or '(pending)'} of {self.request}"

    @property
    def expired(self) -> bool:
        """Say whether the certificate's validity has ended."""
        return self.not_after is not None and self.not_after <= timezone.now()
