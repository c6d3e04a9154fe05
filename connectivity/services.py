"""Writes of a client's draft: start it, save each task's answers, copy it, invite users.

Status changes belong to `connectivity.workflow`; these services only change the answers of a
request the client may still edit (Draft or Changes requested). Answers arrive as the
dataclasses of the request document (REFERENCE §3), the same shape the JSON validator reads,
and every row is `full_clean`ed before it is saved.
"""

from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from connectivity import document
from connectivity.choices import (
    ConnectionType,
    Environment,
    IkeVersion,
    Routing,
    Service,
)
from connectivity.constants import PRODUCTION_SPLIT
from connectivity.models import (
    Attachment,
    ConnectivityRequest,
    MtlsDetails,
    Organisation,
    Site,
    Subnet,
    User,
    Vpn,
)
from connectivity.review import with_answers


def _stored(instance):
    instance.full_clean()
    instance.save()
    return instance


def _check_editable(request: ConnectivityRequest) -> None:
    if not request.is_editable:
        raise ValidationError(
            f"{request.reference} is {request.get_status_display()}: its answers cannot change."
        )


def production_split_services() -> list[list[str]]:
    """Return the services of each VPN or attachment of a production site, in order (seed)."""
    return [[service for service in Service.values if service in part] for part in PRODUCTION_SPLIT]


def carrier_services_initial(*, environment: str, services: Sequence[str]) -> list[list[str]]:
    """Return the services each VPN or attachment of a new site starts with.

    Production sites have two, split as the seed says; a UAT site starts with one carrying
    every service of the request.
    """
    if environment == Environment.PRODUCTION:
        return production_split_services()
    return [list(services)]


@transaction.atomic
def draft_create(
    *,
    organisation: Organisation,
    actor: User,
    environment: str,
    connection_type: str,
    services: Sequence[str],
) -> ConnectivityRequest:
    """Start a Draft request of `organisation` with its environment, type and services."""
    request = _stored(
        ConnectivityRequest(
            organisation=organisation,
            environment=environment,
            connection_type=connection_type,
            services=list(services),
            created_by=actor,
        )
    )
    if connection_type == ConnectionType.MTLS:
        _stored(MtlsDetails(request=request))
    return request


@transaction.atomic
def request_services_save(*, request: ConnectivityRequest, services: Sequence[str]) -> None:
    """Change the Thredd services a draft asks for."""
    _check_editable(request)
    request.services = list(services)
    _stored(request)


@transaction.atomic
def contacts_save(*, request: ConnectivityRequest, contacts: Sequence[document.Contact]) -> None:
    """Replace the contacts of a draft with `contacts`, in the order given."""
    _check_editable(request)
    request.contacts.all().delete()
    document.contacts_load(request=request, contacts=contacts)


@transaction.atomic
def site_add(*, request: ConnectivityRequest, name: str) -> Site:
    """Add a site to a VPN or TGW draft, with its VPNs or attachments labelled by service."""
    _check_editable(request)
    if request.connection_type == ConnectionType.MTLS:
        raise ValidationError("A mutual TLS request has no sites.")
    last = request.sites.aggregate(last=Max("position"))["last"]
    site = _stored(Site(request=request, name=name, position=0 if last is None else last + 1))
    carrier = Vpn if request.connection_type == ConnectionType.IPSEC_VPN else Attachment
    for position, services in enumerate(
        carrier_services_initial(environment=request.environment, services=request.services)
    ):
        _stored(carrier(site=site, position=position, services=services))
    return site


@transaction.atomic
def site_save(*, site: Site, answers: document.Site) -> Site:
    """Store the answers of one site: name, routing, TGW details, VPNs or attachments, subnets.

    VPNs are updated in place by position, so the tunnel values an amendment carried over
    stay with their VPN; subnets are replaced by `answers.subnets`.
    """
    request = site.request
    _check_editable(request)
    bgp = answers.bgp if answers.routing == Routing.BGP else None
    tgw = answers.tgw or document.Tgw()
    site.name = answers.name or ""
    site.routing = answers.routing or Routing.STATIC
    site.bgp_asn = bgp.asn if bgp else None
    site.bgp_justification = (bgp.justification or "") if bgp else ""
    site.tgw_id = tgw.tgw_id or ""
    site.aws_account_id = tgw.aws_account_id or ""
    site.aws_region = tgw.region or ""
    _stored(site)
    if request.connection_type == ConnectionType.IPSEC_VPN:
        _vpns_save(site, answers.vpns)
    else:
        site.attachments.all().delete()
        for position, attachment in enumerate(answers.attachments):
            _stored(Attachment(site=site, position=position, services=list(attachment.services)))
    site.subnets.all().delete()
    for position, subnet in enumerate(answers.subnets):
        _stored(
            Subnet(site=site, position=position, network=subnet.cidr, purpose=subnet.purpose or "")
        )
    return site


