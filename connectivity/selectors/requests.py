"""Reads of requests: the lists users see, one request with its answers, its document."""

from dataclasses import replace

from django.db.models import Count, QuerySet

from connectivity.choices import ConnectionType, Routing
from connectivity.constants import DEFAULT_THREDD_BGP_ASN
from connectivity.document import (
    Attachment,
    Bgp,
    Contact,
    Device,
    Mtls,
    RequestDocument,
    Site,
    SubnetEntry,
    Tgw,
    Tunnel,
    Vpn,
    to_dict,
)
from connectivity.models import ConnectivityRequest, ThreddSettings, User

# The models store a draft as typed: blank text is "not answered yet" and becomes None in
# the document, so the rules ask for it rather than call it wrong.
TUNNEL_LISTS = (
    "phase1_encryption",
    "phase1_integrity",
    "phase1_dh_groups",
    "phase2_encryption",
    "phase2_integrity",
    "phase2_dh_groups",
)
TUNNEL_NUMBERS = ("phase1_lifetime", "phase2_lifetime")


def request_list(*, user: User) -> QuerySet[ConnectivityRequest]:
    """Return the requests `user` may see, newest first, each with its number of sites."""
    return (
        ConnectivityRequest.objects.visible_to(user)
        .annotate(site_count=Count("sites"))
        .order_by("-created_at", "-id")
    )


def request_with_answers(*, user: User, reference: str) -> ConnectivityRequest:
    """Return the request `reference` that `user` may see, with every answer prefetched.

    Raises `ConnectivityRequest.DoesNotExist` for another organisation's request.
    """
    return ConnectivityRequest.objects.visible_to(user).with_answers().get(reference=reference)


def request_answers(request: ConnectivityRequest) -> ConnectivityRequest:
    """Return `request` read again with every answer prefetched, to dump or judge it whole."""
    return ConnectivityRequest.objects.with_answers().get(pk=request.pk)


def thredd_bgp_asn(environment: str) -> int:
    """Return Thredd's BGP ASN in `environment` (the admin's setting, else the default)."""
    asn = (
        ThreddSettings.objects.filter(environment=environment)
        .values_list("bgp_asn", flat=True)
        .first()
    )
    return DEFAULT_THREDD_BGP_ASN if asn is None else asn


def thredd_asn_to_judge(doc: RequestDocument) -> int:
    """Return the Thredd ASN the rules judge `doc` with: read only when a site asks for BGP,
    the one rule that compares it (a client must not reuse it); the default otherwise."""
    if any(site.routing == Routing.BGP for site in doc.sites):
        return thredd_bgp_asn(doc.environment)
    return DEFAULT_THREDD_BGP_ASN


def _text(value: object) -> str | None:
    return None if value in ("", None) else str(value)


def _vpn(vpn) -> Vpn:
    device_given = vpn.device_vendor or vpn.device_platform or vpn.device_software
    return Vpn(
        services=tuple(vpn.services),
        peer_ip=_text(vpn.peer_ip),
        private_ip=_text(vpn.private_ip),
        device=Device(
            vendor=_text(vpn.device_vendor),
            platform=_text(vpn.device_platform),
            software=_text(vpn.device_software),
        )
        if device_given
        else None,
        ike_version=vpn.ike_version,
        tunnels=tuple(tunnel_to_document(tunnel) for tunnel in vpn.tunnels.all()),
    )


def tunnel_to_document(tunnel) -> Tunnel:
    """Return a stored tunnel's answers as the request document holds them."""
    return Tunnel(
        inside_cidr=_text(tunnel.inside_cidr),
        psk=_text(tunnel.psk),
        **{name: tuple(getattr(tunnel, name)) or None for name in TUNNEL_LISTS},
        **{name: getattr(tunnel, name) for name in TUNNEL_NUMBERS},
    )


def _site(site, *, connection_type: str) -> Site:
    return Site(
        name=_text(site.name),
        routing=_text(site.routing),
        bgp=Bgp(asn=site.bgp_asn, justification=_text(site.bgp_justification))
        if site.routing == Routing.BGP
        else None,
        vpns=tuple(_vpn(vpn) for vpn in site.vpns.all()),
        attachments=tuple(
            Attachment(services=tuple(attachment.services)) for attachment in site.attachments.all()
        ),
        tgw=Tgw(
            tgw_id=_text(site.tgw_id),
            aws_account_id=_text(site.aws_account_id),
            region=_text(site.aws_region),
        )
        if connection_type == ConnectionType.AWS_TGW
        else None,
        subnets=tuple(
            SubnetEntry(cidr=_text(subnet.network), purpose=_text(subnet.purpose))
            for subnet in site.subnets.all()
        ),
    )


def request_document_file(request: ConnectivityRequest) -> dict[str, object]:
    """Return a request's document as a downloaded file holds it: every answer but the PSKs.

    Like every page, a file downloaded from one carries no secret, so tunnels' pre-shared
    keys are left out; importing the file back into a draft keeps the stored ones.
    """
    doc = request_to_document(request_answers(request))
    return to_dict(replace(doc, sites=tuple(_site_without_psks(site) for site in doc.sites)))


def _site_without_psks(site: Site) -> Site:
    vpns = tuple(
        replace(vpn, tunnels=tuple(replace(tunnel, psk=None) for tunnel in vpn.tunnels))
        for vpn in site.vpns
    )
    return replace(site, vpns=vpns)


def request_to_document(request: ConnectivityRequest) -> RequestDocument:
    """Return the request document of a stored request (the dump of REFERENCE §3).

    Reads the answers through `request`'s relations: pass one from `with_answers()` so that
    costs no further query.
    """
    mtls = (
        getattr(request, "mtls", None) if request.connection_type == ConnectionType.MTLS else None
    )
    return RequestDocument(
        environment=request.environment,
        connection_type=request.connection_type,
        services=tuple(request.services),
        contacts=tuple(
            Contact(
                name=_text(contact.name),
                email=_text(contact.email),
                phone=_text(contact.phone),
                role=_text(contact.role),
            )
            for contact in request.contacts.all()
        ),
        sites=tuple(
            _site(site, connection_type=request.connection_type) for site in request.sites.all()
        ),
        mtls=Mtls(csr_pem=_text(mtls.csr_pem), ehi_endpoint_url=_text(mtls.ehi_endpoint_url))
        if mtls is not None
        else None,
    )
