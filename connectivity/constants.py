"""Limits, reserved ranges and allowed values, each citing where it comes from.

Sources: "seed" is Thredd's own page (/work/shared/seed/connecting-with-aws-and-vpn.txt);
"REFERENCE §n" is the project's domain reference; "AWS" is the AWS Site-to-Site VPN and
Transit Gateway documentation. Every **[interpretation]** of the REFERENCE lives in this module
and nowhere else, so changing one is a one-line edit.
"""

import re
from ipaddress import IPv4Network

from connectivity.choices import Service

# --- Client subnets --------------------------------------------------------------------------

# seed: "The maximum subnet is /22."
MAX_PREFIX = 22
# seed: "Thredd recommends using /24."
RECOMMENDED_PREFIX = 24
# seed: "Subnet /20 is not permitted by Thredd." (it is also larger than /22; named for the message)
FORBIDDEN_PREFIX = 20
# seed: "An EHI endpoint must be a subnet." A /32 is a single host, so it is refused.
SINGLE_HOST_PREFIX = 32
# [interpretation] REFERENCE §1: /25-/31 are allowed with the same "recommends /24" warning as
# /22-/23 (see `rules.check_subnet`).
# [interpretation] a site describes at least one subnet, or Thredd has nothing to route.
MIN_SUBNETS_PER_SITE = 1
# [interpretation] Sizes a real client needs, with room: a request of more is a mistake or an
# attack (validation and review pages grow with them), and the forms say so.
MAX_SUBNETS_PER_SITE = 16
MAX_SITES_PER_REQUEST = 20
MAX_CONTACTS_PER_REQUEST = 10
# An example subnet for messages ("such as 10.20.30.0/24"), REFERENCE §2.
EXAMPLE_SUBNET = "10.20.30.0/24"

# --- VPNs and attachments per site ------------------------------------------------------------

# seed: "two VPNs per site"; [interpretation] REFERENCE §1: UAT takes one or two.
MIN_CARRIERS_PER_SITE = 1
MAX_CARRIERS_PER_SITE = 2
# [interpretation] REFERENCE §1: production takes exactly two, split as below.
PRODUCTION_CARRIERS_PER_SITE = 2
# seed: "Where two VPNs are required for production access they must be split as follows:
# Web Services and EHI; Thredd Portal."
PRODUCTION_SPLIT = (
    frozenset({Service.WEB_SERVICES, Service.EHI}),
    frozenset({Service.PORTAL}),
)

# --- Site names and device fields (text that reaches a generated configuration) ---------------

# REFERENCE §2 site_name_invalid: letters, digits, space, "-_.()", at most 64 characters.
# [interpretation] "letters" means ASCII letters: names are pasted into device CLIs.
SITE_NAME_MAX_LENGTH = 64
SITE_NAME_PATTERN = re.compile(r"[A-Za-z0-9 _.()-]+", re.ASCII)
SITE_NAME_CHARACTERS = "letters, digits, spaces and - _ . ( )"
# [interpretation] device vendor/platform/software may also need "/" and "+" ("9.8+", "R81.20/x").
DEVICE_TEXT_MAX_LENGTH = 64
DEVICE_TEXT_PATTERN = re.compile(r"[A-Za-z0-9 _.()/+-]+", re.ASCII)
DEVICE_TEXT_CHARACTERS = "letters, digits, spaces and - _ . ( ) / +"

# --- Customer gateway (peer) addresses --------------------------------------------------------

# REFERENCE §2 peer_ip_not_public: besides what `ipaddress` calls non-global, refuse shared
# address space (RFC 6598) and the documentation ranges (RFC 5737) by name, so the rule does
# not depend on the Python version's idea of "global".
NON_PUBLIC_PEER_NETWORKS = (
    IPv4Network("100.64.0.0/10"),
    IPv4Network("192.0.2.0/24"),
    IPv4Network("198.51.100.0/24"),
    IPv4Network("203.0.113.0/24"),
)

# --- Ranges that are never a client's network (REFERENCE §7) ----------------------------------

# IANA special-purpose blocks no client network can use, with what each is, and AWS's tunnel
# inside range (169.254.0.0/16, link-local too). Thredd's own ranges of each environment are
# the database's (service ranges, reserved ranges, AWS's tunnel addresses).
NEVER_CLIENT_NETWORKS = (
    (IPv4Network("0.0.0.0/8"), '"this network"'),
    (IPv4Network("127.0.0.0/8"), "loopback"),
    (IPv4Network("169.254.0.0/16"), "link-local, where AWS's tunnel inside addresses live"),
    (IPv4Network("192.0.0.0/24"), "reserved for IETF protocol assignments"),
    (IPv4Network("192.0.2.0/24"), "documentation (TEST-NET-1)"),
    (IPv4Network("198.18.0.0/15"), "benchmarking"),
    (IPv4Network("198.51.100.0/24"), "documentation (TEST-NET-2)"),
    (IPv4Network("203.0.113.0/24"), "documentation (TEST-NET-3)"),
    (IPv4Network("224.0.0.0/4"), "multicast"),
    (IPv4Network("240.0.0.0/4"), "reserved"),
)
# Private address space (RFC 1918): anything else is shared (100.64.0.0/10) or public, which a
# client may own but deserves a second look.
PRIVATE_NETWORKS = (
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
)

# --- Tunnel options (AWS Site-to-Site VPN tunnel options; REFERENCE §5) -----------------------

