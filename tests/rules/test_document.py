"""Parse and dump the request document of REFERENCE §3: unknown keys, wrong types, round trips."""

import json

import pytest

from connectivity.document import (
    RequestDocument,
    Site,
    SubnetEntry,
    parse_document,
    parse_json,
    to_dict,
)
from connectivity.rules import validate_document
from tests.documents import make_csr, valid_tgw_document, valid_vpn_document


def findings_of(data) -> list[tuple[str, str]]:
    return [(finding.code, finding.field) for finding in parse_document(data)[1]]


def reference_example() -> dict:
    """Return REFERENCE §3's example, made valid: a real CSR, and BGP and TGW left out.

    The example shows every key at once; a valid request keeps only those of its connection
    type (VPN), and its BGP block goes with static routing removed.
    """
    return {
        "environment": "uat",
        "connection_type": "ipsec_vpn",
        "services": ["web_services", "ehi", "portal"],
        "contacts": [
            {
                "name": "Ada Ops",
                "email": "ada@example.com",
                "phone": "+44 20 7946 0000",
                "role": "technical",
            }
        ],
        "sites": [
            {
                "name": "London DC1",
                "routing": "bgp",
                "bgp": {"asn": 65010, "justification": "why static will not do"},
                "vpns": [
                    {
                        "services": ["web_services", "ehi", "portal"],
                        "peer_ip": "81.2.69.160",
                        "device": {"vendor": "cisco", "platform": "asa_vti", "software": "9.16"},
                        "ike_version": 2,
                        "tunnels": [
                            {"inside_cidr": "169.254.10.0/30", "psk": "optional.client_chosen_1"}
                        ],
                    }
                ],
                "subnets": [{"cidr": "10.20.30.0/24", "purpose": "ehi"}],
            }
        ],
    }


def test_reference_example_validates_without_errors():
    doc, findings = parse_document(reference_example())
    assert findings == []
    assert [finding.code for finding in validate_document(doc)] == ["bgp_needs_approval"]


def test_reference_example_as_mtls_validates_without_errors():
    data = {
        **{key: reference_example()[key] for key in ("environment", "services", "contacts")},
        "connection_type": "mtls",
        "mtls": {"csr_pem": make_csr(), "ehi_endpoint_url": "https://ehi.example.com:8443/ehi"},
    }
    doc, findings = parse_document(data)
    assert findings == []
    assert validate_document(doc) == []


@pytest.mark.parametrize(
    ("path", "expected_field"),
    [
        ((), "colour"),
        (("sites", 0), "sites[0].colour"),
        (("sites", 0, "vpns", 0), "sites[0].vpns[0].colour"),
        (("sites", 0, "vpns", 0, "device"), "sites[0].vpns[0].device.colour"),
        (("sites", 0, "vpns", 0, "tunnels", 0), "sites[0].vpns[0].tunnels[0].colour"),
        (("sites", 0, "subnets", 0), "sites[0].subnets[0].colour"),
        (("contacts", 0), "contacts[0].colour"),
    ],
)
def test_unknown_keys_are_errors_at_any_depth(path, expected_field):
    data = valid_vpn_document()
    target = data
    for step in path:
        target = target[step]
    target["colour"] = "blue"
    doc, findings = parse_document(data)
    assert [(f.code, f.field) for f in findings] == [("unknown_field", expected_field)]
    assert doc is not None  # the rest can still be judged
    assert "colour" in findings[0].message


