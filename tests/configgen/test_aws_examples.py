"""Every statement AWS's own example configuration has for a working tunnel is in our file.

The examples are AWS's (awsdocs/amazon-vpc-network-administrator-guide, doc_source/); the
lists below paraphrase what each configures, as patterns of our file's own syntax and values,
and every render case of the vendor is checked. Statements an example has that our file
leaves out are listed under "Not needed" with the reason (or "Not in the file", a gap the
report names). AWS's examples offer AES128/SHA1/group 2, MTU 1427 and MSS 1379 in places:
ours carry the request's algorithms and Thredd's MTU 1436 and MSS 1387 (AWS's current
values, as its generic example gives them), so the patterns use the context's values.
"""

import re

import pytest

from connectivity.configgen.render import render_target
from tests.configgen.cases import CASES


def cases_of(*targets: str) -> list:
    found = [case for case in CASES if case.target_key in targets]
    assert {case.target_key for case in found} == set(targets)
    return found


def rendered(case):
    context = case.context()
    text = "".join(f.content for f in render_target(case.target_key, context))
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "!"))
    ]
    return context.vpn, context.site_subnets, text, lines


def assert_statements(lines: list[str], required: list[tuple[str, str]]) -> None:
    """Each (what the example configures, pattern) must match one whole line of ours."""
    missing = [
        what for what, pattern in required if not any(re.fullmatch(pattern, x) for x in lines)
    ]
    assert not missing, missing


E = re.escape  # values in patterns are literal


# --- Palo Alto PAN-OS: doc_source/palo-alto.md (BGP over two tunnel interfaces) --------------
# Not needed: `anti-replay yes` (PAN-OS's default); `local-address ip` (the interface's own
# address is used when only the interface is named). Static routing is not in AWS's PAN-OS
# example: its routes and tunnel monitor are read back in test_vendor_readback.py.
@pytest.mark.parametrize("case", cases_of("panos"), ids=lambda c: c.name)
def test_panos_has_aws_example_statements(case):
    vpn, _, _, lines = rendered(case)
    ike = f"ikev{vpn.ike_version}"
    required = []
    for t in vpn.tunnels:
        n, unit = E(t.name.upper()), f"tunnel\\.{t.unit}"
        p1 = f"set network ike crypto-profiles ike-crypto-profiles {n}"
        p2 = f"set network ike crypto-profiles ipsec-crypto-profiles {n}"
        gw = f"set network ike gateway {n}"
        required += [
            ("IKE crypto profile: DH group", rf"{p1} dh-group \[ .+ \]"),
            ("IKE crypto profile: hash", rf"{p1} hash \[ .+ \]"),
            ("IKE crypto profile: lifetime", rf"{p1} lifetime seconds {t.phase1.lifetime}"),
            ("IKE crypto profile: encryption", rf"{p1} encryption \[ .+ \]"),
            ("IKE gateway: DPD on", rf"{gw} protocol {ike} dpd enable yes"),
            ("IKE gateway: DPD interval", rf"{gw} protocol {ike} dpd interval {vpn.dpd_delay}"),
            ("IKE gateway: its crypto profile", rf"{gw} protocol {ike} ike-crypto-profile {n}"),
            ("IKE gateway: pre-shared key", rf"{gw} authentication pre-shared-key key {E(t.psk)}"),
            ("IKE gateway: local interface", rf"{gw} local-address interface \S+"),
            ("IKE gateway: peer address", rf"{gw} peer-address ip {E(t.thredd_outside_ip)}"),
            ("IPsec crypto profile: ESP authentication", rf"{p2} esp authentication \[ .+ \]"),
            ("IPsec crypto profile: ESP encryption", rf"{p2} esp encryption \[ .+ \]"),
            ("IPsec crypto profile: PFS group", rf"{p2} dh-group group\d+"),
            ("IPsec crypto profile: lifetime", rf"{p2} lifetime seconds {t.phase2.lifetime}"),
            (
                "tunnel interface: inside address",
                rf"set network interface tunnel units {unit} ip {E(t.client_inside_ip)}/30",
            ),
            ("tunnel interface: MTU", rf"set network interface tunnel units {unit} mtu {vpn.mtu}"),
            (
                "IPsec tunnel: IKE gateway",
                rf"set network tunnel ipsec {n} auto-key ike-gateway {n}",
            ),
            (
                "IPsec tunnel: IPsec crypto profile",
                rf"set network tunnel ipsec {n} auto-key ipsec-crypto-profile {n}",
            ),
            (
                "IPsec tunnel: tunnel interface",
                rf"set network tunnel ipsec {n} tunnel-interface {unit}",
            ),
        ]
        if vpn.ikev1:
            required += [
                ("IKE gateway: DPD retries", rf"{gw} protocol ikev1 dpd retry {vpn.dpd_retries}"),
                ("IKE gateway: main mode", rf"{gw} protocol ikev1 exchange-mode main"),
            ]
        if vpn.bgp:
            bgp = "set network virtual-router \\S+ protocol bgp"
            peer = f"{bgp} peer-group {n} peer {n}"
            required += [
                ("BGP peer group on", rf"{bgp} peer-group {n} enable yes"),
                ("BGP peer on", rf"{peer} enable yes"),
                (
                    "BGP peer: keepalive and hold time",
                    rf"{peer} connection-options "
                    rf"keep-alive-interval {vpn.bgp.keepalive} hold-time {vpn.bgp.hold_time}",
                ),
                (
                    "BGP peer: local address on the tunnel interface",
                    rf"{peer} local-address interface {unit} ip {E(t.client_inside_ip)}/30",
                ),
                ("BGP peer: AWS's ASN", rf"{peer} peer-as {vpn.bgp.thredd_asn}"),
                (
                    "BGP peer: AWS's inside address",
                    rf"{peer} peer-address ip {E(t.thredd_inside_ip)}",
                ),
                ("BGP export rule: allow", rf"{bgp} policy export rules {n}-OUT action allow.*"),
                (
                    "BGP export rule: used by the peer group",
                    rf"{bgp} policy export rules {n}-OUT used-by {n}",
                ),
            ]
    if vpn.bgp:
        bgp = "set network virtual-router \\S+ protocol bgp"
        required += [
            ("BGP on", rf"{bgp} enable yes"),
            ("BGP router ID", rf"{bgp} router-id \S+"),
            ("BGP local ASN", rf"{bgp} local-as {vpn.bgp.client_asn}"),
            # AWS's example exports a route-filter; ours redistributes the declared subnets.
            ("BGP advertises the local networks", rf"{bgp} redist-rules \S+ enable yes"),
        ]
    assert_statements(lines, required)


