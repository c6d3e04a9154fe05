"""Every finding code of REFERENCE §2 that rules.py produces, failing and passing, by table."""

import copy

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from connectivity import rules
from connectivity.document import Bgp, Contact, Device, Site, Tgw, Tunnel, parse_document
from connectivity.findings import has_errors
from tests.documents import (
    THREDD_ASN,
    judged,
    make_csr,
    make_sha1_csr,
    rsa_key,
    valid_mtls_document,
    valid_tgw_document,
    valid_vpn_document,
)


def codes(findings) -> list[str]:
    return [finding.code for finding in findings]


def validate(data: dict) -> list:
    return judged(data, thredd_asn=THREDD_ASN)


# --- Subnets ----------------------------------------------------------------------------------

SUBNET_CASES = [
    # (cidr, expected codes, text the message must contain)
    ("10.20.30.0/24", [], None),
    ("10.20.28.0/22", ["subnet_not_recommended"], "Thredd recommends /24"),
    ("10.20.30.0/23", ["subnet_not_recommended"], "Thredd recommends /24"),
    ("10.20.30.0/25", ["subnet_not_recommended"], "Thredd recommends /24"),
    ("10.20.30.0/31", ["subnet_not_recommended"], "Thredd recommends /24"),
    ("10.20.24.0/21", ["subnet_too_large"], "the maximum is /22"),
    ("10.20.16.0/20", ["subnet_too_large"], "/20 is not permitted"),
    ("10.0.0.0/8", ["subnet_too_large"], "the maximum is /22"),
    ("10.20.30.7/32", ["subnet_single_host"], "an EHI endpoint must be a subnet"),
    (
        "10.0.0.5/24",
        ["subnet_host_bits"],
        "10.0.0.5/24 has host bits set: did you mean 10.0.0.0/24?",
    ),
    ("2001:db8::/64", ["subnet_invalid"], "IPv6"),
    ("10.20.30.0", ["subnet_invalid"], "10.20.30.0/24"),
    ("garbage", ["subnet_invalid"], "prefix length"),
    ("", ["subnet_invalid"], "such as"),
    (None, ["subnet_invalid"], "such as"),
    ("10.20.30.0/255.255.255.0", ["subnet_invalid"], "prefix length"),
    ("010.20.30.0/24", ["subnet_invalid"], "leading zeros"),
    ("10.20.30.256/24", ["subnet_invalid"], "0 to 255"),
    ("10.20.30.0/33", ["subnet_invalid"], "/32"),
    (" 10.20.30.0/24", ["subnet_invalid"], "such as"),
]


@pytest.mark.parametrize(("cidr", "expected", "message_part"), SUBNET_CASES)
def test_check_subnet(cidr, expected, message_part):
    findings = rules.check_subnet(cidr, "sites[0].subnets[0].cidr")
    assert codes(findings) == expected
    assert all(finding.field == "sites[0].subnets[0].cidr" for finding in findings)
    if message_part:
        assert message_part in findings[0].message
    assert "invalid input" not in " ".join(finding.message for finding in findings).lower()


@pytest.mark.parametrize(
    ("cidr", "severity"), [("10.20.28.0/22", "warning"), ("10.20.16.0/20", "error")]
)
def test_subnet_severity(cidr, severity):
    assert rules.check_subnet(cidr, "cidr")[0].as_dict()["severity"] == severity


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        ("ehi", []),
        ("portal", []),
        ("web_services", []),
        ("EHI", ["subnet_purpose_invalid"]),
        (None, ["subnet_purpose_invalid"]),
    ],
)
def test_check_subnet_purpose(purpose, expected):
    assert codes(rules.check_subnet_purpose(purpose, "purpose")) == expected


@pytest.mark.parametrize(
    ("cidrs", "overlapping_fields"),
    [
        (["10.20.30.0/24", "10.20.31.0/24"], []),
        (["10.20.30.0/24", "10.20.30.128/25"], ["b"]),
        (["10.20.30.0/24", "10.20.30.0/24"], ["b"]),
        (["10.20.28.0/22", "192.168.0.0/24", "10.20.29.0/24"], ["c"]),
        (["garbage", "10.20.30.0/24"], []),
    ],
)
def test_check_subnet_overlap(cidrs, overlapping_fields):
    findings = rules.check_subnet_overlap(list(zip("abc", cidrs, strict=False)))
    assert codes(findings) == ["subnet_overlap"] * len(overlapping_fields)
    assert [finding.field for finding in findings] == overlapping_fields


