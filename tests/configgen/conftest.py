"""Fixed inputs for the configuration generator's tests: documents, Thredd's side, tunnel values.

Everything is fixed (PSKs, inside /30s, AWS's outside addresses and peering attachment, the
generated time) so golden files are stable.
"""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectivity import constants as limits
from connectivity.catalogue import CATALOGUE
from connectivity.configgen.context import ThreddSide, build_context
from connectivity.configgen.render import request_contexts
from connectivity.configgen.values import TunnelValues
from connectivity.document import parse_document

GENERATED_AT = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
REFERENCE = "THR-2025-0042"
TUNNEL_VALUES = (
    TunnelValues(
        psk="Kq3vX8._mZ2pL7rT9wYb4nC6dF1hJ5sA",
        inside_cidr="169.254.10.0/30",
        thredd_outside_ip="52.56.10.10",
    ),
    TunnelValues(
        psk="Tz8.Rk4_Wm2qN7vB3xL9cP6yH1gF5dJs",
        inside_cidr="169.254.10.4/30",
        thredd_outside_ip="52.56.20.20",
    ),
)
# A production site's two VPNs on one client device: two AWS VPN connections, so four tunnels,
# each with its own AWS outside address and inside /30.
SITE_TUNNEL_VALUES = {
    (0, 0): TUNNEL_VALUES,
    (0, 1): (
        TunnelValues(
            psk="Hn5.Yq2_Lw8rV4tB7mK1xC9pZ3gD6sFa",
            inside_cidr="169.254.10.8/30",
            thredd_outside_ip="52.56.30.30",
        ),
        TunnelValues(
            psk="Rb7_Jx3.Pv9kM2wQ5nT8yL1cG4hD6sZe",
            inside_cidr="169.254.10.12/30",
            thredd_outside_ip="52.56.40.40",
        ),
    ),
}
PEERING_ATTACHMENT_ID = "tgw-attach-0a1b2c3d4e5f60718"
DATA = Path(__file__).parent / "data"
TRUST_CHAIN = (DATA / "trust-chain.pem").read_text()

THREDD = ThreddSide(
    environment="uat",
    service_ranges={
        "web_services": ("10.240.1.0/24",),
        "ehi": ("10.240.2.0/24",),
        "portal": ("10.240.3.0/24",),
    },
    bgp_asn=64512,
    mtls_trust_chain_pem=TRUST_CHAIN,
)

CONTACTS = [{"name": "Ada Ops", "email": "ada@example.com", "role": "technical"}]


def device_tunnels(platform_key: str, ike_version: int) -> tuple[dict, ...]:
    """Return tunnel answers a client of `platform_key` gives: none when the device takes
    Thredd's default algorithms with `ike_version`, else the first it supports of each kind
    (Cisco ASA's IKEv1 has no SHA-2, so its clients choose SHA1)."""
    (platform,) = (item for item in CATALOGUE if item.key == platform_key)
    row = platform.ike[ike_version]
    defaults = {
        "encryption": limits.DEFAULT_ENCRYPTION,
        "integrity": limits.DEFAULT_INTEGRITY,
        "dh_groups": limits.DEFAULT_DH_GROUPS,
    }
    answers = {}
    for phase in (1, 2):
        for name, default in defaults.items():
            supported = row.allowed(phase, name)
            if not set(default) <= supported:
                answers[f"phase{phase}_{name}"] = [min(supported)]
    return (answers, answers) if answers else ()


def vpn_document(
    vendor="cisco", platform="asa_vti", *, ike_version=2, routing="static", tunnels=None
):
    """Return a one-site UAT VPN request for `vendor`/`platform`; `tunnels` default to what
    that device needs (see `device_tunnels`)."""
    if tunnels is None:
        tunnels = device_tunnels(platform, ike_version)
    site = {
        "name": "London DC1",
        "routing": routing,
        "vpns": [
            {
                "services": ["web_services", "ehi"],
                "peer_ip": "81.2.69.160",
                "device": {"vendor": vendor, "platform": platform, "software": "9.16"},
                "ike_version": ike_version,
                "tunnels": list(tunnels),
            }
        ],
        "subnets": [{"cidr": "10.20.30.0/24", "purpose": "ehi"}],
    }
    if routing == "bgp":
        site["bgp"] = {"asn": 65010, "justification": "Dynamic failover between data centres"}
    doc, findings = parse_document(
        {
            "environment": "uat",
            "connection_type": "ipsec_vpn",
            "services": ["web_services", "ehi"],
            "contacts": CONTACTS,
            "sites": [site],
        }
    )
    assert doc is not None, findings
    return doc