# --- Fortinet FortiGate: doc_source/fortinet.md ----------------------------------------------
# Not needed: `local-gw` (the phase 1 interface's address is used); on the tunnel's system
# interface `vdom`, `type tunnel` and `interface` (FortiOS creates the tunnel interface with
# the phase 1 interface, of that type, on that interface and VDOM) and `allowaccess ping`
# (only lets the device answer pings); `capability-default-originate` and the default-route
# prefix list and route map (AWS's example advertises a default route; ours advertises the
# declared subnets with `config network`). `set dpd enable` is FortiOS 5's spelling of
# `set dpd on-idle`. `router-id` is not set: FortiOS chooses one.
@pytest.mark.parametrize("case", cases_of("fortios"), ids=lambda c: c.name)
def test_fortios_has_aws_example_statements(case):
    vpn, subnets, text, lines = rendered(case)
    for t in vpn.tunnels:
        p1 = re.search(
            rf'edit "{E(t.name)}"\n(.*?)\n\s*next',
            text.split("config vpn ipsec phase1-interface")[1],
            re.S,
        )
        p2 = re.search(
            rf'edit "{E(t.name)}"\n(.*?)\n\s*next',
            text.split("config vpn ipsec phase2-interface")[1],
            re.S,
        )
        interface = re.search(
            rf'edit "{E(t.name)}"\n(.*?)\n\s*next', text.split("config system interface")[1], re.S
        )
        for block, required in (
            (
                p1,
                [
                    ("phase 1: outside interface", r'set interface "\S+"'),
                    ("phase 1: DPD", r"set dpd on-idle"),
                    ("phase 1: DH group", r"set dhgrp .+"),
                    ("phase 1: proposal", r"set proposal .+"),
                    ("phase 1: lifetime", rf"set keylife {t.phase1.lifetime}"),
                    ("phase 1: AWS's outside address", rf"set remote-gw {E(t.thredd_outside_ip)}"),
                    ("phase 1: pre-shared key", rf"set psksecret {E(t.psk)}"),
                    ("phase 1: DPD retry interval", rf"set dpd-retryinterval {vpn.dpd_delay}"),
                ],
            ),
            (
                p2,
                [
                    ("phase 2: its phase 1", rf'set phase1name "{E(t.name)}"'),
                    ("phase 2: proposal", r"set proposal .+"),
                    ("phase 2: PFS group", r"set dhgrp .+"),
                    ("phase 2: lifetime", rf"set keylifeseconds {t.phase2.lifetime}"),
                ],
            ),
            (
                interface,
                [
                    ("tunnel interface: inside address", rf"set ip {E(t.client_inside_ip)} .+"),
                    ("tunnel interface: MSS", rf"set tcp-mss {vpn.mss}"),
                    (
                        "tunnel interface: AWS's inside address",
                        rf"set remote-ip {E(t.thredd_inside_ip)} .+",
                    ),
                    ("tunnel interface: MTU", rf"set mtu {vpn.mtu}"),
                ],
            ),
        ):
            assert block, t.name
            assert_statements([x.strip() for x in block.group(1).splitlines()], required)
    # Firewall policies both ways between the LAN and the tunnels.
    names = " ".join(f'"{t.name}"' for t in vpn.tunnels)
    assert_statements(
        lines,
        [
            ("policy in: from the tunnels", rf"set srcintf {E(names)}"),
            ("policy out: to the tunnels", rf"set dstintf {E(names)}"),
            ("policy: accept", r"set action accept"),
            ("policy: always", r'set schedule "always"'),
            ("policy: all services", r'set service "ALL"'),
        ],
    )
    if vpn.bgp:
        assert_statements(
            lines,
            [
                ("BGP local ASN", rf"set as {vpn.bgp.client_asn}"),
                *(
                    (f"BGP neighbour {t.number}", rf'edit "{E(t.thredd_inside_ip)}"')
                    for t in vpn.tunnels
                ),
                ("BGP neighbour's ASN", rf"set remote-as {vpn.bgp.thredd_asn}"),
                *(
                    ("BGP advertised network", rf"set prefix {E(s.address)} {E(s.netmask)}")
                    for s in subnets
                ),
            ],
        )