def test_subnet_overlap_is_found_across_sites():
    data = valid_vpn_document()
    second_site = copy.deepcopy(data["sites"][0])
    second_site["name"] = "Manchester DC2"
    second_site["subnets"] = [{"cidr": "10.20.30.64/26", "purpose": "ehi"}]
    data["sites"].append(second_site)
    overlaps = [finding for finding in validate(data) if finding.code == "subnet_overlap"]
    assert [finding.field for finding in overlaps] == ["sites[1].subnets[0].cidr"]
    assert "(Subnet 1 at London DC1)" in overlaps[0].message


# --- Request-level choices and contacts -------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "good", "bad", "code"),
    [
        (rules.check_environment, "production", "prod", "environment_invalid"),
        (rules.check_environment, "uat", None, "environment_invalid"),
        (rules.check_connection_type, "mtls", "vpn", "connection_type_invalid"),
        (rules.check_connection_type, "aws_tgw", "", "connection_type_invalid"),
    ],
)
def test_request_choices(check, good, bad, code):
    assert check(good) == []
    assert codes(check(bad)) == [code]


@pytest.mark.parametrize(
    ("contacts", "expected"),
    [
        ([Contact(email="ada@example.com", role="technical")], []),
        ([Contact(email="ada@example.com", role="business")], ["contact_required"]),
        ([Contact(name="Ada", role="technical")], ["contact_required"]),
        ([], ["contact_required"]),
        (
            [Contact(email="ada@example", role="technical")],
            ["contact_email_invalid", "contact_required"],
        ),
        (
            [
                Contact(email="not an email", role="security"),
                Contact(email="ada@example.com", role="technical"),
            ],
            ["contact_email_invalid"],
        ),
        ([Contact(email="ada@example.com", role="boss")], ["value_invalid", "contact_required"]),
    ],
)
def test_check_contacts(contacts, expected):
    assert codes(rules.check_contacts(contacts)) == expected


# --- Sites ------------------------------------------------------------------------------------

UNSAFE_TEXT = [
    "London\nDC1",
    'London "DC1"',
    "London 'DC1'",
    "{{ secret }}",
    "100%",
    "tab\there",
    "bell\x07",
    "nul\x00",
    "x" * 65,
    "",
    "   ",
    "Zürich",
]


@pytest.mark.parametrize("name", ["London DC1", "site-2_(backup).eu", "x" * 64])
def test_site_name_accepted(name):
    assert rules.check_site_name(name, "sites[0].name") == []


@pytest.mark.parametrize("name", [*UNSAFE_TEXT, None])
def test_site_name_refused(name):
    assert codes(rules.check_site_name(name, "sites[0].name")) == ["site_name_invalid"]


@pytest.mark.parametrize("software", UNSAFE_TEXT)
def test_device_software_refused(software):
    device = Device(vendor="cisco", platform="asa", software=software)
    findings = rules.check_device(device, "device")
    assert codes(findings) == ["device_unsupported"]
    assert findings[0].field == "device.software"


@pytest.mark.parametrize(
    ("device", "expected_field"),
    [
        (Device(vendor="cisco", platform="asa", software="9.16"), None),
        (Device(vendor="cisco", platform="asa_vti", software="9.8+ (VTI)/x"), None),
        (Device(vendor="generic", platform="text"), None),
        (Device(vendor="netgear", platform="asa"), "device.vendor"),
        (Device(vendor="cisco", platform="srx"), "device.platform"),
        (Device(vendor="cisco"), "device.platform"),
        (None, "device"),
    ],
)
def test_check_device(device, expected_field):
    findings = rules.check_device(device, "device")
    assert [finding.field for finding in findings] == ([expected_field] if expected_field else [])
    assert set(codes(findings)) <= {"device_unsupported"}


def test_site_names_must_be_unique_ignoring_case():
    sites = [Site(name="London DC1"), Site(name="Paris"), Site(name="london dc1")]
    findings = rules.check_site_names_unique(sites)
    assert codes(findings) == ["site_name_duplicate"]
    assert findings[0].field == "sites[2].name"
    assert rules.check_site_names_unique(sites[:2]) == []


def test_site_required_for_vpn_and_tgw_but_not_mtls():
    for data in (valid_vpn_document(), valid_tgw_document()):
        data["sites"] = []
        assert "site_required" in codes(validate(data))
    assert validate(valid_mtls_document(make_csr())) == []