def _vpns_save(site: Site, vpns: Sequence[document.Vpn]) -> None:
    stored = list(site.vpns.order_by("position", "id"))
    for extra in stored[len(vpns) :]:
        extra.delete()
    for position, answer in enumerate(vpns):
        vpn = stored[position] if position < len(stored) else Vpn(site=site)
        device = answer.device or document.Device()
        vpn.position = position
        vpn.services = list(answer.services)
        vpn.peer_ip = answer.peer_ip
        vpn.device_vendor = device.vendor or ""
        vpn.device_platform = device.platform or ""
        vpn.device_software = device.software or ""
        vpn.ike_version = answer.ike_version or IkeVersion.IKEV2
        _stored(vpn)


@transaction.atomic
def site_remove(*, site: Site) -> None:
    """Remove a site, its VPNs or attachments and its subnets from a draft."""
    _check_editable(site.request)
    site.delete()


@transaction.atomic
def mtls_save(*, request: ConnectivityRequest, answers: document.Mtls) -> MtlsDetails:
    """Store the certificate signing request and EHI endpoint of an mTLS draft."""
    _check_editable(request)
    details, _created = MtlsDetails.objects.get_or_create(request=request)
    details.csr_pem = answers.csr_pem or ""
    details.ehi_endpoint_url = answers.ehi_endpoint_url or ""
    return _stored(details)


def _production_site(site: document.Site, connection_type: str) -> document.Site:
    """Return a UAT site's answers split for production: two VPNs or attachments (seed).

    Each production VPN starts from the first UAT VPN's peer IP and device; tunnel values are
    left out because Thredd allocates them per environment.
    """
    split = production_split_services()
    if connection_type == ConnectionType.IPSEC_VPN:
        template = site.vpns[0] if site.vpns else document.Vpn()
        vpns = tuple(replace(template, services=tuple(services), tunnels=()) for services in split)
        return replace(site, vpns=vpns)
    attachments = tuple(document.Attachment(services=tuple(services)) for services in split)
    return replace(site, attachments=attachments)


@transaction.atomic
def request_copy_to_production(*, request: ConnectivityRequest, actor: User) -> ConnectivityRequest:
    """Start a production Draft from a UAT request's answers, with the production split applied.

    Peer IPs, subnets and devices are copied as they are: the client is asked to check them,
    because production usually differs from UAT.
    """
    if request.environment != Environment.UAT:
        raise ValidationError(f"{request.reference} is not a UAT request: only UAT is copied.")
    source = document.request_to_document(
        with_answers(ConnectivityRequest.objects.filter(pk=request.pk)).get()
    )
    doc = replace(
        source,
        environment=Environment.PRODUCTION,
        sites=tuple(_production_site(site, request.connection_type) for site in source.sites),
    )
    return document.document_load(doc, organisation=request.organisation, created_by=actor)


def _invitation_text(*, user: User, organisation: Organisation, invited_by: User) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    link = settings.PORTAL_BASE_URL.rstrip("/") + path
    return (
        f"{invited_by.email} of Thredd has invited you to Thredd Connectivity for "
        f"{organisation.name}.\n\n"
        "Thredd Connectivity is where you request private network access to Thredd's Web "
        "Services, EHI and Thredd Portal.\n\n"
        f"Choose your password here to sign in:\n{link}\n\n"
        "The link works once. If it has expired, use 'Forgotten your password?' on the "
        "sign-in page.\n"
    )


@transaction.atomic
def client_user_invite(*, organisation: Organisation, email: str, invited_by: User) -> User:
    """Create a client user of `organisation` and email them a link to choose a password.

    The link is Django's password-reset link (a one-time token); mail is sent only after the
    user is committed, so a rolled-back invitation mails nobody.
    """
    user = User.objects.create_user(email, None, organisation=organisation)
    message = _invitation_text(user=user, organisation=organisation, invited_by=invited_by)
    transaction.on_commit(
        partial(
            send_mail,
            subject="You are invited to Thredd Connectivity",
            message=message,
            from_email=None,
            recipient_list=[user.email],
        )
    )
    return user