# --- Check Point Gaia: doc_source/check-point-bgp.md and check-point-NoBGP.md ----------------
# Not needed: the static route's next hop as AWS's inside address (ours names the VTI,
# `logical vpntN`, the same path); AWS's inbound route filter "BGP policy based on AS" (ours
# is the import route map that allows and sets local preference).
@pytest.mark.parametrize("case", cases_of("gaia"), ids=lambda c: c.name)
def test_checkpoint_has_aws_example_statements(case):
    vpn, _, text, lines = rendered(case)
    required = []
    for t in vpn.tunnels:
        device = f"Thredd_VPN{vpn.number}_T{t.number}"
        required += [
            (
                "numbered VTI: inside addresses and peer object",
                rf"add vpn tunnel {t.unit} type numbered local {E(t.client_inside_ip)} "
                rf"remote {E(t.thredd_inside_ip)} peer {device}",
            ),
            ("VTI MTU", rf"set interface vpnt{t.unit} mtu {vpn.mtu}"),
            ("VTI up", rf"set interface vpnt{t.unit} state on"),
        ]
        if vpn.bgp:
            peer = rf"set bgp external remote-as {vpn.bgp.thredd_asn} peer {E(t.thredd_inside_ip)}"
            required += [
                ("BGP peer on", rf"{peer} on"),
                ("BGP peer hold time", rf"{peer} holdtime {vpn.bgp.hold_time}"),
                ("BGP peer keepalive", rf"{peer} keepalive {vpn.bgp.keepalive}"),
                ("accept AWS's routes", rf"{peer} import-routemap \S+ preference 1 on"),
            ]
        else:
            required += [
                (
                    f"static route via tunnel {t.number}, priority {t.number}",
                    rf"set static-route {E(r.cidr)} nexthop gateway logical vpnt{t.unit} "
                    rf"priority {t.number} on",
                )
                for r in vpn.routes
            ]
    if vpn.bgp:
        required += [
            ("local ASN", rf"set as {vpn.bgp.client_asn}"),
            ("AWS's ASN on", rf"set bgp external remote-as {vpn.bgp.thredd_asn} on"),
            (
                "redistribute the internal interface to BGP",
                rf"set route-redistribution to bgp-as {vpn.bgp.thredd_asn} from interface \S+ on",
            ),
        ]
    else:
        required += [
            ("route monitoring by ping", rf"set static-route {E(r.cidr)} ping on")
            for r in vpn.routes
        ]
    required.append(("save", "save config"))
    assert_statements(lines, required)
    # SmartConsole steps, as the comments of the file give them.
    for step in (
        *(
            f"Thredd_VPN{vpn.number}_T{t.number}, IPv4 address {t.thredd_outside_ip}"
            for t in vpn.tunnels
        ),
        "Topology > VPN Domain) set the domain to the empty group",
        'Simple Group "Thredd_Empty_Group" with no members',
        "as the VPN domain of REPLACE_ME_GATEWAY_OBJECT",
        f'Star Community "Thredd_VPN{vpn.number}": centre REPLACE_ME_GATEWAY_OBJECT, satellites',
        f"Encryption method: {'IKEv1 only' if vpn.ikev1 else 'IKEv2 only'}",
        'Encryption suite "Custom", phase 1:',
        f"renegotiate every {vpn.tunnels[0].phase1.lifetime // 60} minutes",
        "Phase 2: ",
        ", PFS Group ",
        f"renegotiate every {vpn.tunnels[0].phase2.lifetime} seconds",
        '"One VPN tunnel per Gateway pair"',
        "Permanent tunnels on",
        "set VPN > tunnel_keepalive_method to dpd",
        '"Enable VPN Directional Match in VPN Column"',
        '"Match traffic in this direction only"',
        f"Internal_clear > Thredd_VPN{vpn.number}\n",
        f"Thredd_VPN{vpn.number} > Thredd_VPN{vpn.number}\n",
        f"Thredd_VPN{vpn.number} > Internal_clear\n",
        *(f"Thredd_VPN{vpn.number}_T{t.number}: {t.psk}" for t in vpn.tunnels),
        "Access rules: allow your subnets",
        "set fw_clamp_tcp_mss to true",
        "Install policy",
    ):
        assert step in text, step