def test_mtls_request_has_no_sites():
    data = valid_mtls_document(make_csr())
    data["sites"] = valid_vpn_document()["sites"]
    findings = validate(data)
    assert [(finding.code, finding.field) for finding in findings] == [("value_invalid", "sites")]


# --- Routing and BGP --------------------------------------------------------------------------


def test_bgp_on_tgw_is_refused():
    data = valid_tgw_document()
    data["sites"][0]["routing"] = "bgp"
    data["sites"][0]["bgp"] = {"asn": 65010, "justification": "multi-homed"}
    findings = validate(data)
    assert ("bgp_not_allowed_for_tgw", "sites[0].routing") in [
        (finding.code, finding.field) for finding in findings
    ]


@pytest.mark.parametrize(
    ("routing", "expected"),
    [("static", []), ("bgp", []), ("BGP", ["routing_invalid"]), (None, ["routing_invalid"])],
)
def test_check_routing(routing, expected):
    bgp = Bgp(asn=65010, justification="x") if routing == "bgp" else None
    site = Site(routing=routing, bgp=bgp)
    assert codes(rules.check_routing(site, "sites[0]", connection_type="ipsec_vpn")) == expected


def test_bgp_details_with_static_routing_are_refused():
    site = Site(routing="static", bgp=Bgp(asn=65010, justification="x"))
    findings = rules.check_routing(site, "sites[0]", connection_type="ipsec_vpn")
    assert [(finding.code, finding.field) for finding in findings] == [
        ("value_invalid", "sites[0].bgp")
    ]


@pytest.mark.parametrize(
    ("bgp", "expected_errors"),
    [
        (Bgp(asn=65010, justification="dual data centres need failover"), []),
        (Bgp(asn=1, justification="x"), []),
        (Bgp(asn=4_294_967_295, justification="x"), []),
        (Bgp(asn=4_200_000_000, justification="x"), []),
        (Bgp(asn=0, justification="x"), ["bgp_asn_invalid"]),
        (Bgp(asn=4_294_967_296, justification="x"), ["bgp_asn_invalid"]),
        (Bgp(asn=-1, justification="x"), ["bgp_asn_invalid"]),
        (Bgp(asn=23456, justification="x"), ["bgp_asn_invalid"]),
        (Bgp(asn=THREDD_ASN, justification="x"), ["bgp_asn_invalid"]),
        (Bgp(justification="x"), ["bgp_asn_required"]),
        (None, ["bgp_asn_required", "bgp_justification_required"]),
        (Bgp(asn=65010), ["bgp_justification_required"]),
        (Bgp(asn=65010, justification="   "), ["bgp_justification_required"]),
    ],
)
def test_check_bgp(bgp, expected_errors):
    findings = rules.check_bgp(Site(routing="bgp", bgp=bgp), "sites[0]", THREDD_ASN)
    assert codes(findings) == ["bgp_needs_approval", *expected_errors]
    assert findings[0].as_dict()["severity"] == "warning"


def test_static_routing_needs_no_bgp_approval():
    assert rules.check_bgp(Site(routing="static"), "sites[0]", THREDD_ASN) == []


def test_bgp_on_a_platform_without_bgp_is_refused():
    data = valid_vpn_document()
    data["sites"][0]["routing"] = "bgp"
    data["sites"][0]["bgp"] = {"asn": 65010, "justification": "failover between sites"}
    assert ("routing_invalid", "sites[0].vpns[0].device.platform") in [
        (finding.code, finding.field) for finding in validate(data)
    ]
    data["sites"][0]["vpns"][0]["device"] = {"vendor": "cisco", "platform": "asa_vti"}
    assert codes(validate(data)) == ["bgp_needs_approval"]


# --- VPN counts, production split, services ---------------------------------------------------

WS_EHI = ["web_services", "ehi"]
PORTAL = ["portal"]
ALL = ["web_services", "ehi", "portal"]


