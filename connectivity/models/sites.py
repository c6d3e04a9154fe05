"""A client site and what connects it: VPNs and their tunnels, or TGW attachments; subnets."""

from django.contrib.postgres.fields import ArrayField
from django.db import models

from connectivity.choices import IkeVersion, Routing, Service, SubnetPurpose, TunnelState
from connectivity.constants import DEVICE_TEXT_MAX_LENGTH, SITE_NAME_MAX_LENGTH
from connectivity.fields import EncryptedSecretField, IPv4NetworkField
from connectivity.validators import validate_device_software, validate_site_name

from .requests import ConnectivityRequest

__all__ = ["Attachment", "Site", "Subnet", "Tunnel", "Vpn"]


class Site(models.Model):
    """One client location (data centre, cloud region) with its own connection to Thredd.

    For an AWS TGW request the site carries the client's transit gateway; BGP fields are
    filled only when the site asks for BGP routing (by exception, VPN only).
    """

    request = models.ForeignKey(ConnectivityRequest, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=SITE_NAME_MAX_LENGTH, validators=[validate_site_name])
    position = models.PositiveSmallIntegerField(default=0)
    routing = models.CharField(max_length=8, choices=Routing.choices, default=Routing.STATIC)
    bgp_asn = models.BigIntegerField("client BGP ASN", null=True, blank=True)
    bgp_justification = models.TextField("why BGP is needed", blank=True)
    tgw_id = models.CharField("transit gateway ID", max_length=21, blank=True)
    aws_account_id = models.CharField("AWS account ID", max_length=12, blank=True)
    aws_region = models.CharField("AWS region", max_length=20, blank=True)
    answers_as_typed = models.JSONField(
        default=dict,
        blank=True,
        help_text='The site\'s page as the client last left it with "Save and come back later" '
        "while some answers were wrong: the stored answers are the right ones, and the page "
        "shows these again, with their errors, until they are corrected.",
    )
    copied_from_uat = models.CharField(
        "copied from UAT request",
        max_length=20,
        blank=True,
        help_text="The reference of the UAT request this production site was copied from, "
        "while the answers that usually differ in production are highlighted for the client "
        'to check; emptied when the client saves the site\'s page with "Save and continue".',
    )

    class Meta:
        ordering = ["request_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


def _services_field() -> ArrayField:
    return ArrayField(
        models.CharField(max_length=16, choices=Service.choices),
        default=list,
        help_text="The Thredd services this connection carries.",
    )


class Vpn(models.Model):
    """A site-to-site IPsec VPN from the client's device to Thredd: two tunnels."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="vpns")
    position = models.PositiveSmallIntegerField(default=0)
    services = _services_field()
    peer_ip = models.GenericIPAddressField(
        "client's public peer IP", protocol="IPv4", null=True, blank=True
    )
    private_ip = models.GenericIPAddressField(
        "device's address behind 1:1 NAT",
        protocol="IPv4",
        null=True,
        blank=True,
        help_text="Empty when the device owns its public address.",
    )
    device_vendor = models.CharField(max_length=DEVICE_TEXT_MAX_LENGTH, blank=True)
    device_platform = models.CharField(max_length=DEVICE_TEXT_MAX_LENGTH, blank=True)
    device_software = models.CharField(
        max_length=DEVICE_TEXT_MAX_LENGTH, blank=True, validators=[validate_device_software]
    )
    ike_version = models.PositiveSmallIntegerField(
        choices=IkeVersion.choices, default=IkeVersion.IKEV2
    )

    class Meta:
        verbose_name = "VPN"
        ordering = ["site_id", "position", "id"]

    def __str__(self) -> str:
        return f"VPN {self.position + 1} of {self.site}"


class Tunnel(models.Model):
    """Client-chosen values for one tunnel of a VPN; Thredd fills in whatever is left empty."""

    vpn = models.ForeignKey(Vpn, on_delete=models.CASCADE, related_name="tunnels")
    number = models.PositiveSmallIntegerField(help_text="1 (preferred) or 2")
    inside_cidr = IPv4NetworkField("inside CIDR", null=True, blank=True)
    psk = EncryptedSecretField("pre-shared key", null=True, blank=True)
    phase1_encryption = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    phase1_integrity = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    phase1_dh_groups = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    phase1_lifetime = models.PositiveIntegerField(null=True, blank=True)
    phase2_encryption = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    phase2_integrity = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    phase2_dh_groups = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    phase2_lifetime = models.PositiveIntegerField(null=True, blank=True)
    # Thredd's side of the tunnel, from AWS (or an engineer who copied it from AWS).
    thredd_outside_ip = models.GenericIPAddressField(
        "Thredd's (AWS's) outside IP", protocol="IPv4", null=True, blank=True
    )
    state = models.CharField(max_length=8, choices=TunnelState.choices, blank=True)
    state_since = models.DateTimeField(null=True, blank=True)
    state_detail = models.CharField(max_length=200, blank=True)
    down_alerted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the current down spell was mailed about."
    )

    class Meta:
        ordering = ["vpn_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["vpn", "number"], name="tunnel_number_unique"),
            models.CheckConstraint(
                condition=models.Q(number__in=[1, 2]), name="tunnel_number_1_or_2"
            ),
        ]

    def __str__(self) -> str:
        return f"Tunnel {self.number} of {self.vpn}"


class Attachment(models.Model):
    """A Transit Gateway peering attachment of a TGW site (static routing only)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="attachments")
    position = models.PositiveSmallIntegerField(default=0)
    services = _services_field()

    class Meta:
        ordering = ["site_id", "position", "id"]

    def __str__(self) -> str:
        return f"Attachment {self.position + 1} of {self.site}"


class Subnet(models.Model):
    """A client network at a site that must reach Thredd, with the service it is for."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="subnets")
    position = models.PositiveSmallIntegerField(default=0)
    network = IPv4NetworkField()
    purpose = models.CharField(max_length=16, choices=SubnetPurpose.choices)

    class Meta:
        ordering = ["site_id", "position", "id"]

    def __str__(self) -> str:
        return str(self.network)
