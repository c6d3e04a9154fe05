"""Real parsers read the generated files back, and the values equal the approved record.

Cisco and Junos outputs go through ciscoconfparse2 (Junos `set` lines also through a ttp
template); the CloudFormation template through cfn-lint; the Terraform file through
python-hcl2.
"""

import subprocess
import sys
from ipaddress import IPv4Network
from pathlib import Path

import hcl2
import pytest
from cfnlint.decode import decode_str
from ciscoconfparse2 import CiscoConfParse
from ttp import ttp

from connectivity.configgen.keywords import CISCO_ASA, CISCO_IOS, JUNIPER_JUNOS
from connectivity.configgen.render import render_target
from tests.configgen.conftest import site_context, tgw_document, vpn_context, vpn_document


# Leave the header out: parsers take `!` and `#` lines as comments anyway, but the values
# must come from the configuration itself.
def body(rendered) -> list[str]:
    return rendered.content.partition("\n\n")[2].splitlines()


def render_one(target: str, vendor: str, platform: str, **variant):
    context = vpn_context(vpn_document(vendor, platform, **variant))
    (rendered,) = render_target(target, context)
    return context.vpn, rendered


def child_value(parent, pattern: str) -> str:
    return parent.re_match_iter_typed(pattern, default="", recurse=True)


@pytest.mark.parametrize("ike_version", [2, 1])
@pytest.mark.parametrize("routing", ["static", "bgp"])
def test_ios_xe_reads_back(ike_version, routing):
    vpn, rendered = render_one(
        "ios_xe", "cisco", "ios_xe", ike_version=ike_version, routing=routing
    )
    parse = CiscoConfParse(body(rendered), syntax="ios")
    for tunnel in vpn.tunnels:
        name = f"THREDD-VPN1-T{tunnel.number}"
        interface = parse.find_objects(rf"^interface Tunnel{tunnel.unit}$")[0]
        assert child_value(interface, r"ip address (\S+ \S+)") == (
            f"{tunnel.client_inside_ip} {tunnel.inside.netmask}"
        )
        assert child_value(interface, r"tunnel destination (\S+)") == tunnel.thredd_outside_ip
        assert child_value(interface, r"ip tcp adjust-mss (\d+)") == str(vpn.mss)
        profile = parse.find_objects(rf"^crypto ipsec profile {name}$")[0]
        assert child_value(profile, r"lifetime seconds (\d+)") == str(tunnel.phase2.lifetime)
        assert child_value(profile, r"set pfs (\S+)") == f"group{tunnel.phase2.dh_groups[0]}"
        (transform,) = parse.find_objects(rf"^crypto ipsec transform-set {name} ")
        assert transform.text.endswith(
            f"{CISCO_IOS['esp_encryption']['AES256']} {CISCO_IOS['esp_integrity']['SHA2-256']}"
        )
        if ike_version == 2:
            keyring = parse.find_objects(rf"^crypto ikev2 keyring {name}$")[0]
            assert child_value(keyring, r"pre-shared-key (\S+)") == tunnel.psk
            assert child_value(keyring, r"address (\S+)") == tunnel.thredd_outside_ip
            proposal = parse.find_objects(rf"^crypto ikev2 proposal {name}$")[0]
            assert child_value(proposal, r"encryption (\S+)") == "aes-cbc-256"
            assert child_value(proposal, r"integrity (\S+)") == "sha256"
            assert child_value(proposal, r"group (\d+)") == "14"
            ike_profile = parse.find_objects(rf"^crypto ikev2 profile {name}$")[0]
            assert child_value(ike_profile, r"lifetime (\d+)") == str(tunnel.phase1.lifetime)
        else:
            keyring = parse.find_objects(rf"^crypto keyring {name}$")[0]
            assert child_value(keyring, r"pre-shared-key address \S+ key (\S+)") == tunnel.psk
            # ISAKMP policies are numbered from 100 x the tunnel's unit (11, 12).
            (policy,) = parse.find_objects(rf"^crypto isakmp policy {100 * tunnel.unit + 1}$")
            assert child_value(policy, r"encryption (aes \d+)") == "aes 256"
            assert child_value(policy, r"hash (\S+)") == "sha256"
            assert child_value(policy, r"lifetime (\d+)") == str(tunnel.phase1.lifetime)
    if routing == "static":
        routes = {line.text for line in parse.find_objects(r"^ip route ")}
        assert routes == {
            f"ip route {route.address} {route.netmask} Tunnel{t.unit} {t.route_metric}"
            for route in vpn.routes
            for t in vpn.tunnels
        }
    else:
        (bgp,) = parse.find_objects(rf"^router bgp {vpn.bgp.client_asn}$")
        neighbours = {
            line.text.split()[1]
            for line in bgp.children
            if line.text.strip().endswith(f"remote-as {vpn.bgp.thredd_asn}")
        }
        assert neighbours == {t.thredd_inside_ip for t in vpn.tunnels}