@pytest.mark.parametrize(
    ("environment", "carriers", "requested", "expected"),
    [
        ("uat", [ALL], ALL, []),
        ("uat", [WS_EHI, PORTAL], ALL, []),
        ("uat", [ALL, ALL], ALL, []),
        ("uat", [], ALL, ["vpn_count_invalid"]),
        ("uat", [ALL, ALL, ALL], ALL, ["vpn_count_invalid"]),
        ("uat", [WS_EHI], ALL, ["services_missing"]),
        ("uat", [["web_services"]], ["web_services", "ehi"], ["services_missing"]),
        ("production", [WS_EHI, PORTAL], ALL, []),
        ("production", [PORTAL, WS_EHI], ALL, []),
        ("production", [ALL], ALL, ["vpn_count_invalid"]),
        ("production", [WS_EHI, PORTAL, PORTAL], ALL, ["vpn_count_invalid"]),
        ("production", [ALL, ALL], ALL, ["production_split_required"]),
        ("production", [["web_services"], ["ehi", "portal"]], ALL, ["production_split_required"]),
        ("production", [["web_services", "portal"], ["ehi"]], ALL, ["production_split_required"]),
    ],
)
def test_check_vpn_split(environment, carriers, requested, expected):
    findings = rules.check_vpn_split(
        carriers, "sites[0].vpns", environment=environment, requested=requested
    )
    assert codes(findings) == expected


def test_production_split_message_names_the_split():
    findings = rules.check_vpn_split(
        [ALL, ALL], "sites[0].vpns", environment="production", requested=ALL
    )
    assert "one carrying Web Services and EHI, the other Thredd Portal" in findings[0].message


def test_production_vpn_request_without_split_is_refused():
    data = valid_vpn_document()
    data["environment"] = "production"
    assert "vpn_count_invalid" in codes(validate(data))
    data["sites"][0]["vpns"].append(copy.deepcopy(data["sites"][0]["vpns"][0]))
    assert "production_split_required" in codes(validate(data))
    data["sites"][0]["vpns"][0]["services"] = WS_EHI
    data["sites"][0]["vpns"][1]["services"] = PORTAL
    data["sites"][0]["vpns"][1]["tunnels"] = []
    assert validate(data) == []


def test_production_tgw_split_is_checked_on_attachments():
    data = valid_tgw_document()
    assert validate(data) == []
    data["sites"][0]["attachments"] = [{"services": ALL}]
    assert [(f.code, f.field) for f in validate(data)] == [
        ("vpn_count_invalid", "sites[0].attachments")
    ]


@pytest.mark.parametrize(
    ("services", "expected"),
    [(ALL, []), (["ehi"], []), ([], ["value_invalid"]), (["ehi", "sftp"], ["value_invalid"])],
)
def test_check_services(services, expected):
    assert codes(rules.check_services(services, "services")) == expected


# --- Peer IP, device, IKE ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer_ip", "expected"),
    [
        ("81.2.69.160", []),
        ("8.8.8.8", []),
        ("192.88.99.1", []),
        ("10.1.2.3", ["peer_ip_not_public"]),
        ("172.16.0.1", ["peer_ip_not_public"]),
        ("192.168.1.1", ["peer_ip_not_public"]),
        ("100.64.0.1", ["peer_ip_not_public"]),
        ("100.127.255.254", ["peer_ip_not_public"]),
        ("127.0.0.1", ["peer_ip_not_public"]),
        ("169.254.1.1", ["peer_ip_not_public"]),
        ("224.0.0.5", ["peer_ip_not_public"]),
        ("240.0.0.1", ["peer_ip_not_public"]),
        ("255.255.255.255", ["peer_ip_not_public"]),
        ("0.0.0.0", ["peer_ip_not_public"]),  # noqa: S104 - a refused value, not a bind address
        ("192.0.2.10", ["peer_ip_not_public"]),
        ("198.51.100.10", ["peer_ip_not_public"]),
        ("203.0.113.10", ["peer_ip_not_public"]),
        ("2001:db8::1", ["peer_ip_invalid"]),
        ("81.2.69.160/32", ["peer_ip_invalid"]),
        ("not an address", ["peer_ip_invalid"]),
        ("", ["peer_ip_invalid"]),
        (None, ["peer_ip_invalid"]),
    ],
)
def test_check_peer_ip(peer_ip, expected):
    assert codes(rules.check_peer_ip(peer_ip, "peer_ip")) == expected