# --- MikroTik RouterOS: no AWS example ----------------------------------------------------------
# doc_source/ has no RouterOS example, so the items of AWS's generic example
# (doc_source/GenericConfigNoBGP.md, GenericConfig.md) are checked: IKE SA (version, PSK,
# algorithms, lifetime, main mode for IKEv1), IPsec SA (ESP, algorithms, lifetime, tunnel
# mode, PFS), DPD interval and retries, MSS 1387, the inside address, and routing to AWS's
# side (one selector pair per tunnel, or BGP to its inside address). Not in the file: the
# tunnel MTU 1436 (RouterOS has no tunnel interface for policy-based IPsec) and "clear DF /
# fragment before encryption" (not a RouterOS IPsec setting).
@pytest.mark.parametrize("case", cases_of("routeros"), ids=lambda c: c.name)
def test_routeros_has_aws_generic_example_items(case):
    vpn, _, _, lines = rendered(case)
    required = []
    for t in vpn.tunnels:
        n = E(t.name)
        required += [
            (
                "IKE SA: algorithms, lifetime, DPD",
                rf"/ip ipsec profile add name={n} enc-algorithm=\S+ hash-algorithm=\S+ "
                rf"dh-group=\S+ lifetime={t.phase1.lifetime}s dpd-interval={vpn.dpd_delay}s "
                rf"dpd-maximum-failures={vpn.dpd_retries}",
            ),
            (
                "IKE SA: AWS's outside address, IKE version / main mode",
                rf"/ip ipsec peer add name={n} address={E(t.thredd_outside_ip)}/32 \S+ "
                rf"exchange-mode={'main' if vpn.ikev1 else 'ike2'} profile={n}",
            ),
            (
                "IKE SA: pre-shared key",
                rf'/ip ipsec identity add peer={n} auth-method=pre-shared-key secret="{E(t.psk)}"',
            ),
            (
                "IPsec SA: algorithms, PFS, lifetime",
                rf"/ip ipsec proposal add name={n} enc-algorithms=\S+ auth-algorithms=\S+ "
                rf"pfs-group=\S+ lifetime={t.phase2.lifetime}s",
            ),
            ("inside address", rf"/ip address add address={E(t.client_inside_ip)}/30 .+"),
            (
                "IPsec SA: tunnel mode, inside /30",
                rf"/ip ipsec policy add peer={n} tunnel=yes src-address={E(t.inside.cidr)} "
                rf"dst-address={E(t.inside.cidr)} proposal={n} .+",
            ),
        ]
        if vpn.bgp:
            required.append(
                (
                    "BGP to AWS's inside address",
                    rf"/routing bgp connection add name={n} as={vpn.bgp.client_asn} "
                    rf"local\.address={E(t.client_inside_ip)} "
                    rf".*remote\.address={E(t.thredd_inside_ip)} "
                    rf"remote\.as={vpn.bgp.thredd_asn} .+",
                )
            )
        else:
            required.append(
                (
                    "traffic to AWS's side: the one selector pair",
                    rf"/ip ipsec policy add peer={n} tunnel=yes "
                    rf"src-address={E(vpn.local_selector.cidr)} "
                    rf"dst-address={E(vpn.remote_selector.cidr)} proposal={n}.*",
                )
            )
    required.append(("TCP MSS adjustment", rf"/ip firewall mangle add .* new-mss={vpn.mss} .+"))
    assert_statements(lines, required)


