"""Thredd's own side of each environment, edited by staff in the admin."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from connectivity.choices import Environment, Service
from connectivity.constants import AWS_REGIONS, BGP_ASN_MAX, BGP_ASN_MIN, DEFAULT_THREDD_BGP_ASN
from connectivity.fields import IPv4NetworkField
from connectivity.validators import (
    validate_aws_account_id,
    validate_tgw_id,
    validate_tgw_route_table_id,
)

__all__ = ["ReservedRange", "ServiceRange", "ThreddSettings"]


class ThreddSettings(models.Model):
    """Thredd's facts for one environment (UAT or production) that requests are judged by.

    Thredd's side is AWS: every client VPN ends on a Site-to-Site VPN connection on the
    environment's transit gateway, and every TGW client peers with it; routes to the
    clients' subnets go in its route table.
    """

    environment = models.CharField(max_length=16, choices=Environment.choices, unique=True)
    bgp_asn = models.BigIntegerField(
        "Amazon-side ASN",
        default=DEFAULT_THREDD_BGP_ASN,
        validators=[MinValueValidator(BGP_ASN_MIN), MaxValueValidator(BGP_ASN_MAX)],
        help_text="The BGP ASN of Thredd's transit gateway: the ASN clients peer with.",
    )
    aws_account_id = models.CharField(
        "AWS account ID", max_length=12, blank=True, validators=[validate_aws_account_id]
    )
    aws_region = models.CharField(
        "AWS region",
        max_length=20,
        blank=True,
        choices=[(region, region) for region in sorted(AWS_REGIONS)],
    )
    transit_gateway_id = models.CharField(
        "transit gateway ID", max_length=21, blank=True, validators=[validate_tgw_id]
    )
    transit_gateway_route_table_id = models.CharField(
        "transit gateway route table ID",
        max_length=32,
        blank=True,
        validators=[validate_tgw_route_table_id],
        help_text="Where the routes to clients' subnets go.",
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

    @property
    def aws_ready(self) -> bool:
        """Say whether the portal has what it needs to create Thredd's side in AWS itself."""
        return bool(
            settings.AWS_PROVISIONING
            and self.aws_region
            and self.transit_gateway_id
            and self.transit_gateway_route_table_id
        )


class ReservedRange(models.Model):
    """A range Thredd keeps for itself in an environment: no client subnet may overlap it."""

    settings = models.ForeignKey(ThreddSettings, on_delete=models.CASCADE, related_name="reserved")
    network = IPv4NetworkField()
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["settings_id", "network"]

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
        ordering = ["settings_id", "service", "network"]
        constraints = [
            models.UniqueConstraint(
                fields=["settings", "service", "network"], name="service_range_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()}: {self.network}"
