"""Thredd's side in AWS: a Site-to-Site VPN connection per client VPN, a peering attachment
per Transit Gateway site (REFERENCE §7).

Each row is also the outbox of its provisioning, like an artifact is of its rendering: it is
written pending in the approval transaction, a Celery task creates the AWS resources and
marks it ready (or failed with a reason), and the periodic sweep hands out again whatever a
dead worker left. Without AWS credentials in the portal, an engineer records the values of
resources made in the console instead (`recorded_by`).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from connectivity.choices import AwsStatus, Environment

from .sites import Site, Vpn

__all__ = ["AwsPeeringAttachment", "AwsVpnConnection"]


class AwsResource(models.Model):
    """What both kinds of AWS resource share: the outbox state and who made it."""

    environment = models.CharField(max_length=16, choices=Environment.choices)
    status = models.CharField(max_length=16, choices=AwsStatus.choices, default=AwsStatus.PENDING)
    failure_reason = models.TextField(blank=True, help_text="Why AWS refused, for staff.")
    attempts = models.PositiveSmallIntegerField(default=0)
    routes = ArrayField(
        models.CharField(max_length=18),
        default=list,
        blank=True,
        help_text="Client subnets routed to this connection in Thredd's TGW route table.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The engineer who typed AWS's values in; empty when the portal made them.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def made_by_portal(self) -> bool:
        """Say whether the portal created the resources (and so may delete them)."""
        return self.recorded_by_id is None


class AwsVpnConnection(AwsResource):
    """Thredd's side of one client VPN: an AWS Site-to-Site VPN connection.

    A customer gateway for the client's peer address, the VPN connection on the
    environment's transit gateway (its two tunnels' outside addresses and states are kept on
    the VPN's `Tunnel` rows), and its transit gateway attachment.
    """

    vpn = models.OneToOneField(Vpn, on_delete=models.CASCADE, related_name="aws")
    customer_gateway_id = models.CharField("customer gateway ID", max_length=32, blank=True)
    vpn_connection_id = models.CharField("VPN connection ID", max_length=32, blank=True)
    transit_gateway_attachment_id = models.CharField(
        "transit gateway attachment ID", max_length=32, blank=True
    )
    telemetry_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "AWS VPN connection"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.vpn_connection_id or f"VPN connection of {self.vpn}"


class AwsPeeringAttachment(AwsResource):
    """Thredd's side of one Transit Gateway site: a peering attachment to the client's TGW.

    The client accepts it in their account (their CloudFormation or Terraform file does);
    once AWS says it is available, Thredd's routes to the client's subnets are added.
    """

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="aws_peering")
    attachment_id = models.CharField("peering attachment ID", max_length=32, blank=True)
    state = models.CharField(
        "AWS state", max_length=32, blank=True, help_text="As AWS last said, e.g. available."
    )

    class Meta:
        verbose_name = "AWS peering attachment"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.attachment_id or f"Peering attachment of {self.site}"