# AWS: pre-shared key 8-64 characters of letters, digits, "." and "_", not starting with "0".
PSK_MIN_LENGTH = 8
PSK_MAX_LENGTH = 64
PSK_PATTERN = re.compile(r"[A-Za-z0-9._]+", re.ASCII)
PSK_CHARACTERS = "letters, digits, . and _"
# AWS: inside tunnel CIDR is a /30 from 169.254.0.0/16 ...
INSIDE_CIDR_RANGE = IPv4Network("169.254.0.0/16")
INSIDE_CIDR_PREFIX = 30
# AWS: ... and none of these reserved blocks.
RESERVED_INSIDE_CIDRS = frozenset(
    IPv4Network(cidr)
    for cidr in (
        "169.254.0.0/30",
        "169.254.1.0/30",
        "169.254.2.0/30",
        "169.254.3.0/30",
        "169.254.4.0/30",
        "169.254.5.0/30",
        "169.254.169.252/30",
    )
)
EXAMPLE_INSIDE_CIDR = "169.254.10.0/30"
# REFERENCE §3: "tunnels (at most 2 per VPN)"; AWS: a VPN connection has two tunnels.
MAX_TUNNELS_PER_VPN = 2
# AWS: phase 1 lifetime 900-28800 s (default 28800); phase 2 900-3600 s (default 3600),
# and phase 2 must be shorter than phase 1.
PHASE1_LIFETIME_MIN = 900
PHASE1_LIFETIME_MAX = 28800
PHASE1_LIFETIME_DEFAULT = 28800
PHASE2_LIFETIME_MIN = 900
PHASE2_LIFETIME_MAX = 3600
PHASE2_LIFETIME_DEFAULT = 3600
# AWS: encryption and integrity algorithms accepted in both phases, spelled as AWS's API does.
ENCRYPTION_ALGORITHMS = ("AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16")
INTEGRITY_ALGORITHMS = ("SHA1", "SHA2-256", "SHA2-384", "SHA2-512")
# AWS: Diffie-Hellman groups, phase 1: 2, 14-24; phase 2: 2, 5, 14-24.
PHASE1_DH_GROUPS = frozenset({2, *range(14, 25)})
PHASE2_DH_GROUPS = frozenset({2, 5, *range(14, 25)})
# REFERENCE §4: Thredd's defaults for a tunnel the client leaves alone (strong algorithms, both
# phases). The rules check them against the client's device like chosen values.
DEFAULT_ENCRYPTION = ("AES256",)
DEFAULT_INTEGRITY = ("SHA2-256",)
DEFAULT_DH_GROUPS = (14,)

# --- BGP --------------------------------------------------------------------------------------

# AWS: customer gateway BGP ASN 1-4294967295.
BGP_ASN_MIN = 1
BGP_ASN_MAX = 4_294_967_295
# RFC 6793: AS_TRANS stands in for 4-byte ASNs and is never a real peer.
AS_TRANS = 23456
# [interpretation] Thredd's own ASN is not published: 64512 (AWS's default Amazon-side ASN)
# until Thredd states it. Settings may override it; the rules take it as a parameter.
DEFAULT_THREDD_BGP_ASN = 64512

# --- AWS Transit Gateway ----------------------------------------------------------------------

# AWS: "tgw-" followed by 17 lowercase hex digits (8 on resources created before 2018).
TGW_ID_PATTERN = re.compile(r"tgw-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
EXAMPLE_TGW_ID = "tgw-0123456789abcdef0"


# AWS resource IDs: a prefix and 17 lowercase hex digits (8 on resources made before 2018).
def _aws_id(prefix: str) -> re.Pattern:
    return re.compile(rf"{prefix}-(?:[0-9a-f]{{8}}|[0-9a-f]{{17}})", re.ASCII)


TGW_ROUTE_TABLE_ID_PATTERN = _aws_id("tgw-rtb")
TGW_ATTACHMENT_ID_PATTERN = _aws_id("tgw-attach")
VPN_CONNECTION_ID_PATTERN = _aws_id("vpn")
CUSTOMER_GATEWAY_ID_PATTERN = _aws_id("cgw")
# [interpretation] AWS's console default for a customer gateway without BGP: a static site's
# customer gateway needs an ASN, and this private one is never announced.
STATIC_CUSTOMER_GATEWAY_ASN = 65000
# AWS: an account ID is exactly 12 digits; kept as text because it may start with 0.
AWS_ACCOUNT_ID_PATTERN = re.compile(r"[0-9]{12}", re.ASCII)
# AWS: commercial ("aws" partition) region codes. GovCloud, China and the European Sovereign
# Cloud are other partitions, which Transit Gateway peering with Thredd cannot reach.
AWS_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)

# --- mTLS -------------------------------------------------------------------------------------

# REFERENCE §2 csr_key_too_weak: RSA keys of at least 2048 bits, or EC keys on P-256 / P-384.
# [interpretation] other key types (DSA, Ed25519, Ed448) are refused with the same code.
CSR_MIN_RSA_BITS = 2048
CSR_EC_CURVES = frozenset({"secp256r1", "secp384r1"})
# REFERENCE §2 csr_signature_weak: SHA-1 and MD5 signatures are refused.
CSR_WEAK_SIGNATURE_HASHES = frozenset({"sha1", "md5"})
# REFERENCE §2 endpoint_url_invalid: https://host[:port]/path and nothing else.
ENDPOINT_URL_SCHEME = "https"
EXAMPLE_ENDPOINT_URL = "https://ehi.example.com:8443/ehi"
# [interpretation] the EHI endpoint is needed only when EHI is requested (Thredd calls it).
ENDPOINT_URL_REQUIRED_FOR = frozenset({Service.EHI})