def production_site_document(
    vendor="cisco", platform="asa_vti", *, ike_version=2, routing="static", tunnels=None, **vpn
):
    """Return a one-site production VPN request whose two VPNs (Web Services and EHI; Thredd
    Portal) end on one client device: one `vendor`/`platform`, one public address. `tunnels`
    default as `device_tunnels` says; `vpn` adds answers to both VPNs (`private_ip`)."""
    if tunnels is None:
        tunnels = device_tunnels(platform, ike_version)
    device = {"vendor": vendor, "platform": platform, "software": "9.16"}
    site = {
        "name": "London DC1",
        "routing": routing,
        "vpns": [
            {
                "services": services,
                "peer_ip": "81.2.69.160",
                "device": device,
                "ike_version": ike_version,
                "tunnels": list(tunnels),
                **vpn,
            }
            for services in (["web_services", "ehi"], ["portal"])
        ],
        "subnets": [{"cidr": "10.20.30.0/24", "purpose": "ehi"}],
    }
    if routing == "bgp":
        site["bgp"] = {"asn": 65010, "justification": "Dynamic failover between data centres"}
    doc, findings = parse_document(
        {
            "environment": "production",
            "connection_type": "ipsec_vpn",
            "services": ["web_services", "ehi", "portal"],
            "contacts": CONTACTS,
            "sites": [site],
        }
    )
    assert doc is not None, findings
    return doc


def tgw_document(environment="production"):
    doc, findings = parse_document(
        {
            "environment": environment,
            "connection_type": "aws_tgw",
            "services": ["web_services", "ehi", "portal"],
            "contacts": CONTACTS,
            "sites": [
                {
                    "name": "AWS eu-west-2",
                    "routing": "static",
                    "attachments": [
                        {"services": ["web_services", "ehi"]},
                        {"services": ["portal"]},
                    ],
                    "tgw": {
                        "tgw_id": "tgw-0123456789abcdef0",
                        "aws_account_id": "012345678901",
                        "region": "eu-west-2",
                    },
                    "subnets": [{"cidr": "10.50.0.0/24", "purpose": "web_services"}],
                }
            ],
        }
    )
    assert doc is not None, findings
    return doc


def mtls_document():
    doc, findings = parse_document(
        {
            "environment": "uat",
            "connection_type": "mtls",
            "services": ["ehi"],
            "contacts": CONTACTS,
            "mtls": {
                "csr_pem": (DATA / "client.csr").read_text(),
                "ehi_endpoint_url": "https://ehi.example.com:8443/ehi",
            },
        }
    )
    assert doc is not None, findings
    return doc


def vpn_context(doc, *, thredd=THREDD, tunnel_values=TUNNEL_VALUES):
    return build_context(
        doc,
        thredd=thredd,
        request_reference=REFERENCE,
        generated_at=GENERATED_AT,
        site_index=0,
        vpn_index=0,
        tunnel_values=tunnel_values,
    )


def site_vpn_contexts(doc, *, tunnel_values=SITE_TUNNEL_VALUES):
    """Return the contexts of VPN 1 and VPN 2 of the first site of a production `doc`."""
    contexts = request_contexts(
        doc,
        thredd=replace(THREDD, environment=doc.environment),
        request_reference=REFERENCE,
        generated_at=GENERATED_AT,
        tunnel_values=tunnel_values,
    )
    return contexts[0, 0], contexts[0, 1]


def site_context(doc, *, thredd=THREDD, peering_attachment_id=PEERING_ATTACHMENT_ID):
    return build_context(
        doc,
        thredd=replace(thredd, environment=doc.environment),
        request_reference=REFERENCE,
        generated_at=GENERATED_AT,
        site_index=0 if doc.sites else None,
        peering_attachment_id=peering_attachment_id,
    )


@pytest.fixture
def thredd():
    return THREDD