# --- Cisco ASA, policy-based: doc_source/Cisco_ASA.md ----------------------------------------
# Not needed: `crypto isakmp identity address` (the default); the outside_access_in ACL (only
# where the outside interface has an inbound ACL: our header names the ports to open);
# `df-bit clear-df`, `fragmentation before-encryption`, `replay window-size 128` (tuning);
# SLA monitor and `icmp permit` (keep an idle SA up; Thredd's side also starts the tunnel);
# the VPN filter and NAT exemption (site-specific: our ACL already names only the subnets).
# IKEv2 files use the IKEv2 forms of the same statements.
@pytest.mark.parametrize("case", cases_of("asa"), ids=lambda c: c.name)
def test_asa_has_aws_example_statements(case):
    vpn, _, _, lines = rendered(case)
    ike = f"ikev{vpn.ike_version}"
    required = [
        ("IKE enabled on the outside interface", rf"crypto {ike} enable \S+"),
        (f"{ike} policy", rf"crypto {ike} policy \d+"),
        (
            "one ACL: the selector pair",
            rf"access-list THREDD-VPN1 extended permit ip {E(vpn.local_selector.address)} "
            rf"{E(vpn.local_selector.netmask)} {E(vpn.remote_selector.address)} "
            rf"{E(vpn.remote_selector.netmask)}",
        ),
        ("crypto map: ACL", r"crypto map \S+ \d+ match address THREDD-VPN1"),
        ("crypto map: PFS", r"crypto map \S+ \d+ set pfs group\d+"),
        (
            "crypto map: both AWS peers",
            rf"crypto map \S+ \d+ set peer {' '.join(E(t.thredd_outside_ip) for t in vpn.tunnels)}",
        ),
        (
            "crypto map: transform set / proposal",
            rf"crypto map \S+ \d+ set {ike} (transform-set|ipsec-proposal) .+",
        ),
        (
            "crypto map: SA lifetime",
            rf"crypto map \S+ \d+ set security-association lifetime seconds "
            rf"{vpn.tunnels[0].phase2.lifetime}",
        ),
        ("crypto map on the outside interface", r"crypto map \S+ interface \S+"),
        ("TCP MSS", rf"sysopt connection tcpmss {vpn.mss}"),
    ]
    if vpn.ikev1:
        required += [
            ("IKE policy: pre-shared key authentication", r"authentication pre-share"),
            ("transform set", r"crypto ipsec ikev1 transform-set \S+ esp-\S+ esp-\S+"),
        ]
    else:
        required.append(("IPsec proposal", r"crypto ipsec ikev2 ipsec-proposal \S+"))
    for t in vpn.tunnels:
        required += [
            (
                "tunnel group: site-to-site",
                rf"tunnel-group {E(t.thredd_outside_ip)} type ipsec-l2l",
            ),
            (
                "tunnel group: IPsec attributes",
                rf"tunnel-group {E(t.thredd_outside_ip)} ipsec-attributes",
            ),
            (
                "tunnel group: pre-shared key",
                rf"(ikev1 |ikev2 remote-authentication )?pre-shared-key {E(t.psk)}",
            ),
            ("DPD", rf"isakmp keepalive threshold {vpn.dpd_delay} retry {vpn.dpd_delay}"),
        ]
    assert_statements(lines, required)


