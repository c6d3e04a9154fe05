"""A request's answers in plain words, as check your answers and the request page show them.

One reading for both pages, so what the client checks before sending is what they see
afterwards: every answer, each site's topology picture and, once sent, Thredd's side of each
VPN or Transit Gateway site as far as the portal knows it (never a pre-shared key).
"""

from dataclasses import dataclass

from django.utils.safestring import SafeString

from connectivity import document
from connectivity.catalogue import find_platform
from connectivity.choices import (
    DOWNLOADABLE_STATUSES,
    EDITABLE_STATUSES,
    FINAL_STATUSES,
    ConnectionType,
    ContactRole,
    Routing,
    SubnetPurpose,
    choice_label,
    service_labels,
)
from connectivity.models import AwsPeeringAttachment, ConnectivityRequest, Site
from connectivity.rules.mtls import CsrDetails, csr_details
from connectivity.topology import site_topology_svg

from .requests import request_answers, request_to_document, thredd_bgp_asn

NOT_YET_SET_UP = "Thredd sets this up in AWS once it approves your request."


@dataclass(frozen=True, slots=True)
class CarrierSummary:
    """One VPN or attachment: the client's answers, and Thredd's side of it once sent."""

    name: str
    lines: tuple[str, ...]
    thredd_side: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SiteSummary:
    """One site's answers in plain words, with its topology picture and, for a Transit
    Gateway site, Thredd's peering attachment."""

    site: Site
    answers: document.Site
    routing: str
    carriers: tuple[CarrierSummary, ...]
    subnets: tuple[str, ...]
    picture: SafeString
    thredd_side: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnswersSummary:
    """Everything the answers summary shows of one request."""

    connectivity_request: ConnectivityRequest
    doc: document.RequestDocument
    services: tuple[str, ...]
    contacts: tuple[tuple[document.Contact, str], ...]
    sites: tuple[SiteSummary, ...]
    csr: CsrDetails | None


def routing_words(site: document.Site) -> str:
    """Return a site's routing as the client would say it: "BGP, your ASN 65010"."""
    if site.routing == Routing.BGP:
        asn = site.bgp.asn if site.bgp else None
        return f"BGP, your ASN {asn}" if asn is not None else "BGP, your ASN not given"
    if site.routing == Routing.STATIC:
        return "Static routes"
    return "Not given"


def _carries(services: tuple[str, ...]) -> str:
    return "Carries " + (", ".join(service_labels(services)) or "nothing")


def _device_words(device: document.Device | None) -> str:
    device = device or document.Device()
    platform = find_platform(device.vendor or "", device.platform or "")
    described = (
        f"{platform.vendor_label} {platform.label}"
        if platform
        else " ".join(filter(None, (device.vendor, device.platform))) or "not given"
    )
    return f"Device {described}, software {device.software or 'not given'}"


def _tunnel_words(number: int, tunnel: document.Tunnel) -> str | None:
    """Return the tunnel options the client chose, or None when Thredd chooses them all.

    A pre-shared key is only ever said to exist: its value is a secret.
    """
    parts = []
    if tunnel.inside_cidr:
        parts.append(f"inside {tunnel.inside_cidr}")
    for phase in (1, 2):
        chosen = [
            ", ".join(map(str, values))
            for values in (
                getattr(tunnel, f"phase{phase}_encryption"),
                getattr(tunnel, f"phase{phase}_integrity"),
            )
            if values
        ]
        groups = getattr(tunnel, f"phase{phase}_dh_groups")
        if groups:
            chosen.append("DH group " + ", ".join(map(str, groups)))
        lifetime = getattr(tunnel, f"phase{phase}_lifetime")
        if lifetime:
            chosen.append(f"lifetime {lifetime} s")
        if chosen:
            parts.append(f"phase {phase} " + "; ".join(chosen))
    if tunnel.psk:
        parts.append("a pre-shared key (never shown)")
    return f"Tunnel {number}: " + ", ".join(parts) if parts else None


def _vpn_lines(vpn: document.Vpn) -> tuple[str, ...]:
    lines = [
        _carries(vpn.services),
        f"Peer IP {vpn.peer_ip or 'not given'}"
        + (f", behind 1:1 NAT as {vpn.private_ip}" if vpn.private_ip else ""),
        _device_words(vpn.device),
        f"IKEv{vpn.ike_version or 2}",
    ]
    lines += filter(
        None, (_tunnel_words(number, t) for number, t in enumerate(vpn.tunnels, start=1))
    )
    return tuple(lines)


