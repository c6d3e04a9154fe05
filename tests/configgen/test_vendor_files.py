"""Each vendor's file read back and held against Thredd's side of the same VPN, and against
what AWS's example configuration for that vendor has for a working tunnel.

AWS's examples (awsdocs/amazon-vpc-network-administrator-guide, doc_source/) are the
reference: for each vendor, the statements below are the ones those examples rely on; where a
file does it differently the comment says why.
"""

import re
import xml.etree.ElementTree as ET

import pytest

from connectivity.configgen.render import render_target
from tests.configgen.conftest import vpn_context, vpn_document


def render(target, vendor, *, ike_version=2, routing="static", tunnels=None, platform=None):
    context = vpn_context(
        vpn_document(
            vendor, platform or target, ike_version=ike_version, routing=routing, tunnels=tunnels
        )
    )
    return (
        context.vpn,
        context.site_subnets,
        "".join(f.content for f in render_target(target, context)),
    )


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith(("#", "!"))]


# --- pfSense: a restorable XML document ------------------------------------------------------


@pytest.mark.parametrize("ike_version", [2, 1])
@pytest.mark.parametrize("routing", ["static", "bgp"])
def test_pfsense_file_is_an_ipsec_area_document(ike_version, routing):
    vpn, subnets, text = render("pfsense", "pfsense", ike_version=ike_version, routing=routing)
    # One document: comments, then <ipsec>. The text is our own render, not untrusted input.
    root = ET.fromstring(text)  # noqa: S314
    assert root.tag == "ipsec"
    assert 'Restore area "IPsec"' in text
    assert "Backup & Restore" in text
    phase1s = root.findall("phase1")
    assert [p.findtext("remote-gateway") for p in phase1s] == [
        t.thredd_outside_ip for t in vpn.tunnels
    ]
    assert [p.findtext("pre-shared-key") for p in phase1s] == [t.psk for t in vpn.tunnels]
    assert {p.findtext("iketype") for p in phase1s} == {f"ikev{ike_version}"}
    for tunnel in vpn.tunnels:
        phase2s = [p for p in root.findall("phase2") if p.findtext("ikeid") == str(tunnel.unit)]
        pairs = {
            (
                f"{p.findtext('localid/address')}/{p.findtext('localid/netbits')}",
                f"{p.findtext('remoteid/address')}/{p.findtext('remoteid/netbits')}",
            )
            for p in phase2s
        }
        if routing == "bgp":
            assert [p.findtext("mode") for p in phase2s] == ["vti"]
        elif ike_version == 2:
            # Every pair of subnets is present; IKEv2 joins them into one child SA.
            assert pairs == {(s.cidr, r.cidr) for s in subnets for r in vpn.routes}
        else:
            assert pairs == {(vpn.local_selector.cidr, vpn.remote_selector.cidr)}
        assert len({p.findtext("uniqid") for p in phase2s}) == len(phase2s)


# --- Cisco IOS XE: DPD is interval and retry interval ----------------------------------------


def test_ios_xe_dpd_and_bgp_prepend():
    vpn, _, text = render("ios_xe", "cisco", routing="bgp")
    # AWS's IOS example: "dpd 10 10 on-demand"; the second number is seconds between retries.
    assert text.count(f" dpd {vpn.dpd_delay} {vpn.dpd_delay} on-demand") == 2
    assert "set as-path prepend 65010 65010" in text
    assert f"neighbor {vpn.tunnels[1].thredd_inside_ip} route-map THREDD-VPN1-T2-OUT out" in text


# --- Cisco ASA: IKEv1 without SHA-2, one ACL line --------------------------------------------


def test_asa_ikev1_uses_sha1_and_one_acl_line():
    _, _, text = render("asa", "cisco", ike_version=1)
    body = lines(text)
    assert [line for line in body if line.startswith(" hash ")] == [" hash sha"] * 2
    assert all("sha256" not in line and "sha-256" not in line for line in body)
    assert sum(line.startswith("access-list ") for line in body) == 1
    # AWS's ASA example: these make a working policy-based tunnel.
    for statement in (
        "crypto ikev1 enable REPLACE_ME_OUTSIDE_INTERFACE",
        " authentication pre-share",
        "sysopt connection tcpmss 1387",
        " isakmp keepalive threshold 10 retry 10",
        "crypto map REPLACE_ME_CRYPTO_MAP_NAME interface REPLACE_ME_OUTSIDE_INTERFACE",
    ):
        assert statement in body, statement
    assert "crypto ipsec ikev1 transform-set THREDD-VPN1-T1 esp-aes-256 esp-sha-hmac" in body


# --- Juniper SRX ------------------------------------------------------------------------------