@pytest.mark.parametrize("ike_version", [2, 1])
@pytest.mark.parametrize("platform", ["asa", "asa_vti"])
def test_asa_reads_back(platform, ike_version):
    vpn, rendered = render_one(platform, "cisco", platform, ike_version=ike_version)
    parse = CiscoConfParse(body(rendered), syntax="asa")
    for tunnel in vpn.tunnels:
        attributes = parse.find_objects(
            rf"^tunnel-group {tunnel.thredd_outside_ip} ipsec-attributes"
        )[0]
        psk_pattern = r"pre-shared-key (\S+)$"
        assert child_value(attributes, psk_pattern) == tunnel.psk
        if ike_version == 2:
            # IKE policies are numbered from 1000 x the tunnel's unit (11, 12).
            policy = parse.find_objects(rf"^crypto ikev2 policy {1000 * tunnel.unit + 1}$")[0]
            assert child_value(policy, r"encryption (\S+)") == CISCO_ASA["ike_encryption"]["AES256"]
            assert child_value(policy, r"integrity (\S+)") == "sha256"
            assert child_value(policy, r"group (\d+)") == "14"
            assert child_value(policy, r"lifetime seconds (\d+)") == str(tunnel.phase1.lifetime)
        if platform == "asa_vti":
            interface = parse.find_objects(rf"^interface Tunnel{tunnel.unit}$")[0]
            assert child_value(interface, r"ip address (\S+ \S+)") == (
                f"{tunnel.client_inside_ip} {tunnel.inside.netmask}"
            )
            assert child_value(interface, r"tunnel destination (\S+)") == tunnel.thredd_outside_ip
            profile = parse.find_objects(rf"^crypto ipsec profile THREDD-VPN1-T{tunnel.number}$")[0]
            assert child_value(profile, r"lifetime seconds (\d+)") == str(tunnel.phase2.lifetime)
    if platform == "asa_vti":
        routes = {line.text for line in parse.find_objects(r"^route ")}
        assert routes == {
            f"route THREDD-VPN1-T{t.number} {r.address} {r.netmask} "
            f"{t.thredd_inside_ip} {t.route_metric}"
            for r in vpn.routes
            for t in vpn.tunnels
        }
    else:
        peers = parse.find_objects(r"^crypto map \S+ \d+ set peer ")[0].text.split()[6:]
        assert peers == [t.thredd_outside_ip for t in vpn.tunnels]
        # One ACL line, so one SA pair per tunnel: the summarised selectors.
        acl = {line.text for line in parse.find_objects(r"^access-list THREDD-VPN1 ")}
        local, remote = vpn.local_selector, vpn.remote_selector
        assert acl == {
            f"access-list THREDD-VPN1 extended permit ip {local.address} {local.netmask} "
            f"{remote.address} {remote.netmask}"
        }
        assert all(IPv4Network(r.cidr).subnet_of(IPv4Network(remote.cidr)) for r in vpn.routes)


