"""Enumerations of the connectivity domain, shared by models, forms, rules and documents.

Values are the stable identifiers of the request document (REFERENCE §3); labels are the
words Thredd's clients see.
"""

from django.db import models


class Environment(models.TextChoices):
    UAT = "uat", "UAT"
    PRODUCTION = "production", "Production"


class ConnectionType(models.TextChoices):
    IPSEC_VPN = "ipsec_vpn", "IPsec site-to-site VPN"
    AWS_TGW = "aws_tgw", "AWS Transit Gateway peering"
    MTLS = "mtls", "Mutual TLS"


class Service(models.TextChoices):
    WEB_SERVICES = "web_services", "Web Services"
    EHI = "ehi", "EHI"
    PORTAL = "portal", "Thredd Portal"


class SubnetPurpose(models.TextChoices):
    """Say which service a client subnet is for; the same three values as `Service`."""

    WEB_SERVICES = "web_services", "Web Services"
    EHI = "ehi", "EHI"
    PORTAL = "portal", "Thredd Portal"


class Routing(models.TextChoices):
    STATIC = "static", "Static"
    BGP = "bgp", "BGP"


class IkeVersion(models.IntegerChoices):
    IKEV1 = 1, "IKEv1"
    IKEV2 = 2, "IKEv2"


class ContactRole(models.TextChoices):
    """Say what a contact is for; every request needs a technical contact."""

    TECHNICAL = "technical", "Technical"
    BUSINESS = "business", "Business"
    SECURITY = "security", "Security"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    ACTIVE = "active", "Active"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Severity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"
