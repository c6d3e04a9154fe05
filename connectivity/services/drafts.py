"""Writes of a client's draft: start it, save each task's answers, load, import or copy a
document.

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
    choice_label,
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
def request_type_save(
    *, request: ConnectivityRequest, environment: str, connection_type: str
) -> None:
    """Change the environment and connection type of a draft that has no site or mTLS answers.

    A site's VPNs or attachments are shaped by both (production splits the services over
    two; a Transit Gateway site has attachments, not VPNs), so once a site is added or a
    certificate request given they stay: the client removes those first or starts anew.
    """
    _check_editable(request)
    if (environment, connection_type) == (request.environment, request.connection_type):
        return
    if request.amends_id is not None:
        raise ValidationError(
            "An amendment keeps the environment and connection type of the connection it "
            "changes: start a new request for another."
        )
    if request.sites.exists():
        raise ValidationError(
            "Remove your sites first: their VPNs or attachments were set up for "
            f"{request.get_environment_display()} and {request.get_connection_type_display()}."
        )
    mtls = MtlsDetails.objects.filter(request=request).first()
    if mtls is not None and (mtls.csr_pem or mtls.ehi_endpoint_url):
        raise ValidationError(
            "Clear your certificate request and EHI endpoint first, or start a new request."
        )
    request.environment = environment
    request.connection_type = connection_type
    _stored(request)
    if connection_type == ConnectionType.MTLS and mtls is None:
        _stored(MtlsDetails(request=request))
    elif connection_type != ConnectionType.MTLS and mtls is not None:
        mtls.delete()


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
def site_save(
    *,
    site: Site,
    answers: document.Site,
    as_typed: dict[str, list[str]] | None = None,
    checked_for_production: bool = False,
) -> Site:
    """Store the answers of one site: name, routing, TGW details, VPNs or attachments, subnets.

    VPNs are updated in place by position, so the tunnel values an amendment carried over
    stay with their VPN; subnets are replaced by `answers.subnets`. `as_typed` is the page as
    the client typed it when wrong answers were left out of `answers` ("Save and come back
    later"): it is kept to be shown again, and a save without it forgets it.
    `checked_for_production` says the client saved the whole page, so a site copied from UAT
    stops highlighting what to check for production.
    """
    request = site.request
    _check_editable(request)
    site.answers_as_typed = as_typed or {}
    if checked_for_production:
        site.copied_from_uat = ""
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


def _uat_vpn_for(vpns: Sequence[document.Vpn], services: Sequence[str]) -> document.Vpn:
    """Return the UAT VPN carrying most of `services` (the first of equals), or an empty one.

    A production VPN starts from the UAT VPN that carried its services, so each keeps its
    own peer IP and device; a UAT site with one VPN gives its answers to both.
    """
    if not vpns:
        return document.Vpn()
    return max(vpns, key=lambda vpn: len(set(vpn.services) & set(services)))


def _production_site(site: document.Site, connection_type: str) -> document.Site:
    """Return a UAT site's answers split for production: two VPNs or attachments (seed).

    Tunnel values are left out because Thredd allocates them per environment.
    """
    split = production_split_services()
    if connection_type == ConnectionType.IPSEC_VPN:
        vpns = tuple(
            replace(_uat_vpn_for(site.vpns, services), services=tuple(services), tunnels=())
            for services in split
        )
        return replace(site, vpns=vpns)
    attachments = tuple(document.Attachment(services=tuple(services)) for services in split)
    return replace(site, attachments=attachments)


@transaction.atomic
def request_copy_to_production(*, request: ConnectivityRequest, actor: User) -> ConnectivityRequest:
    """Start a production Draft from a UAT request's answers, with the production split applied.

    Peer IPs, subnets and devices are copied as they are; each site remembers the UAT
    request it came from, so its page highlights what usually differs in production until
    the client has checked it.
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
    production = document_load(doc, organisation=request.organisation, created_by=actor)
    for site in production.sites.all():
        site.copied_from_uat = request.reference
        _stored(site)
    return production


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


@transaction.atomic
def document_import(*, request: ConnectivityRequest, doc: RequestDocument) -> None:
    """Replace every answer of a draft with those of a request document from a file.

    The file must be for the draft's environment and connection type, which are fixed when a
    draft starts. Sites and VPNs are updated in place by position (`site_save`), so a tunnel
    keeps its stored pre-shared key when the file leaves it out, as a downloaded document
    does; a tunnel the file does not list is removed, and Thredd generates its values.
    Any value the database cannot hold raises `ValidationError` and nothing changes.
    """
    _check_editable(request)
    if refusal := document_kind_refusal(request=request, doc=doc):
        raise ValidationError(refusal)
    request_services_save(request=request, services=doc.services)
    contacts_save(request=request, contacts=doc.contacts)
    stored = list(request.sites.order_by("position", "id"))
    for extra in stored[len(doc.sites) :]:
        extra.delete()
    for position, answers in enumerate(doc.sites):
        site = stored[position] if position < len(stored) else Site(request=request)
        site.position = position
        site_save(site=site, answers=answers)
        if request.connection_type == ConnectionType.IPSEC_VPN:
            vpns = site.vpns.order_by("position", "id")
            for vpn, vpn_answers in zip(vpns, answers.vpns, strict=True):
                _tunnels_import(vpn, vpn_answers.tunnels)
    if request.connection_type == ConnectionType.MTLS:
        mtls_save(request=request, answers=doc.mtls or document.Mtls())


def document_kind_refusal(*, request: ConnectivityRequest, doc: RequestDocument) -> str | None:
    """Say why `doc` cannot be imported into `request` when it is of another environment or
    connection type (fixed when a draft starts); None when it is of the same kind."""
    if (doc.environment, doc.connection_type) == (request.environment, request.connection_type):
        return None
    return (
        f"The file is for {_kind_label(doc.environment, doc.connection_type)}, but "
        f"{request.reference} is {_kind_label(request.environment, request.connection_type)}:"
        " start a new request of that kind to import it."
    )


def _kind_label(environment: str | None, connection_type: str | None) -> str:
    return (
        f"{choice_label(Environment, environment)} {choice_label(ConnectionType, connection_type)}"
    )


def _tunnels_import(vpn: Vpn, tunnels: Sequence[document.Tunnel]) -> None:
    """Store a VPN's tunnels as the file lists them, keeping a stored PSK the file leaves out."""
    stored = {tunnel.number: tunnel for tunnel in vpn.tunnels.all()}
    vpn.tunnels.filter(number__gt=len(tunnels)).delete()
    for number, answer in enumerate(tunnels, start=1):
        tunnel = stored.get(number) or Tunnel(vpn=vpn, number=number)
        tunnel.inside_cidr = answer.inside_cidr
        tunnel.psk = answer.psk or tunnel.psk
        for name in TUNNEL_LISTS:
            setattr(tunnel, name, list(getattr(answer, name) or ()))
        for name in TUNNEL_NUMBERS:
            setattr(tunnel, name, getattr(answer, name))
        _stored(tunnel)


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