def test_unknown_keys_in_tgw_and_bgp_blocks():
    data = valid_tgw_document()
    data["sites"][0]["tgw"]["vpc"] = "vpc-1"
    data["sites"][0]["attachments"][0]["name"] = "first"
    data["sites"][0]["bgp"] = {"asn": 65010, "hold": 30}
    assert findings_of(data) == [
        ("unknown_field", "sites[0].bgp.hold"),
        ("unknown_field", "sites[0].attachments[0].name"),
        ("unknown_field", "sites[0].tgw.vpc"),
    ]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("sites", 0, "subnets", 0, "cidr"),
            167772160,
            ("subnet_invalid", "sites[0].subnets[0].cidr"),
        ),
        (
            ("sites", 0, "vpns", 0, "ike_version"),
            "2",
            ("ike_version_invalid", "sites[0].vpns[0].ike_version"),
        ),
        (
            ("sites", 0, "vpns", 0, "ike_version"),
            True,
            ("ike_version_invalid", "sites[0].vpns[0].ike_version"),
        ),
        (
            ("sites", 0, "vpns", 0, "ike_version"),
            2.0,
            ("ike_version_invalid", "sites[0].vpns[0].ike_version"),
        ),
        (
            ("sites", 0, "vpns", 0, "peer_ip"),
            ["81.2.69.160"],
            ("peer_ip_invalid", "sites[0].vpns[0].peer_ip"),
        ),
        (
            ("sites", 0, "vpns", 0, "device"),
            "cisco asa",
            ("device_unsupported", "sites[0].vpns[0].device"),
        ),
        (
            ("sites", 0, "vpns", 0, "tunnels", 0, "psk"),
            12345678,
            ("psk_invalid", "sites[0].vpns[0].tunnels[0].psk"),
        ),
        (("sites", 0, "name"), {"en": "London"}, ("site_name_invalid", "sites[0].name")),
        (("sites", 0, "vpns"), {"services": []}, ("value_invalid", "sites[0].vpns")),
        (("sites", 0), "London", ("value_invalid", "sites[0]")),
        (("sites",), None, ("value_invalid", "sites")),
        (("services", 1), 7, ("value_invalid", "services[1]")),
        (("environment",), ["uat"], ("environment_invalid", "environment")),
        (("contacts", 0, "email"), False, ("contact_email_invalid", "contacts[0].email")),
    ],
)
def test_wrong_types_give_findings_not_tracebacks(path, value, expected):
    data = valid_vpn_document()
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    doc, findings = parse_document(data)
    assert doc is None
    assert [(f.code, f.field) for f in findings] == [expected]
    assert "Enter" in findings[0].message


def test_aws_account_id_must_be_text_to_keep_leading_zeros():
    data = valid_tgw_document()
    data["sites"][0]["tgw"]["aws_account_id"] = 12345678901
    assert findings_of(data) == [("aws_account_id_invalid", "sites[0].tgw.aws_account_id")]


@pytest.mark.parametrize("data", [None, [], [valid_vpn_document()], "text", 42, 4.2, True])
def test_top_level_must_be_an_object(data):
    assert findings_of(data) == [("document_invalid", "")]


@pytest.mark.parametrize(
    ("text", "where"),
    [('{"environment": "uat",}', "line 1, column 23"), ('{\n  "a": [1,\n}', "line 3, column 1")],
)
def test_parse_json_says_where_the_json_broke(text, where):
    doc, findings = parse_json(text)
    assert doc is None
    assert [(f.code, f.field) for f in findings] == [("document_invalid", "")]
    assert where in findings[0].message


@pytest.mark.parametrize("text", [b"\xff\xfe\x00", "1" * 5000, "[" * 100_000, ""])
def test_parse_json_never_raises(text):
    doc, findings = parse_json(text)
    assert doc is None
    assert [finding.code for finding in findings] == ["document_invalid"]


def test_parse_json_reads_bytes_and_text_alike():
    text = json.dumps(valid_vpn_document())
    assert parse_json(text) == parse_json(text.encode()) == parse_document(valid_vpn_document())


@pytest.mark.parametrize(
    "data",
    [valid_vpn_document(), valid_tgw_document(), reference_example(), {}],
    ids=["vpn", "tgw", "reference", "empty"],
)
def test_round_trip(data):
    doc, _ = parse_document(data)
    assert parse_document(to_dict(doc)) == (doc, [])


def test_to_dict_omits_what_is_not_set_and_keeps_raw_values():
    doc = RequestDocument(
        environment="uat", sites=(Site(name="x", subnets=(SubnetEntry(cidr="10.0.0.5/24"),)),)
    )
    assert to_dict(doc) == {
        "environment": "uat",
        "sites": [{"name": "x", "subnets": [{"cidr": "10.0.0.5/24"}]}],
    }


def test_empty_override_list_survives_the_round_trip():
    data = valid_vpn_document()
    data["sites"][0]["vpns"][0]["tunnels"][0]["phase1_encryption"] = []
    doc, findings = parse_document(data)
    assert findings == []
    assert to_dict(doc)["sites"][0]["vpns"][0]["tunnels"][0]["phase1_encryption"] == []
    assert parse_document(to_dict(doc))[0] == doc
