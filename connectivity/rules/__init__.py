"""Judge a request against Thredd's rules and AWS's tunnel rules, without the database.

Each checker takes raw values as the client sent them (strings stay strings) and the field
path to report at, and returns findings (REFERENCE §2). Question pages call the small
checkers one field at a time, a site's page calls `validate_site`, and everything else
(`validate_request`, submission, review) calls `validate_document`. Rules that read other
rows (`subnet_reserved`, `subnet_unavailable`) are the selectors' (`selectors.availability`).

The modules follow the document: `requests` (the request as a whole), `sites`, `vpns`,
`tgw`, `mtls`, and `whole`, which runs them over a document.
"""

from .mtls import check_csr, check_endpoint_url, check_mtls
from .requests import check_connection_type, check_contacts, check_environment, check_services
from .sites import (
    check_bgp,
    check_bgp_asn,
    check_routing,
    check_site_name,
    check_site_names_unique,
    check_subnet,
    check_subnet_overlap,
    check_subnet_purpose,
    check_vpn_split,
)
from .tgw import check_tgw
from .vpns import (
    check_algorithms,
    check_device,
    check_ike_version,
    check_inside_cidr,
    check_inside_cidrs_unique,
    check_lifetimes,
    check_peer_ip,
    check_private_ip,
    check_psk,
    check_tunnel,
    check_vpn,
)
from .whole import check_across_sites, check_site, validate_document, validate_site

__all__ = [
    "check_across_sites",
    "check_algorithms",
    "check_bgp",
    "check_bgp_asn",
    "check_connection_type",
    "check_contacts",
    "check_csr",
    "check_device",
    "check_endpoint_url",
    "check_environment",
    "check_ike_version",
    "check_inside_cidr",
    "check_inside_cidrs_unique",
    "check_lifetimes",
    "check_mtls",
    "check_peer_ip",
    "check_private_ip",
    "check_psk",
    "check_routing",
    "check_services",
    "check_site",
    "check_site_name",
    "check_site_names_unique",
    "check_subnet",
    "check_subnet_overlap",
    "check_subnet_purpose",
    "check_tgw",
    "check_tunnel",
    "check_vpn",
    "check_vpn_split",
    "validate_document",
    "validate_site",
]