# ttp matches whole lines, so the template's lines are as long as the configuration's.
JUNOS_TEMPLATE = """
<group name="ike_policy">
set security ike policy {{ name }} pre-shared-key ascii-text "{{ psk }}"
</group>
<group name="gateway">
set security ike gateway {{ name }} address {{ address }}
</group>
<group name="unit">
set interfaces st0 unit {{ unit }} family inet address {{ inside }}
</group>
<group name="ike_proposal">
set security ike proposal {{ name }} encryption-algorithm {{ encryption }}
set security ike proposal {{ name }} lifetime-seconds {{ lifetime }}
</group>
<group name="ipsec_proposal">
set security ipsec proposal {{ name }} lifetime-seconds {{ lifetime }}
</group>
<group name="route">
set routing-options static route {{ network }} qualified-next-hop {{ unit }} preference {{ preference }}
</group>
"""  # noqa: E501


def test_junos_reads_back():
    vpn, rendered = render_one("srx", "juniper", "srx")
    lines = body(rendered)
    parse = CiscoConfParse(lines, syntax="junos")
    assert parse.find_objects(r"^set security ike gateway thredd-vpn1-t1 version v2-only$")
    parser = ttp(data="\n".join(lines), template=JUNOS_TEMPLATE)
    parser.parse()
    (result,) = parser.result()[0]

    def listed(key):
        value = result[key]
        return value if isinstance(value, list) else [value]

    assert [item["psk"] for item in listed("ike_policy")] == [t.psk for t in vpn.tunnels]
    assert [item["address"] for item in listed("gateway")] == [
        t.thredd_outside_ip for t in vpn.tunnels
    ]
    assert [item["inside"] for item in listed("unit")] == [
        f"{t.client_inside_ip}/30" for t in vpn.tunnels
    ]
    assert {item["encryption"] for item in listed("ike_proposal")} == {
        JUNIPER_JUNOS["ike_encryption"]["AES256"]
    }
    assert {int(item["lifetime"]) for item in listed("ike_proposal")} == {28800}
    assert {int(item["lifetime"]) for item in listed("ipsec_proposal")} == {3600}
    assert {(item["network"], int(item["preference"])) for item in listed("route")} == {
        (r.cidr, t.route_metric) for r in vpn.routes for t in vpn.tunnels
    }


def test_cloudformation_template_passes_cfn_lint(tmp_path):
    context = site_context(tgw_document())
    (rendered,) = render_target("tgw_cloudformation", context)
    path = tmp_path / "thredd.yaml"
    path.write_text(rendered.content)
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([cfn_lint, str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    template = decode_str(rendered.content)[0]
    parameter = template["Parameters"]["ThreddPeeringAttachmentId"]
    assert parameter["Default"] == context.tgw.peering_attachment_id
    routes = [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::EC2::TransitGatewayRoute"
    ]
    assert sorted(route["DestinationCidrBlock"] for route in routes) == sorted(
        route.cidr for route in context.tgw.routes
    )
    assert all(
        route["TransitGatewayAttachmentId"] == {"Ref": "ThreddPeeringAttachmentId"}
        for route in routes
    )


def test_terraform_file_parses_and_values_match():
    context = site_context(tgw_document())
    (rendered,) = render_target("tgw_terraform", context)
    parsed = hcl2.loads(rendered.content)
    # python-hcl2 8 keeps string literals quoted, as they are written.
    provider = parsed["provider"][0]['"aws"']
    assert provider["region"] == f'"{context.tgw.region}"'
    assert provider["allowed_account_ids"] == [f'"{context.tgw.aws_account_id}"']
    routes = [
        block
        for resource in parsed["resource"]
        for kind, blocks in resource.items()
        if kind == '"aws_ec2_transit_gateway_route"'
        for block in blocks.values()
    ]
    assert sorted(block["destination_cidr_block"].strip('"') for block in routes) == sorted(
        route.cidr for attachment in context.tgw.attachments for route in attachment.routes
    )
    assert len(context.tgw.attachments) == 2
    # Both attachments ride Thredd's one peering attachment, whose real ID is the default.
    (variable,) = (
        block['"thredd_peering_attachment_id"']
        for block in parsed["variable"]
        if '"thredd_peering_attachment_id"' in block
    )
    assert variable["default"] == f'"{context.tgw.peering_attachment_id}"'
    assert "REPLACE_ME_PEERING" not in rendered.content
