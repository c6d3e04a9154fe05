"""Where a finding is, in plain words (`places.finding_place`), and messages in labels.

Issue 17, points 2 and 3: people read "VPN 2 (Thredd Portal) at London DC1" and "Select
the device platform", never `sites[0].vpns[1]` or "one of asa, asa_vti, ios_xe"; the codes
and paths stay in the findings for the JSON validator.
"""

import copy

import pytest

from connectivity.findings import error
from connectivity.places import Place, finding_place, locate, place_name
from tests.documents import judged, parsed, valid_tgw_document, valid_vpn_document


def production_vpn_document() -> dict:
    """Return a production VPN request whose site has the seed's two VPNs."""
    data = valid_vpn_document()
    data["environment"] = "production"
    first = data["sites"][0]["vpns"][0]
    second = copy.deepcopy(first)
    first["services"] = ["web_services", "ehi"]
    second["services"] = ["portal"]
    second["peer_ip"] = "81.2.69.181"
    second["tunnels"] = []
    data["sites"][0]["vpns"].append(second)
    data["sites"][0]["subnets"].append({"cidr": "10.20.31.0/24", "purpose": "portal"})
    return data


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("", ""),
        ("environment", "Environment"),
        ("connection_type", "Connection type"),
        ("services[1]", "Services"),
        ("contacts", "Contacts"),
        ("contacts[0].email", "Contact 1"),
        ("sites", "Sites"),
        ("sites[0]", "London DC1"),
        ("sites[0].name", "Site 1"),
        ("sites[0].routing", "Routing at London DC1"),
        ("sites[0].bgp.asn", "BGP at London DC1"),
        ("sites[0].vpns", "VPNs at London DC1"),
        ("sites[0].vpns[0].device.platform", "VPN 1 (Web Services and EHI) at London DC1"),
        ("sites[0].vpns[1].peer_ip", "VPN 2 (Thredd Portal) at London DC1"),
        (
            "sites[0].vpns[0].tunnels[0].inside_cidr",
            "Tunnel 1 of VPN 1 (Web Services and EHI) at London DC1",
        ),
        ("sites[0].subnets[1].cidr", "Subnet 2 at London DC1"),
        ("sites[0].subnets", "Subnets at London DC1"),
        # Beyond the document (a row being added): named by number, never by path.
        ("sites[0].vpns[5].peer_ip", "VPN 6 at London DC1"),
        ("sites[3].subnets[0].cidr", "Subnet 1 at Site 4"),
    ],
)
def test_a_path_is_named_in_the_clients_words(path, name):
    assert place_name(path, parsed(production_vpn_document())) == name


def test_attachments_and_mtls_are_named_too():
    assert place_name("sites[0].attachments[1].services", parsed(valid_tgw_document())) == (
        "Attachment 2 (Thredd Portal) at AWS eu-west-2"
    )
    assert place_name("mtls.csr_pem", None) == "Certificate signing request"
    assert place_name("mtls.ehi_endpoint_url", None) == "EHI endpoint URL"


def test_the_anchor_is_the_nearest_part_the_page_shows():
    doc = parsed(production_vpn_document())
    anchors = {"": "#answers", "sites[0]": "/site#site-details", "sites[0].vpns[1]": "#carrier-1"}
    assert finding_place("sites[0].vpns[1].device.platform", doc, anchors) == Place(
        "VPN 2 (Thredd Portal) at London DC1", "#carrier-1"
    )
    assert finding_place("sites[0].subnets[0].cidr", doc, anchors).anchor == "/site#site-details"
    assert finding_place("contacts", doc, anchors).anchor == "#answers"
    assert finding_place("contacts", doc).anchor == ""


def test_a_located_finding_says_where_and_keeps_its_code_and_path():
    doc = parsed(production_vpn_document())
    finding = error("peer_ip_invalid", "sites[0].vpns[1].peer_ip", "Enter an address.")
    (located,) = locate([finding], doc, {"sites[0].vpns[1]": "#carrier-1"})
    assert located.message == "VPN 2 (Thredd Portal) at London DC1: Enter an address."
    assert located.anchor == "#carrier-1"
    assert located.finding.code == "peer_ip_invalid"
    assert located.finding.field == "sites[0].vpns[1].peer_ip"
    assert Place("").describe("Whole request.") == "Whole request."


def _messages(data: dict) -> list[str]:
    return [finding.message for finding in judged(data)]


def test_messages_name_choices_by_their_labels_not_their_values():
    data = production_vpn_document()
    data["environment"] = ""
    data["sites"][0]["vpns"][0]["device"] = {"vendor": "cisco"}
    data["sites"][0]["vpns"][1]["services"] = []
    text = " ".join(_messages(data))
    assert "Select the environment: UAT or Production." in text
    assert "Select the device platform: for Cisco, Thredd offers" in text
    assert "ASA 9.7+, route-based (VTI)" in text
    assert "Web Services, EHI or Thredd Portal" in text
    for code in ("uat, production", "asa_vti", "web_services", "platform None", "one of"):
        assert code not in text


def test_a_platform_for_the_other_routing_is_named_by_its_label():
    data = valid_vpn_document()
    data["sites"][0]["routing"] = "bgp"
    data["sites"][0]["bgp"] = {"asn": 65010, "justification": "Failover between sites."}
    text = " ".join(_messages(data))
    assert "Cisco ASA, policy-based (crypto map) cannot run BGP" in text
    assert "Cisco ASA 9.7+, route-based (VTI)" in text
    assert "asa_vti" not in text


def test_overlaps_and_shared_inside_cidrs_name_the_other_answer_in_words():
    data = production_vpn_document()
    data["sites"][0]["subnets"][1]["cidr"] = "10.20.30.128/25"
    data["sites"][0]["vpns"][1]["tunnels"] = [{"inside_cidr": "169.254.10.0/30"}]
    findings = judged(data)
    overlap = next(f for f in findings if f.code == "subnet_overlap")
    assert overlap.field == "sites[0].subnets[1].cidr"
    assert "overlaps 10.20.30.0/24 (Subnet 1 at London DC1)" in overlap.message
    shared = next(f for f in findings if f.code == "inside_cidr_invalid")
    assert shared.field == "sites[0].vpns[1].tunnels[0].inside_cidr"
    assert "inside CIDR of Tunnel 1 of VPN 1 (Web Services and EHI) at London DC1" in (
        shared.message
    )
    assert "sites[" not in overlap.message + shared.message


def test_a_value_a_file_got_wrong_is_told_as_the_file_writes_it():
    data = valid_vpn_document()
    data["environment"] = "prod"
    data["sites"][0]["vpns"][0]["device"] = {"vendor": "cisco", "platform": "srx"}
    text = " ".join(_messages(data))
    assert "'prod' is not an environment Thredd offers: select UAT or Production" in text
    assert "(uat or production in a request document)" in text
    # Another vendor's platform, as a page without script lets one choose: named by its label.
    assert "Juniper Networks SRX Series (Junos set commands) is not a Cisco platform" in text
    assert "asa_vti" not in text