def _vpn_thredd_side(vpn, *, status: str, thredd_asn: int | None) -> tuple[str, ...]:
    """Return Thredd's side of a stored VPN: AWS's tunnel addresses once recorded."""
    if status not in DOWNLOADABLE_STATUSES:
        return (NOT_YET_SET_UP,)
    lines = [
        f"Tunnel {tunnel.number}: AWS outside IP {tunnel.thredd_outside_ip}"
        + (f", inside {tunnel.inside_cidr}" if tunnel.inside_cidr else "")
        for tunnel in vpn.tunnels.all()
        if tunnel.thredd_outside_ip
    ] or ["Being set up in AWS: the tunnel addresses appear here when it is done."]
    if thredd_asn is not None:
        lines.append(f"Thredd's ASN {thredd_asn}")
    return tuple(lines)


def _peering_thredd_side(peering: AwsPeeringAttachment | None, *, status: str) -> tuple[str, ...]:
    """Return Thredd's side of a Transit Gateway site: the peering attachment to accept."""
    if status not in DOWNLOADABLE_STATUSES:
        return (NOT_YET_SET_UP,)
    if peering is None or not peering.attachment_id:
        return ("Being set up in AWS: the peering attachment appears here when it is done.",)
    state = f", AWS says {peering.state}" if peering.state else ""
    return (f"Peering attachment {peering.attachment_id}{state}",)


def answers_summary(
    *, request: ConnectivityRequest, doc: document.RequestDocument | None = None
) -> AnswersSummary:
    """Return every answer of `request` in plain words, with Thredd's side once it is sent.

    Pass a request read with `with_answers()` and its document when the page has them (check
    your answers does); otherwise both are read here. Thredd's side costs at most one more
    query, whatever the number of sites: Thredd's ASN (the peering attachments come with the
    answers).
    """
    if doc is None:
        request = request_answers(request)
        doc = request_to_document(request)
    status = request.status
    thredd_side_shown = status not in EDITABLE_STATUSES | FINAL_STATUSES
    is_tgw = request.connection_type == ConnectionType.AWS_TGW
    set_up = status in DOWNLOADABLE_STATUSES
    thredd_asn = (
        thredd_bgp_asn(request.environment)
        if set_up and any(site.routing == Routing.BGP for site in doc.sites)
        else None
    )
    sites = []
    for index, (site, answers) in enumerate(zip(request.sites.all(), doc.sites, strict=True)):
        if is_tgw:
            carriers = tuple(
                CarrierSummary(
                    name=f"Attachment {number}",
                    lines=(_carries(attachment.services),),
                    thredd_side=(),
                )
                for number, attachment in enumerate(answers.attachments, start=1)
            )
        else:
            carriers = tuple(
                CarrierSummary(
                    name=f"VPN {number}",
                    lines=_vpn_lines(vpn),
                    thredd_side=_vpn_thredd_side(
                        stored,
                        status=status,
                        thredd_asn=thredd_asn if answers.routing == Routing.BGP else None,
                    )
                    if thredd_side_shown
                    else (),
                )
                for number, (vpn, stored) in enumerate(
                    zip(answers.vpns, site.vpns.all(), strict=True), start=1
                )
            )
        sites.append(
            SiteSummary(
                site=site,
                answers=answers,
                routing=routing_words(answers),
                carriers=carriers,
                subnets=tuple(
                    f"{subnet.cidr or 'not given'} ({choice_label(SubnetPurpose, subnet.purpose)})"
                    for subnet in answers.subnets
                ),
                picture=site_topology_svg(
                    answers,
                    environment=request.environment,
                    connection_type=request.connection_type,
                    index=index,
                ),
                thredd_side=_peering_thredd_side(getattr(site, "aws_peering", None), status=status)
                if thredd_side_shown and is_tgw
                else (),
            )
        )
    return AnswersSummary(
        connectivity_request=request,
        doc=doc,
        services=service_labels(doc.services),
        contacts=tuple(
            (contact, choice_label(ContactRole, contact.role, missing="Role not chosen"))
            for contact in doc.contacts
        ),
        sites=tuple(sites),
        csr=csr_details(doc.mtls.csr_pem) if doc.mtls else None,
    )