@pytest.mark.parametrize(
    ("ike_version", "vendor", "platform", "expected"),
    [
        (None, "cisco", "asa", []),
        (2, "cisco", "asa", []),
        (1, "cisco", "asa", []),
        (2, "libreswan", "libreswan", []),
        (1, "libreswan", "libreswan", ["ike_version_invalid"]),
        (3, "cisco", "asa", ["ike_version_invalid"]),
        (0, "cisco", "asa", ["ike_version_invalid"]),
    ],
)
def test_check_ike_version(ike_version, vendor, platform, expected):
    from connectivity.catalogue import find_platform

    found = find_platform(vendor, platform)
    assert codes(rules.check_ike_version(ike_version, "ike", platform=found)) == expected


# --- Tunnels (AWS's rules) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("psk", "valid"),
    [
        (None, True),
        ("a" * 8, True),
        ("a" * 64, True),
        ("optional.client_chosen_1", True),
        ("Abc.def_123", True),
        ("1" + "0" * 7, True),
        ("a" * 7, False),
        ("a" * 65, False),
        ("", False),
        ("0abcdefgh", False),
        ("abc-defgh", False),
        ("abc defgh", False),
        ("abcdefgh\n", False),
        ("abcdéfgh", False),
    ],
)
def test_check_psk(psk, valid):
    assert codes(rules.check_psk(psk, "psk")) == ([] if valid else ["psk_invalid"])


RESERVED_INSIDE_CIDRS = [
    "169.254.0.0/30",
    "169.254.1.0/30",
    "169.254.2.0/30",
    "169.254.3.0/30",
    "169.254.4.0/30",
    "169.254.5.0/30",
    "169.254.169.252/30",
]


@pytest.mark.parametrize("inside_cidr", RESERVED_INSIDE_CIDRS)
def test_reserved_inside_cidrs_are_refused(inside_cidr):
    findings = rules.check_inside_cidr(inside_cidr, "inside_cidr")
    assert codes(findings) == ["inside_cidr_invalid"]
    assert "reserved" in findings[0].message


@pytest.mark.parametrize(
    ("inside_cidr", "valid"),
    [
        (None, True),
        ("169.254.6.0/30", True),
        ("169.254.10.0/30", True),
        ("169.254.169.248/30", True),
        ("169.254.255.252/30", True),
        ("169.254.6.0/29", False),
        ("169.254.6.0/31", False),
        ("10.0.0.0/30", False),
        ("169.254.6.1/30", False),
        ("169.254.6.0", False),
        ("fe80::/64", False),
        ("", False),
    ],
)
def test_check_inside_cidr(inside_cidr, valid):
    expected = [] if valid else ["inside_cidr_invalid"]
    assert codes(rules.check_inside_cidr(inside_cidr, "inside_cidr")) == expected


def test_tunnels_may_not_share_an_inside_cidr():
    data = valid_vpn_document()
    tunnels = data["sites"][0]["vpns"][0]["tunnels"]
    tunnels.append({"inside_cidr": "169.254.10.0/30"})
    findings = validate(data)
    assert [(f.code, f.field) for f in findings] == [
        ("inside_cidr_invalid", "sites[0].vpns[0].tunnels[1].inside_cidr")
    ]
    tunnels[1]["inside_cidr"] = "169.254.11.0/30"
    assert validate(data) == []


def test_at_most_two_tunnels_per_vpn():
    data = valid_vpn_document()
    data["sites"][0]["vpns"][0]["tunnels"] = [{}, {}, {}]
    assert [(f.code, f.field) for f in validate(data)] == [
        ("value_invalid", "sites[0].vpns[0].tunnels")
    ]