def test_junos_has_ike_on_the_outside_zone_and_policies():
    vpn, subnets, text = render("srx", "juniper")
    body = lines(text)
    # AWS's SRX example: IKE allowed in on the untrust zone, policies both ways, st0 binding.
    assert (
        "set security zones security-zone REPLACE_ME_UNTRUST_ZONE host-inbound-traffic "
        "system-services ike"
    ) in body
    policies = {
        re.search(r" policy (\S+) ", line).group(1)
        for line in body
        if line.startswith("set security policies ") and line.endswith(" then permit")
    }
    assert policies == {"thredd-vpn1-out", "thredd-vpn1-in"}
    addresses = {
        line.split()[-1]
        for line in body
        if line.startswith("set security address-book global address ")
        and " address-set " not in line
    }
    assert addresses == {n.cidr for n in (*subnets, *vpn.routes)}
    for tunnel in vpn.tunnels:
        assert f"set security ipsec vpn {tunnel.name} bind-interface st0.{tunnel.unit}" in body
        assert f"set security ike gateway {tunnel.name} address {tunnel.thredd_outside_ip}" in body


# --- Palo Alto PAN-OS -------------------------------------------------------------------------


def test_panos_static_has_tunnel_monitor():
    vpn, _, text = render("panos", "paloalto")
    body = lines(text)
    for tunnel in vpn.tunnels:
        name = tunnel.name.upper()
        assert f"set network tunnel ipsec {name} tunnel-monitor enable yes" in body
        assert (
            f"set network tunnel ipsec {name} tunnel-monitor destination-ip "
            f"{tunnel.thredd_inside_ip}"
        ) in body
    assert any(line.endswith("action fail-over") for line in body)


def test_panos_asks_for_an_mss_adjustment_not_an_mss():
    """PAN-OS's Adjust TCP MSS takes bytes subtracted from the interface MTU (40 to 300)."""
    vpn, _, text = render("panos", "paloalto")
    adjustment = vpn.mtu - vpn.mss
    assert 40 <= adjustment <= 300
    assert f"IPv4 MSS adjustment of {adjustment}:" in text
    assert f"MSS adjustment to {vpn.mss}" not in text


def test_panos_bgp_redistributes_the_subnets_and_prefers_tunnel_1():
    vpn, subnets, text = render("panos", "paloalto", routing="bgp")
    body = lines(text)
    vr = "set network virtual-router REPLACE_ME_VIRTUAL_ROUTER protocol"
    profile = "THREDD-VPN1-SUBNETS"
    for statement in (
        f"{vr} redist-profile {profile} action redist",
        f"{vr} redist-profile {profile} priority 10",
        f"{vr} bgp redist-rules {profile} enable yes",
        *(f"{vr} redist-profile {profile} filter destination {s.cidr}" for s in subnets),
    ):
        assert statement in body, statement
    first, second = (t.name.upper() for t in vpn.tunnels)
    rules = f"{vr} bgp policy"
    assert f"{rules} import rules {first}-IN action allow update local-preference 200" in body
    assert f"{rules} export rules {second}-OUT action allow update as-path prepend 2" in body


# --- FortiGate: the policy names the declared subnets ----------------------------------------


def test_fortios_policies_allow_only_the_declared_networks():
    vpn, subnets, text = render("fortios", "fortinet")
    assert 'set srcaddr "all"' not in text
    assert 'set dstaddr "all"' not in text
    for subnet in subnets:
        assert f"set subnet {subnet.address} {subnet.netmask}" in text
    for route in vpn.routes:
        assert f"set subnet {route.address} {route.netmask}" in text
    assert 'set srcaddr "thredd-vpn1-ranges"' in text
    assert 'set dstaddr "thredd-vpn1-subnets"' in text


# --- Check Point ------------------------------------------------------------------------------


def test_checkpoint_has_empty_domain_route_monitoring_and_mss_clamping():
    vpn, _, text = render("gaia", "checkpoint")
    assert 'Simple Group "Thredd_Empty_Group" with no members' in text
    assert "fw_clamp_tcp_mss" in text
    for route in vpn.routes:
        assert f"set static-route {route.cidr} ping on" in lines(text)


# --- MikroTik RouterOS: one policy pair per tunnel --------------------------------------------


def test_routeros_has_one_selector_pair_per_tunnel():
    vpn, _, text = render("routeros", "mikrotik")
    data = [
        line
        for line in lines(text)
        if line.startswith("/ip ipsec policy add") and "inside" not in line
    ]
    assert len(data) == len(vpn.tunnels)
    for line in data:
        local, remote = vpn.local_selector.cidr, vpn.remote_selector.cidr
        assert f"src-address={local} dst-address={remote}" in line
