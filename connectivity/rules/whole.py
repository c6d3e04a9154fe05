"""Rules over a whole request document: each site, then what sites share (names, subnets)."""

from collections.abc import Collection
from functools import partial

from connectivity import constants as limits
from connectivity.choices import (
    ConnectionType,
)
from connectivity.document import (
    VALUE_INVALID,
    RequestDocument,
    Site,
    join_path,
)
from connectivity.findings import Finding, error
from connectivity.places import place_name

from .base import indexed
from .mtls import check_mtls
from .requests import check_connection_type, check_contacts, check_environment, check_services
from .sites import (
    check_bgp,
    check_routing,
    check_site_name,
    check_site_names_unique,
    check_subnet,
    check_subnet_overlap,
    check_subnet_purpose,
    check_vpn_split,
)
from .tgw import check_tgw
from .vpns import check_inside_cidrs_unique, check_vpn


def check_site(
    site: Site,
    field: str,
    *,
    environment: str | None,
    connection_type: str | None,
    services: Collection[str],
    thredd_asn: int,
) -> list[Finding]:
    """Check one site of a VPN or TGW request, except what depends on its sibling sites."""
    findings = [
        *check_site_name(site.name, join_path(field, "name")),
        *check_routing(site, field, connection_type=connection_type),
    ]
    subnets_path = join_path(field, "subnets")
    if len(site.subnets) < limits.MIN_SUBNETS_PER_SITE:
        findings.append(
            error(
                VALUE_INVALID,
                subnets_path,
                f"Add the subnets of this site that reach Thredd, such as {limits.EXAMPLE_SUBNET}.",
            )
        )
    if len(site.subnets) > limits.MAX_SUBNETS_PER_SITE:
        findings.append(
            error(
                VALUE_INVALID,
                subnets_path,
                f"A site has at most {limits.MAX_SUBNETS_PER_SITE} subnets (this one lists "
                f"{len(site.subnets)}): summarise them into larger ones, up to /22.",
            )
        )
    for index, subnet in enumerate(site.subnets[: limits.MAX_SUBNETS_PER_SITE]):
        path = indexed(subnets_path, index)
        findings += check_subnet(subnet.cidr, join_path(path, "cidr"))
        findings += check_subnet_purpose(subnet.purpose, join_path(path, "purpose"))
    if connection_type == ConnectionType.IPSEC_VPN:
        findings += check_bgp(site, field, thredd_asn)
        findings += _check_absent(
            site.attachments, join_path(field, "attachments"), "Transit Gateway"
        )
        findings += _check_absent(site.tgw, join_path(field, "tgw"), "Transit Gateway")
        vpns_path = join_path(field, "vpns")
        for index, vpn in enumerate(site.vpns):
            findings += check_vpn(vpn, indexed(vpns_path, index), routing=site.routing)
        carriers, carriers_path, noun = site.vpns, vpns_path, "VPN"
    elif connection_type == ConnectionType.AWS_TGW:
        findings += _check_absent(site.vpns, join_path(field, "vpns"), "IPsec VPN")
        findings += check_tgw(site.tgw, join_path(field, "tgw"))
        attachments_path = join_path(field, "attachments")
        for index, attachment in enumerate(site.attachments):
            findings += check_services(
                attachment.services,
                join_path(indexed(attachments_path, index), "services"),
                noun="attachment",
            )
        carriers, carriers_path, noun = site.attachments, attachments_path, "attachment"
    else:
        return findings
    findings += check_vpn_split(
        [carrier.services for carrier in carriers],
        carriers_path,
        environment=environment,
        requested=services,
        noun=noun,
    )
    return findings


def _check_absent(value: object, field: str, used_for: str) -> list[Finding]:
    """Refuse details that belong to another connection type."""
    if not value:
        return []
    return [error(VALUE_INVALID, field, f"Remove this: it is only for {used_for} requests.")]


def validate_document(
    doc: RequestDocument, *, thredd_asn: int = limits.DEFAULT_THREDD_BGP_ASN
) -> list[Finding]:
    """Return every finding of the rules that need no other database rows about `doc`."""
    findings = [
        *check_environment(doc.environment),
        *check_connection_type(doc.connection_type),
        *check_services(doc.services, "services"),
        *check_contacts(doc.contacts),
    ]
    if doc.connection_type == ConnectionType.MTLS:
        findings += _check_absent(doc.sites, "sites", "VPN and Transit Gateway")
        findings += check_mtls(doc.mtls, "mtls", services=doc.services)
        return findings
    findings += _check_absent(doc.mtls, "mtls", "mutual TLS")
    if doc.connection_type in (ConnectionType.IPSEC_VPN, ConnectionType.AWS_TGW) and not doc.sites:
        findings.append(
            error(
                "site_required",
                "sites",
                "Add a site: each VPN or Transit Gateway request describes at least one.",
            )
        )
    if len(doc.sites) > limits.MAX_SITES_PER_REQUEST:
        findings.append(
            error(
                "site_required",
                "sites",
                f"A request has at most {limits.MAX_SITES_PER_REQUEST} sites (this one has "
                f"{len(doc.sites)}): split it into several requests.",
            )
        )
        return findings
    for index, site in enumerate(doc.sites):
        findings += check_site(
            site,
            indexed("sites", index),
            environment=doc.environment,
            connection_type=doc.connection_type,
            services=doc.services,
            thredd_asn=thredd_asn,
        )
    findings += check_across_sites(doc)
    findings += check_inside_cidrs_unique(
        [
            (
                f"sites[{site_index}].vpns[{vpn_index}].tunnels[{index}].inside_cidr",
                tunnel.inside_cidr,
            )
            for site_index, site in enumerate(doc.sites)
            for vpn_index, vpn in enumerate(site.vpns)
            for index, tunnel in enumerate(vpn.tunnels)
        ],
        name_of=partial(place_name, doc=doc),
    )
    return findings


def check_across_sites(doc: RequestDocument) -> list[Finding]:
    """Check what the sites of `doc` share: no two with one name, no two subnets overlapping."""
    return [
        *check_site_names_unique(doc.sites),
        *check_subnet_overlap(
            [
                (f"sites[{site_index}].subnets[{index}].cidr", subnet.cidr)
                for site_index, site in enumerate(doc.sites)
                for index, subnet in enumerate(site.subnets)
            ],
            name_of=partial(place_name, doc=doc),
        ),
    ]


def validate_site(
    doc: RequestDocument, index: int, *, thredd_asn: int = limits.DEFAULT_THREDD_BGP_ASN
) -> list[Finding]:
    """Return the findings about site `index` of `doc`, as its question page shows them.

    Its own rules, and what it shares with its sibling sites; the request-level rules
    (contacts, services, the number of sites) belong to the task list.
    """
    return [
        *check_site(
            doc.sites[index],
            indexed("sites", index),
            environment=doc.environment,
            connection_type=doc.connection_type,
            services=doc.services,
            thredd_asn=thredd_asn,
        ),
        *check_across_sites(doc),
    ]
