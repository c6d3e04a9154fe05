"""Writes of a client's draft: start it, save each task's answers, load or copy a document.

Status changes belong to `services.workflow`; these services only change the answers of a
request the client may still edit (Draft or Changes requested). Answers arrive as the
dataclasses of the request document (REFERENCE §3), the same shape the JSON validator reads,
and every row is `full_clean`ed before it is saved.
"""

from collections.abc import Sequence
from dataclasses import replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from connectivity import document
from connectivity.choices import (
    ConnectionType,
    ContactRole,
    Environment,
    IkeVersion,
    Routing,
    Service,
)
from connectivity.constants import MAX_SITES_PER_REQUEST, PRODUCTION_SPLIT
from connectivity.document import RequestDocument
from connectivity.models import (
    Attachment,
    ConnectivityRequest,
    Contact,
    MtlsDetails,
    Organisation,
    Site,
    Subnet,
    Tunnel,
    User,
    Vpn,
)
from connectivity.selectors.requests import (
    TUNNEL_LISTS,
    TUNNEL_NUMBERS,
    request_answers,
    request_to_document,
)


def _stored(instance):
    instance.full_clean()
    instance.save()
    return instance


def _check_editable(request: ConnectivityRequest) -> None:
    """Hold the request's row until the save commits, and refuse unless it is still editable.

    Every save of a draft and its submission lock the same row, so they happen one after the
    other: a save that waited for a submission finds the request submitted and changes
    nothing, and two saves of one page never interleave their rows.
    """
    locked = ConnectivityRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_editable:
        raise ValidationError(
            f"{locked.reference} is {locked.get_status_display()}: its answers cannot change."
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
    _contacts_load(request=request, contacts=contacts)


@transaction.atomic
def site_add(*, request: ConnectivityRequest, name: str) -> Site:
    """Add a site to a VPN or TGW draft, with its VPNs or attachments labelled by service."""
    _check_editable(request)
    if request.connection_type == ConnectionType.MTLS:
        raise ValidationError("A mutual TLS request has no sites.")
    if request.sites.count() >= MAX_SITES_PER_REQUEST:
        raise ValidationError(
            f"A request has at most {MAX_SITES_PER_REQUEST} sites: start another request."
        )
    if request.sites.filter(name__iexact=name.strip()).exists():
        raise ValidationError(f"This request already has a site called {name}: give another name.")
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
        vpn.private_ip = answer.private_ip
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
    if not request.can_copy_to_production:
        raise ValidationError(
            f"{request.reference} cannot be copied to production: only a UAT request that is "
            "not withdrawn or rejected is copied."
        )
    source = request_to_document(request_answers(request))
    doc = replace(
        source,
        environment=Environment.PRODUCTION,
        sites=tuple(_production_site(site, request.connection_type) for site in source.sites),
    )
    return document_load(doc, organisation=request.organisation, created_by=actor)


@transaction.atomic
def document_load(
    doc: RequestDocument,
    *,
    organisation: Organisation,
    created_by: User | None,
    amends: ConnectivityRequest | None = None,
) -> ConnectivityRequest:
    """Store `doc` as a new Draft request of `organisation` and return it.

    Every row is `full_clean`ed, so a value the database cannot hold (a subnet that is not a
    network, an over-long name) raises `ValidationError` and nothing is stored.
    """
    request = _stored(
        ConnectivityRequest(
            organisation=organisation,
            environment=doc.environment or "",
            connection_type=doc.connection_type or "",
            services=list(doc.services),
            created_by=created_by,
            amends=amends,
        )
    )
    _contacts_load(request=request, contacts=doc.contacts)
    for position, site in enumerate(doc.sites):
        _load_site(site, request=request, position=position)
    if doc.mtls is not None:
        _stored(
            MtlsDetails(
                request=request,
                csr_pem=doc.mtls.csr_pem or "",
                ehi_endpoint_url=doc.mtls.ehi_endpoint_url or "",
            )
        )
    return request


def _contacts_load(*, request: ConnectivityRequest, contacts: Sequence[document.Contact]) -> None:
    """Store `contacts` as the contacts of `request`, in the order given."""
    for position, contact in enumerate(contacts):
        _stored(
            Contact(
                request=request,
                position=position,
                name=contact.name or "",
                email=contact.email or "",
                phone=contact.phone or "",
                role=contact.role or ContactRole.TECHNICAL,
            )
        )


def _load_site(site: document.Site, *, request: ConnectivityRequest, position: int) -> None:
    stored_site = _stored(
        Site(
            request=request,
            position=position,
            name=site.name or "",
            routing=site.routing or Routing.STATIC,
            bgp_asn=site.bgp.asn if site.bgp else None,
            bgp_justification=(site.bgp.justification or "") if site.bgp else "",
            tgw_id=(site.tgw.tgw_id or "") if site.tgw else "",
            aws_account_id=(site.tgw.aws_account_id or "") if site.tgw else "",
            aws_region=(site.tgw.region or "") if site.tgw else "",
        )
    )
    for vpn_position, vpn in enumerate(site.vpns):
        device = vpn.device or document.Device()
        stored_vpn = _stored(
            Vpn(
                site=stored_site,
                position=vpn_position,
                services=list(vpn.services),
                peer_ip=vpn.peer_ip,
                private_ip=vpn.private_ip,
                device_vendor=device.vendor or "",
                device_platform=device.platform or "",
                device_software=device.software or "",
                ike_version=vpn.ike_version or IkeVersion.IKEV2,
            )
        )
        for number, tunnel in enumerate(vpn.tunnels, start=1):
            _stored(
                Tunnel(
                    vpn=stored_vpn,
                    number=number,
                    inside_cidr=tunnel.inside_cidr,
                    psk=tunnel.psk,
                    **{name: list(getattr(tunnel, name) or ()) for name in TUNNEL_LISTS},
                    **{name: getattr(tunnel, name) for name in TUNNEL_NUMBERS},
                )
            )
    for attachment_position, attachment in enumerate(site.attachments):
        _stored(
            Attachment(
                site=stored_site, position=attachment_position, services=list(attachment.services)
            )
        )
    for subnet_position, subnet in enumerate(site.subnets):
        _stored(
            Subnet(
                site=stored_site,
                position=subnet_position,
                network=subnet.cidr,
                purpose=subnet.purpose or "",
            )
        )