@pytest.mark.parametrize(
    ("phase1", "phase2", "bad_fields"),
    [
        (None, None, []),
        (28800, 3600, []),
        (900, None, ["t.phase2_lifetime"]),  # the phase 2 default (3600) is not shorter
        (3601, 3600, []),
        (1000, 900, []),
        (3600, 3600, ["t.phase2_lifetime"]),
        (899, 600, ["t.phase1_lifetime", "t.phase2_lifetime"]),
        (28801, None, ["t.phase1_lifetime"]),
        (None, 3601, ["t.phase2_lifetime"]),
        (None, 899, ["t.phase2_lifetime"]),
    ],
)
def test_check_lifetimes(phase1, phase2, bad_fields):
    findings = rules.check_lifetimes(phase1, phase2, "t")
    assert set(codes(findings)) <= {"lifetime_invalid"}
    assert [finding.field for finding in findings] == bad_fields


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, []),
        (
            {
                "phase1_encryption": ("AES256-GCM-16", "AES256"),
                "phase1_integrity": ("SHA2-256", "SHA2-512"),
                "phase1_dh_groups": (2, 14, 24),
                "phase2_encryption": ("AES128",),
                "phase2_integrity": ("SHA1",),
                "phase2_dh_groups": (5, 20),
            },
            [],
        ),
        ({"phase1_encryption": ("3DES",)}, [("algorithm_invalid", "t.phase1_encryption[0]")]),
        ({"phase2_encryption": ("aes256",)}, [("algorithm_invalid", "t.phase2_encryption[0]")]),
        ({"phase1_integrity": ("MD5",)}, [("algorithm_invalid", "t.phase1_integrity[0]")]),
        ({"phase1_encryption": ()}, [("algorithm_invalid", "t.phase1_encryption")]),
        ({"phase1_dh_groups": (5,)}, [("dh_group_invalid", "t.phase1_dh_groups[0]")]),
        ({"phase2_dh_groups": (14, 25)}, [("dh_group_invalid", "t.phase2_dh_groups[1]")]),
        ({"phase2_dh_groups": (1,)}, [("dh_group_invalid", "t.phase2_dh_groups[0]")]),
    ],
)
def test_check_algorithms(overrides, expected):
    findings = rules.check_algorithms(Tunnel(**overrides), "t")
    assert [(finding.code, finding.field) for finding in findings] == expected


# --- Transit Gateway --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tgw", "expected"),
    [
        (Tgw("tgw-0123456789abcdef0", "012345678901", "eu-west-2"), []),
        (Tgw("tgw-0123abcd", "123456789012", "us-east-1"), []),
        (Tgw("tgw-0123456789ABCDEF0", "123456789012", "eu-west-2"), ["tgw_id_invalid"]),
        (Tgw("tgw-0123456789abcdef", "123456789012", "eu-west-2"), ["tgw_id_invalid"]),
        (Tgw("vgw-0123456789abcdef0", "123456789012", "eu-west-2"), ["tgw_id_invalid"]),
        (Tgw(None, "123456789012", "eu-west-2"), ["tgw_id_required"]),
        (Tgw("", "123456789012", "eu-west-2"), ["tgw_id_required"]),
        (Tgw("tgw-0123abcd", "12345678901", "eu-west-2"), ["aws_account_id_invalid"]),
        (Tgw("tgw-0123abcd", "1234567890123", "eu-west-2"), ["aws_account_id_invalid"]),
        (Tgw("tgw-0123abcd", "12345678901a", "eu-west-2"), ["aws_account_id_invalid"]),
        (Tgw("tgw-0123abcd", None, "eu-west-2"), ["aws_account_id_invalid"]),
        (Tgw("tgw-0123abcd", "123456789012", "eu-west-9"), ["aws_region_invalid"]),
        (Tgw("tgw-0123abcd", "123456789012", "EU-WEST-2"), ["aws_region_invalid"]),
        (Tgw("tgw-0123abcd", "123456789012", "us-gov-west-1"), ["aws_region_invalid"]),
        (
            None,
            ["tgw_id_required", "aws_account_id_invalid", "aws_region_invalid"],
        ),
    ],
)
def test_check_tgw(tgw, expected):
    assert codes(rules.check_tgw(tgw, "sites[0].tgw")) == expected


def test_tgw_site_without_tgw_details_needs_the_tgw_id():
    data = valid_tgw_document()
    del data["sites"][0]["tgw"]
    assert ("tgw_id_required", "sites[0].tgw.tgw_id") in [
        (finding.code, finding.field) for finding in validate(data)
    ]


# --- mTLS -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: make_csr(rsa_key(2048)), []),
        (lambda: make_csr(rsa_key(3072), hashes.SHA384()), []),
        (lambda: make_csr(ec.generate_private_key(ec.SECP256R1())), []),
        (lambda: make_csr(ec.generate_private_key(ec.SECP384R1())), []),
        (lambda: make_csr(rsa_key(1024)), ["csr_key_too_weak"]),
        (lambda: make_csr(ec.generate_private_key(ec.SECP256K1())), ["csr_key_too_weak"]),
        (lambda: make_csr(ec.generate_private_key(ec.SECP521R1())), ["csr_key_too_weak"]),
        (lambda: make_sha1_csr(rsa_key(2048)), ["csr_signature_weak"]),
        (
            lambda: make_sha1_csr(rsa_key(1024)),
            ["csr_key_too_weak", "csr_signature_weak"],
        ),
        (lambda: "", ["csr_invalid"]),
        (lambda: None, ["csr_invalid"]),
        (
            lambda: "-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----",
            ["csr_invalid"],
        ),
        (lambda: "ünïcode", ["csr_invalid"]),
    ],
)
def test_check_csr(make, expected):
    assert codes(rules.check_csr(make(), "mtls.csr_pem")) == expected