# --- Cisco ASA, VTI: doc_source/cisco-asa-vti-bgp.md (and cisco-asa-vti-no-bgp.md) ---------
# Not needed: `df-bit clear-df`, `fragmentation before-encryption`, `replay window-size 128`
# (tuning); `default-originate` and `network 0.0.0.0` (ours advertises the site subnets);
# `no shutdown` (an ASA tunnel interface is created enabled). IKEv2 files use the IKEv2
# forms.
@pytest.mark.parametrize("case", cases_of("asa_vti"), ids=lambda c: c.name)
def test_asa_vti_has_aws_example_statements(case):
    vpn, subnets, _, lines = rendered(case)
    ike = f"ikev{vpn.ike_version}"
    required = [
        ("IKE enabled on the outside interface", rf"crypto {ike} enable \S+"),
        ("TCP MSS", rf"sysopt connection tcpmss {vpn.mss}"),
    ]
    for t in vpn.tunnels:
        n = E(t.name.upper())
        required += [
            (f"{ike} policy", rf"crypto {ike} policy {1000 * t.unit + 1}"),
            ("IPsec profile", rf"crypto ipsec profile {n}"),
            ("IPsec profile: PFS", r"set pfs group\d+"),
            (
                "IPsec profile: lifetime",
                rf"set security-association lifetime seconds {t.phase2.lifetime}",
            ),
            (
                "IPsec profile: transform set / proposal",
                rf"set {ike} (transform-set|ipsec-proposal) {n}",
            ),
            (
                "tunnel group: site-to-site",
                rf"tunnel-group {E(t.thredd_outside_ip)} type ipsec-l2l",
            ),
            (
                "tunnel group: pre-shared key",
                rf"(ikev1|ikev2 remote-authentication) pre-shared-key {E(t.psk)}",
            ),
            ("DPD", rf"isakmp keepalive threshold {vpn.dpd_delay} retry {vpn.dpd_delay}"),
            ("tunnel interface", rf"interface Tunnel{t.unit}"),
            ("tunnel interface: name", rf"nameif {n}"),
            (
                "tunnel interface: inside address",
                rf"ip address {E(t.client_inside_ip)} {E(t.inside.netmask)}",
            ),
            ("tunnel interface: source", r"tunnel source interface \S+"),
            (
                "tunnel interface: AWS's outside address",
                rf"tunnel destination {E(t.thredd_outside_ip)}",
            ),
            ("tunnel interface: IPsec mode", r"tunnel mode ipsec ipv4"),
            ("tunnel interface: protection", rf"tunnel protection ipsec profile {n}"),
        ]
        if vpn.bgp:
            peer = E(t.thredd_inside_ip)
            required += [
                ("BGP neighbour: AWS's ASN", rf"neighbor {peer} remote-as {vpn.bgp.thredd_asn}"),
                (
                    "BGP neighbour: timers",
                    rf"neighbor {peer} timers {vpn.bgp.keepalive} {vpn.bgp.hold_time}( \d+)?",
                ),
                ("BGP neighbour: activate", rf"neighbor {peer} activate"),
            ]
    if vpn.ikev1:
        required.append(("IKE policy: pre-shared key authentication", r"authentication pre-share"))
    if vpn.bgp:
        required += [
            ("BGP process", rf"router bgp {vpn.bgp.client_asn}"),
            ("BGP address family", r"address-family ipv4 unicast"),
            *(("BGP network", rf"network {E(s.address)} mask {E(s.netmask)}") for s in subnets),
        ]
    assert_statements(lines, required)


