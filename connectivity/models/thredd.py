"""Thredd's own side of each environment, edited by staff in the admin."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from connectivity.choices import Environment, Service
from connectivity.constants import BGP_ASN_MAX, BGP_ASN_MIN, DEFAULT_THREDD_BGP_ASN
from connectivity.fields import IPv4NetworkField

__all__ = ["ReservedRange", "ServiceRange", "ThreddGateway", "ThreddSettings"]


class ThreddSettings(models.Model):
    """Thredd's facts for one environment (UAT or production) that requests are judged by."""

    environment = models.CharField(max_length=16, choices=Environment.choices, unique=True)
    bgp_asn = models.BigIntegerField(
        "Thredd's BGP ASN",
        default=DEFAULT_THREDD_BGP_ASN,
        validators=[MinValueValidator(BGP_ASN_MIN), MaxValueValidator(BGP_ASN_MAX)],
    )
    mtls_trust_chain_pem = models.TextField(
        "Thredd's mTLS trust chain (PEM)",
        blank=True,
        help_text="The CA certificates a client's EHI endpoint must trust for Thredd's calls.",
    )

    class Meta:
        verbose_name = "Thredd settings"
        verbose_name_plural = "Thredd settings"
        ordering = ["environment"]

    def __str__(self) -> str:
        return f"Thredd settings: {self.get_environment_display()}"


class ThreddGateway(models.Model):
    """One of Thredd's VPN endpoints in an environment; tunnel 1 and 2 land on different ones."""

    settings = models.ForeignKey(ThreddSettings, on_delete=models.CASCADE, related_name="gateways")
    name = models.CharField(max_length=64)
    outside_ip = models.GenericIPAddressField("public IP", protocol="IPv4")
    position = models.PositiveSmallIntegerField(default=1, help_text="1 = preferred (tunnel 1)")

    class Meta:
        ordering = ["settings", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["settings", "position"], name="gateway_position_unique"
            ),
            models.UniqueConstraint(fields=["settings", "outside_ip"], name="gateway_ip_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.outside_ip})"


class ReservedRange(models.Model):
    """A range Thredd keeps for itself in an environment: no client subnet may overlap it."""

    settings = models.ForeignKey(ThreddSettings, on_delete=models.CASCADE, related_name="reserved")
    network = IPv4NetworkField()
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["settings", "network"]

    def __str__(self) -> str:
        return f"{self.network} ({self.description})"


class ServiceRange(models.Model):
    """Where a Thredd service lives in an environment: the routes a VPN carrying it needs."""

    settings = models.ForeignKey(
        ThreddSettings, on_delete=models.CASCADE, related_name="service_ranges"
    )
    service = models.CharField(max_length=16, choices=Service.choices)
    network = IPv4NetworkField()

    class Meta:
        ordering = ["settings", "service", "network"]
        constraints = [
            models.UniqueConstraint(
                fields=["settings", "service", "network"], name="service_range_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()}: {self.network}"