def test_tampered_csr_is_refused():
    pem = make_csr(rsa_key(2048))
    lines = pem.splitlines()
    # Flip one character of the body (inside the subject), keeping valid base64.
    body = lines[2]
    lines[2] = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    findings = rules.check_csr("\n".join(lines) + "\n", "mtls.csr_pem")
    assert codes(findings) == ["csr_invalid"]


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://ehi.example.com:8443/ehi", True),
        ("https://ehi.example.com/", True),
        ("https://203.0.113.5/ehi/v1", True),
        ("https://ehi.example.com", False),
        ("http://ehi.example.com/ehi", False),
        ("ftp://ehi.example.com/ehi", False),
        ("https://user:pass@ehi.example.com/ehi", False),
        ("https://ehi.example.com/ehi?token=1", False),
        ("https://ehi.example.com/ehi#top", False),
        ("https://ehi.example.com:99999/ehi", False),
        ("https://ehi example.com/ehi", False),
        ("ehi.example.com/ehi", False),
        ("https://[::1/ehi", False),
        ("", False),
        (None, False),
    ],
)
def test_check_endpoint_url(url, valid):
    expected = [] if valid else ["endpoint_url_invalid"]
    assert codes(rules.check_endpoint_url(url, "mtls.ehi_endpoint_url")) == expected


def test_mtls_request_needs_details():
    data = valid_mtls_document(make_csr())
    del data["mtls"]
    assert [(f.code, f.field) for f in validate(data)] == [
        ("csr_invalid", "mtls.csr_pem"),
        ("endpoint_url_invalid", "mtls.ehi_endpoint_url"),
    ]


def test_mtls_endpoint_needed_only_for_ehi():
    data = valid_mtls_document(make_csr())
    data["services"] = ["web_services"]
    del data["mtls"]["ehi_endpoint_url"]
    assert validate(data) == []


def test_mtls_details_refused_on_a_vpn_request():
    data = valid_vpn_document()
    data["mtls"] = {"csr_pem": make_csr()}
    assert [(f.code, f.field) for f in validate(data)] == [("value_invalid", "mtls")]


# --- The whole document -----------------------------------------------------------------------


def test_valid_documents_have_no_errors():
    for data in (valid_vpn_document(), valid_tgw_document(), valid_mtls_document(make_csr())):
        assert not has_errors(validate(data)), validate(data)


def test_vpn_details_refused_on_a_tgw_site():
    data = valid_tgw_document()
    data["sites"][0]["vpns"] = valid_vpn_document()["sites"][0]["vpns"]
    assert ("value_invalid", "sites[0].vpns") in [(f.code, f.field) for f in validate(data)]


def test_site_without_subnets_is_refused():
    data = valid_vpn_document()
    data["sites"][0]["subnets"] = []
    assert [(f.code, f.field) for f in validate(data)] == [("value_invalid", "sites[0].subnets")]


def test_validate_document_uses_the_given_thredd_asn():
    data = valid_vpn_document()
    data["sites"][0]["routing"] = "bgp"
    data["sites"][0]["bgp"] = {"asn": 65010, "justification": "failover"}
    data["sites"][0]["vpns"][0]["device"] = {"vendor": "juniper", "platform": "srx"}
    doc, findings = parse_document(data)
    assert findings == []
    assert "bgp_asn_invalid" not in codes(rules.validate_document(doc))
    assert "bgp_asn_invalid" in codes(rules.validate_document(doc, thredd_asn=65010))


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (None, True),
        ("10.0.1.15", True),
        ("172.31.5.9", True),
        ("100.64.3.2", True),
        ("81.2.69.160", False),  # public: the device owns it, so no NAT address to give
        ("not-an-ip", False),
        ("127.0.0.1", False),
    ],
)
def test_a_nat_address_is_a_private_one(value, valid):
    findings = rules.check_private_ip(value, "sites[0].vpns[0].private_ip", peer_ip="81.2.69.160")
    assert (findings == []) is valid
    assert all(finding.code == "private_ip_invalid" for finding in findings)