# --- Cisco IOS / IOS XE: doc_source/Cisco.md (and Cisco_NoBGP.md) --------------------------
# Not needed: `crypto ipsec df-bit clear`, `fragmentation before-encryption`, `replay
# window-size 128`, `ip virtual-reassembly` (tuning); `no shutdown` (a new Tunnel interface
# is up); `default-originate`, `network 0.0.0.0`, `soft-reconfiguration inbound` (ours
# advertises the site subnets). AWS's global `crypto isakmp keepalive 10 10 on-demand` is,
# in ours, per tunnel: `keepalive 10 retry 10` in the ISAKMP profile (IKEv1) or
# `dpd 10 10 on-demand` in the IKEv2 profile. IKEv2 files use the IKEv2 forms.
@pytest.mark.parametrize("case", cases_of("ios_xe"), ids=lambda c: c.name)
def test_ios_xe_has_aws_example_statements(case):
    vpn, subnets, _, lines = rendered(case)
    required = []
    for t in vpn.tunnels:
        n, peer = E(t.name.upper()), E(t.thredd_outside_ip)
        if vpn.ikev1:
            required += [
                ("ISAKMP policy", rf"crypto isakmp policy {100 * t.unit + 1}"),
                ("ISAKMP policy: pre-shared key", r"authentication pre-share"),
                ("ISAKMP policy: lifetime", rf"lifetime {t.phase1.lifetime}"),
                ("keyring", rf"crypto keyring {n}"),
                ("keyring: local address", r"local-address \S+"),
                (
                    "keyring: AWS's address and key",
                    rf"pre-shared-key address {peer} key {E(t.psk)}",
                ),
                ("ISAKMP profile", rf"crypto isakmp profile {n}"),
                ("ISAKMP profile: match AWS's address", rf"match identity address {peer}( \S+)?"),
                ("ISAKMP profile: keyring", rf"keyring {n}"),
                ("DPD", rf"keepalive {vpn.dpd_delay} retry {vpn.dpd_delay}"),
            ]
        else:
            required += [
                ("IKEv2 proposal", rf"crypto ikev2 proposal {n}"),
                ("IKEv2 keyring: AWS's address", rf"address {peer}"),
                ("IKEv2 keyring: key", rf"pre-shared-key {E(t.psk)}"),
                (
                    "IKEv2 profile: match AWS's address",
                    rf"match identity remote address {peer} \S+",
                ),
                ("IKEv2 profile: lifetime", rf"lifetime {t.phase1.lifetime}"),
                ("DPD", rf"dpd {vpn.dpd_delay} {vpn.dpd_delay} on-demand"),
            ]
        required += [
            ("transform set", rf"crypto ipsec transform-set {n} .+"),
            ("transform set: tunnel mode", r"mode tunnel"),
            ("IPsec profile", rf"crypto ipsec profile {n}"),
            ("IPsec profile: PFS", r"set pfs group\d+"),
            (
                "IPsec profile: lifetime",
                rf"set security-association lifetime seconds {t.phase2.lifetime}",
            ),
            ("IPsec profile: transform set", rf"set transform-set {n}"),
            ("tunnel interface", rf"interface Tunnel{t.unit}"),
            (
                "tunnel interface: inside address",
                rf"ip address {E(t.client_inside_ip)} {E(t.inside.netmask)}",
            ),
            ("tunnel interface: source", r"tunnel source \S+"),
            ("tunnel interface: AWS's outside address", rf"tunnel destination {peer}"),
            ("tunnel interface: IPsec mode", r"tunnel mode ipsec ipv4"),
            ("tunnel interface: protection", rf"tunnel protection ipsec profile {n}"),
            ("tunnel interface: MSS", rf"ip tcp adjust-mss {vpn.mss}"),
        ]
        if vpn.bgp:
            nb = E(t.thredd_inside_ip)
            required += [
                ("BGP neighbour: AWS's ASN", rf"neighbor {nb} remote-as {vpn.bgp.thredd_asn}"),
                ("BGP neighbour: activate", rf"neighbor {nb} activate"),
                (
                    "BGP neighbour: timers",
                    rf"neighbor {nb} timers {vpn.bgp.keepalive} {vpn.bgp.hold_time}( \d+)?",
                ),
            ]
    if vpn.bgp:
        required += [
            ("BGP process", rf"router bgp {vpn.bgp.client_asn}"),
            ("BGP address family", r"address-family ipv4( unicast)?"),
            *(("BGP network", rf"network {E(s.address)} mask {E(s.netmask)}") for s in subnets),
        ]
    assert_statements(lines, required)


