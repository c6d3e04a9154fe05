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


class AwsStatus(models.TextChoices):
    """Where Thredd's side of one connection is, as staff and clients see it."""

    AWAITING_VALUES = "awaiting", "Waiting for an engineer to record AWS's values"
    PENDING = "pending", "Being set up in AWS"
    PROVISIONING = "provisioning", "Being set up in AWS"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    DECOMMISSIONING = "decommissioning", "Being removed from AWS"
    DECOMMISSIONED = "decommissioned", "Removed"


class TunnelState(models.TextChoices):
    """A tunnel's state as AWS's telemetry last said it (`VgwTelemetry.Status`)."""

    UNKNOWN = "", "Not known yet"
    UP = "UP", "Up"
    DOWN = "DOWN", "Down"


# Status groups: which moves, pages and files each status allows. The workflow, the queue and
# the pages all read these, so a status changes its meaning in one place.

# The client may change the answers.
EDITABLE_STATUSES = frozenset({RequestStatus.DRAFT, RequestStatus.CHANGES_REQUESTED})
# Thredd has not decided yet, so the client may still withdraw.
OPEN_STATUSES = frozenset(
    {
        RequestStatus.DRAFT,
        RequestStatus.SUBMITTED,
        RequestStatus.IN_REVIEW,
        RequestStatus.CHANGES_REQUESTED,
    }
)
# The request moves no more.
FINAL_STATUSES = frozenset({RequestStatus.REJECTED, RequestStatus.WITHDRAWN})
# Someone is waiting: Thredd (submitted, in review, approved but not live) or the client
# (changes requested). The review queue lists these by default.
WAITING_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.IN_REVIEW,
    RequestStatus.CHANGES_REQUESTED,
    RequestStatus.APPROVED,
)
# Thredd approved the answers: subnets are allocated and the files may be downloaded.
DOWNLOADABLE_STATUSES = frozenset({RequestStatus.APPROVED, RequestStatus.ACTIVE})


class Severity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"


def choice_label(
    choices: type[models.Choices], value: object, *, missing: str = "not chosen"
) -> str:
    """Return the label of `value` among `choices`, or `missing` when it is not one of them."""
    return choices(value).label if value in choices.values else missing


def service_labels(values) -> tuple[str, ...]:
    """Return the labels of the services in `values`, in Thredd's order of services."""
    return tuple(Service(value).label for value in Service.values if value in values)


def services_label(values) -> str:
    """Return services in plain words: "EHI", "Web Services and EHI", "Web Services, EHI
    and Thredd Portal"."""
    labels = list(service_labels(values))
    return " and ".join(filter(None, [", ".join(labels[:-1]), *labels[-1:]]))