# --- Juniper SRX: doc_source/juniper-srx.md ---------------------------------------------------
# Not needed: `no-nat-traversal` (AWS recommends it only when not behind NAT; ours must work
# behind 1:1 NAT); the EXPORT-DEFAULT policy (ours exports the site subnets); the `trust` zone
# of AWS's example is our REPLACE_ME_VPN_ZONE. AWS's per-neighbour `local-as` is ours
# `routing-options autonomous-system`; its `hold-time` is set on our BGP group.
@pytest.mark.parametrize("case", cases_of("srx"), ids=lambda c: c.name)
def test_srx_has_aws_example_statements(case):
    vpn, _, _, lines = rendered(case)
    required = [
        (
            "IKE allowed in on the outside zone",
            r"set security zones security-zone \S+ host-inbound-traffic system-services ike",
        ),
        ("TCP MSS for IPsec", rf"set security flow tcp-mss ipsec-vpn mss {vpn.mss}"),
    ]
    for t in vpn.tunnels:
        n, prop = E(t.name), E(t.name) + r"-p\d+"
        required += [
            (
                "IKE proposal: pre-shared keys",
                rf"set security ike proposal {prop} authentication-method pre-shared-keys",
            ),
            (
                "IKE proposal: hash",
                rf"set security ike proposal {prop} authentication-algorithm \S+",
            ),
            (
                "IKE proposal: encryption",
                rf"set security ike proposal {prop} encryption-algorithm \S+",
            ),
            (
                "IKE proposal: lifetime",
                rf"set security ike proposal {prop} lifetime-seconds {t.phase1.lifetime}",
            ),
            ("IKE proposal: DH group", rf"set security ike proposal {prop} dh-group group\d+"),
            ("IKE policy: proposals", rf"set security ike policy {n} proposals .+"),
            (
                "IKE policy: pre-shared key",
                rf'set security ike policy {n} pre-shared-key ascii-text "{E(t.psk)}"',
            ),
            ("IKE gateway: IKE policy", rf"set security ike gateway {n} ike-policy {n}"),
            (
                "IKE gateway: external interface",
                rf"set security ike gateway {n} external-interface \S+",
            ),
            (
                "IKE gateway: AWS's address",
                rf"set security ike gateway {n} address {E(t.thredd_outside_ip)}",
            ),
            ("IKE gateway: DPD", rf"set security ike gateway {n} dead-peer-detection( .+)?"),
            ("IPsec proposal: ESP", rf"set security ipsec proposal {prop} protocol esp"),
            (
                "IPsec proposal: authentication",
                rf"set security ipsec proposal {prop} authentication-algorithm \S+",
            ),
            (
                "IPsec proposal: encryption",
                rf"set security ipsec proposal {prop} encryption-algorithm \S+",
            ),
            (
                "IPsec proposal: lifetime",
                rf"set security ipsec proposal {prop} lifetime-seconds {t.phase2.lifetime}",
            ),
            (
                "IPsec policy: PFS",
                rf"set security ipsec policy {n} perfect-forward-secrecy keys group\d+",
            ),
            ("IPsec policy: proposals", rf"set security ipsec policy {n} proposals .+"),
            ("VPN: bound to st0", rf"set security ipsec vpn {n} bind-interface st0\.{t.unit}"),
            ("VPN: IKE gateway", rf"set security ipsec vpn {n} ike gateway {n}"),
            ("VPN: IPsec policy", rf"set security ipsec vpn {n} ike ipsec-policy {n}"),
            ("VPN: clear DF", rf"set security ipsec vpn {n} df-bit clear"),
            (
                "st0: inside address",
                rf"set interfaces st0 unit {t.unit} family inet address {E(t.client_inside_ip)}/30",
            ),
            ("st0: MTU", rf"set interfaces st0 unit {t.unit} family inet mtu {vpn.mtu}"),
            ("st0 in a zone", rf"set security zones security-zone \S+ interfaces st0\.{t.unit}"),
        ]
        if vpn.ikev1:
            required.append(("IKE policy: main mode", rf"set security ike policy {n} mode main"))
        if vpn.bgp:
            nb = E(t.thredd_inside_ip)
            required += [
                (
                    "BGP neighbour: AWS's ASN",
                    rf"set protocols bgp group \S+ neighbor {nb} peer-as {vpn.bgp.thredd_asn}",
                ),
                (
                    "BGP neighbour: export policy",
                    rf"set protocols bgp group \S+ neighbor {nb} export \S+",
                ),
            ]
    if vpn.bgp:
        required += [
            (
                "BGP allowed in on the tunnels' zone",
                r"set security zones security-zone \S+ host-inbound-traffic protocols bgp",
            ),
            ("BGP group: external", r"set protocols bgp group \S+ type external"),
            ("BGP hold time", rf"set protocols bgp group \S+ hold-time {vpn.bgp.hold_time}"),
            ("local ASN", rf"set routing-options autonomous-system {vpn.bgp.client_asn}"),
        ]
    assert_statements(lines, required)
