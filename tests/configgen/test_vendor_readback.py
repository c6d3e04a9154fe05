"""Full read-backs of the PAN-OS, FortiOS, Check Point and RouterOS files.

Each file is parsed the way its device reads it (PAN-OS `set` lines, FortiOS `config/edit/
set/next/end` blocks, Gaia clish commands plus the SmartConsole steps, RouterOS `add` lines
of `key=value` pairs), the values are mapped back to AWS's names through the vendor's
keyword table, and held against Thredd's side of the same VPN: the context's tunnels (outside
address, PSK, inside /30, phase 1 and 2), routes and BGP. Every render case of these targets
(tests/configgen/cases.py) is read back.
"""

import re
import shlex
from collections import defaultdict
from ipaddress import IPv4Interface, IPv4Network

import pytest

from connectivity.configgen.keywords import (
    CHECKPOINT_GAIA,
    FORTINET_FORTIOS,
    MIKROTIK_ROUTEROS,
    PALOALTO_PANOS,
)
from connectivity.configgen.render import render_target
from tests.configgen.cases import CASES
from tests.configgen.conftest import TUNNEL_VALUES


def cases_of(target_key: str) -> list:
    found = [case for case in CASES if case.target_key == target_key]
    assert found, target_key
    return found


def rendered(case):
    context = case.context()
    text = "".join(f.content for f in render_target(case.target_key, context))
    return context.vpn, context.site_subnets, text


def commands(text: str) -> list[str]:
    """Return the file's command lines: comments and blank lines left out."""
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def back(table, role: str) -> dict:
    """Return `role` of a vendor's keyword table reversed: device keyword -> AWS name."""
    reverse = {keyword: name for name, keyword in table[role].items()}
    assert len(reverse) == len(table[role]), f"{role} keywords are ambiguous"
    return reverse


def check_tunnel_values(vpn):
    """The context itself holds the fixed values: the read-backs compare against these."""
    for tunnel, values in zip(vpn.tunnels, TUNNEL_VALUES, strict=True):
        assert tunnel.thredd_outside_ip == values.thredd_outside_ip
        assert tunnel.psk == values.psk
        network = IPv4Network(values.inside_cidr)
        assert network.prefixlen == 30
        assert tunnel.inside.cidr == str(network)
        # AWS's convention: Thredd (AWS) has the first host, the client the second.
        assert tunnel.thredd_inside_ip == str(network.network_address + 1)
        assert tunnel.client_inside_ip == str(network.network_address + 2)


def check_inside(address: str, tunnel) -> None:
    """`address` (client/prefix) is the client's .2 of the tunnel's /30, Thredd's .1 its peer."""
    interface = IPv4Interface(address)
    assert str(interface.network) == tunnel.inside.cidr
    assert str(interface.ip) == tunnel.client_inside_ip
    assert str(interface.network.network_address + 1) == tunnel.thredd_inside_ip


def check_preference(vpn, values_by_tunnel: dict, *, higher_wins: bool) -> None:
    """Tunnel 1 wins: lower metric/priority, or (BGP) the context's higher local preference."""
    if higher_wins:
        assert values_by_tunnel == {t.number: t.bgp_local_preference for t in vpn.tunnels}
    first, second = (values_by_tunnel[t.number] for t in vpn.tunnels)
    assert (first > second) if higher_wins else (first < second), values_by_tunnel


# --- Palo Alto PAN-OS -------------------------------------------------------------------------

PANOS_SET = re.compile(r"^set (?P<path>.+?) (?P<value>\[ [^\]]* \]|\S+)$")


def panos_words(value: str) -> list[str]:
    return value.strip("[] ").split() if value.startswith("[") else [value]


def panos_values(lines: list[str], prefix: str) -> list[str]:
    """Return the value of every `set` line that is `prefix` followed by one value or list."""
    found = []
    for line in lines:
        if line.startswith(prefix + " "):
            rest = line[len(prefix) + 1 :]
            found.append(rest)
    return found


def panos_one(lines: list[str], prefix: str) -> list[str]:
    (value,) = panos_values(lines, prefix)
    return panos_words(value)


@pytest.mark.parametrize("case", cases_of("panos"), ids=lambda c: c.name)
def test_panos_reads_back(case):
    vpn, subnets, text = rendered(case)
    check_tunnel_values(vpn)
    lines = commands(text)
    assert all(line.startswith("set ") for line in lines)
    assert all(PANOS_SET.match(line) for line in lines)
    ike_enc, ike_hash = (
        back(PALOALTO_PANOS, "ike_encryption"),
        back(PALOALTO_PANOS, "ike_integrity"),
    )
    esp_enc, esp_hash = (
        back(PALOALTO_PANOS, "esp_encryption"),
        back(PALOALTO_PANOS, "esp_integrity"),
    )
    groups = back(PALOALTO_PANOS, "dh_group")
    ike = f"ikev{vpn.ike_version}"
    for t in vpn.tunnels:
        name = t.name.upper()
        unit = f"tunnel.{t.unit}"
        # Phase 1: the IKE crypto profile.
        p1 = f"set network ike crypto-profiles ike-crypto-profiles {name}"
        assert [ike_enc[w] for w in panos_one(lines, f"{p1} encryption")] == list(
            t.phase1.encryption
        )
        assert [ike_hash[w] for w in panos_one(lines, f"{p1} hash")] == list(t.phase1.integrity)
        assert [groups[w] for w in panos_one(lines, f"{p1} dh-group")] == list(t.phase1.dh_groups)
        assert panos_one(lines, f"{p1} lifetime seconds") == [str(t.phase1.lifetime)]
        # Phase 2: the IPsec crypto profile (PFS group, lifetime).
        p2 = f"set network ike crypto-profiles ipsec-crypto-profiles {name}"
        assert [esp_enc[w] for w in panos_one(lines, f"{p2} esp encryption")] == list(
            t.phase2.encryption
        )
        authentication = panos_one(lines, f"{p2} esp authentication")
        if t.phase2.proposals[0].aead:
            assert authentication == ["none"]
        else:
            assert [esp_hash[w] for w in authentication] == list(t.phase2.integrity)
        assert [groups[w] for w in panos_one(lines, f"{p2} dh-group")] == [t.phase2.dh_groups[0]]
        assert panos_one(lines, f"{p2} lifetime seconds") == [str(t.phase2.lifetime)]
        # The IKE gateway: version, profile, DPD, PSK, Thredd's outside address.
        gw = f"set network ike gateway {name}"
        assert panos_one(lines, f"{gw} protocol version") == [ike]
        assert panos_one(lines, f"{gw} protocol {ike} ike-crypto-profile") == [name]
        assert panos_one(lines, f"{gw} protocol {ike} dpd enable") == ["yes"]
        assert panos_one(lines, f"{gw} protocol {ike} dpd interval") == [str(vpn.dpd_delay)]
        if vpn.ikev1:
            assert panos_one(lines, f"{gw} protocol ikev1 dpd retry") == [str(vpn.dpd_retries)]
            assert panos_one(lines, f"{gw} protocol ikev1 exchange-mode") == ["main"]
        assert panos_one(lines, f"{gw} authentication pre-shared-key key") == [t.psk]
        assert panos_one(lines, f"{gw} peer-address ip") == [t.thredd_outside_ip]
        # The tunnel interface: client's inside address, MTU; the IPsec tunnel binds it all.
        (address,) = panos_one(lines, f"set network interface tunnel units {unit} ip")
        check_inside(address, t)
        assert panos_one(lines, f"set network interface tunnel units {unit} mtu") == [str(vpn.mtu)]
        tunnel = f"set network tunnel ipsec {name}"
        assert panos_one(lines, f"{tunnel} auto-key ike-gateway") == [name]
        assert panos_one(lines, f"{tunnel} auto-key ipsec-crypto-profile") == [name]
        assert panos_one(lines, f"{tunnel} tunnel-interface") == [unit]
        if not vpn.bgp:
            assert panos_one(lines, f"{tunnel} tunnel-monitor destination-ip") == [
                t.thredd_inside_ip
            ]
    # Every gateway and tunnel in the file is one of the context's.
    gateways = {
        m.group(1)
        for line in lines
        if (m := re.match(r"set network ike gateway (\S+) peer-address ip ", line))
    }
    assert gateways == {t.name.upper() for t in vpn.tunnels}
    vr = "set network virtual-router REPLACE_ME_VIRTUAL_ROUTER"
    routes = [
        m.groupdict()
        for line in lines
        if (
            m := re.match(
                rf"{vr} routing-table ip static-route \S+ destination (?P<dst>\S+) "
                r"interface tunnel\.(?P<unit>\d+) nexthop ip-address (?P<hop>\S+) "
                r"metric (?P<metric>\d+)$",
                line,
            )
        )
    ]
    if not vpn.bgp:
        assert {(r["dst"], int(r["unit"]), r["hop"], int(r["metric"])) for r in routes} == {
            (route.cidr, t.unit, t.thredd_inside_ip, t.route_metric)
            for route in vpn.routes
            for t in vpn.tunnels
        }
        assert len(routes) == len(vpn.routes) * len(vpn.tunnels)
        metrics = {int(r["unit"]): int(r["metric"]) for r in routes}
        check_preference(vpn, {t.number: metrics[t.unit] for t in vpn.tunnels}, higher_wins=False)
        assert not any(" protocol bgp " in line for line in lines)
        return
    assert not routes
    bgp = f"{vr} protocol bgp"
    assert panos_one(lines, f"{bgp} enable") == ["yes"]
    assert panos_one(lines, f"{bgp} local-as") == [str(vpn.bgp.client_asn)]
    preference, prepend = {}, {}
    for t in vpn.tunnels:
        group = t.name.upper()
        peer = f"{bgp} peer-group {group} peer {group}"
        assert panos_one(lines, f"{bgp} peer-group {group} type") == ["ebgp"]
        assert panos_one(lines, f"{peer} peer-as") == [str(vpn.bgp.thredd_asn)]
        assert panos_one(lines, f"{peer} peer-address ip") == [t.thredd_inside_ip]
        (local,) = panos_values(lines, f"{peer} local-address interface")
        interface, _, address = local.split()
        assert interface == f"tunnel.{t.unit}"
        check_inside(address, t)
        (timers,) = panos_values(lines, f"{peer} connection-options")
        assert timers == (f"keep-alive-interval {vpn.bgp.keepalive} hold-time {vpn.bgp.hold_time}")
        (rule,) = panos_values(lines, f"{bgp} policy import rules {group}-IN action")
        preference[t.number] = int(rule.removeprefix("allow update local-preference "))
        (rule,) = panos_values(lines, f"{bgp} policy export rules {group}-OUT action")
        prepend[t.number] = (
            0 if rule == "allow" else int(rule.removeprefix("allow update as-path prepend "))
        )
    check_preference(vpn, preference, higher_wins=True)
    assert prepend == {t.number: t.bgp_prepend for t in vpn.tunnels}
    assert prepend[1] == 0 < prepend[2]
    advertised = panos_values(
        lines, f"{vr} protocol redist-profile {vpn.name.upper()}-SUBNETS filter destination"
    )
    assert advertised == [s.cidr for s in subnets]


# --- Fortinet FortiOS -------------------------------------------------------------------------


class Block:
    """One FortiOS `config` table or `edit` entry: its `set`s, entries and sub-tables."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind, self.name = kind, name
        self.settings: dict[str, list[str]] = {}
        self.entries: list[Block] = []
        self.tables: dict[str, Block] = {}

    def __getitem__(self, key: str) -> list[str]:
        return self.settings[key]

    def one(self, key: str) -> str:
        (value,) = self.settings[key]
        return value

    def entry(self, name: str) -> "Block":
        (found,) = (e for e in self.entries if e.name == name)
        return found


def parse_fortios(lines: list[str]) -> Block:
    """Read FortiOS CLI blocks; each `next` must close an `edit`, each `end` a `config`."""
    root = Block("root", "")
    stack = [root]
    for line in lines:
        words = shlex.split(line)
        match words:
            case ["config", *path]:
                table = Block("config", " ".join(path))
                assert table.name not in stack[-1].tables, f"config {table.name} repeated"
                stack[-1].tables[table.name] = table
                stack.append(table)
            case ["edit", name]:
                assert stack[-1].kind == "config", line
                entry = Block("edit", name)
                stack[-1].entries.append(entry)
                stack.append(entry)
            case ["next"]:
                assert stack.pop().kind == "edit", "next outside an edit"
            case ["end"]:
                assert stack.pop().kind == "config", "end outside a config"
            case ["set", key, *values]:
                assert key not in stack[-1].settings, f"set {key} repeated in {stack[-1].name}"
                stack[-1].settings[key] = values
            case _:
                raise AssertionError(f"not a FortiOS CLI line: {line!r}")
    assert stack == [root], "unclosed config or edit"
    return root


@pytest.mark.parametrize("case", cases_of("fortios"), ids=lambda c: c.name)
def test_fortios_reads_back(case):
    vpn, subnets, text = rendered(case)
    check_tunnel_values(vpn)
    root = parse_fortios(commands(text))
    ike_enc = back(FORTINET_FORTIOS, "ike_encryption")
    ike_hash = back(FORTINET_FORTIOS, "ike_integrity")
    ike_prf = back(FORTINET_FORTIOS, "ike_prf")
    esp_enc = back(FORTINET_FORTIOS, "esp_encryption")
    esp_hash = back(FORTINET_FORTIOS, "esp_integrity")
    groups = back(FORTINET_FORTIOS, "dh_group")
    phase1s = root.tables["vpn ipsec phase1-interface"]
    phase2s = root.tables["vpn ipsec phase2-interface"]
    interfaces = root.tables["system interface"]
    names = [t.name for t in vpn.tunnels]
    assert [e.name for e in phase1s.entries] == names
    assert [e.name for e in phase2s.entries] == names
    assert [e.name for e in interfaces.entries] == names
    for t in vpn.tunnels:
        p1 = phase1s.entry(t.name)
        assert p1.one("ike-version") == str(vpn.ike_version)
        assert ("mode" in p1.settings) == vpn.ikev1
        if vpn.ikev1:
            assert p1.one("mode") == "main"
        assert p1.one("remote-gw") == t.thredd_outside_ip
        assert p1.one("psksecret") == t.psk
        assert p1.one("keylife") == str(t.phase1.lifetime)
        assert p1.one("dpd") == "on-idle"
        assert p1.one("dpd-retryinterval") == str(vpn.dpd_delay)
        assert p1.one("dpd-retrycount") == str(vpn.dpd_retries)
        proposals = set()
        for item in p1["proposal"]:
            cipher, _, mac = item.partition("-")
            aead = ike_enc[cipher] in {p.encryption for p in t.phase1.proposals if p.aead}
            proposals.add((ike_enc[cipher], (ike_prf if aead else ike_hash)[mac]))
        assert proposals == {(p.encryption, p.integrity) for p in t.phase1.proposals}
        assert [groups[g] for g in p1["dhgrp"]] == list(t.phase1.dh_groups)

        p2 = phase2s.entry(t.name)
        assert p2.one("phase1name") == t.name
        proposals = set()
        for item in p2["proposal"]:
            cipher, _, mac = item.partition("-")
            proposals.add((esp_enc[cipher], esp_hash[mac] if mac else None))
        assert proposals == {
            (p.encryption, None if p.aead else p.integrity) for p in t.phase2.proposals
        }
        assert p2.one("pfs") == "enable"
        assert [groups[g] for g in p2["dhgrp"]] == list(t.phase2.dh_groups)
        assert p2.one("keylifeseconds") == str(t.phase2.lifetime)
        assert p2.one("auto-negotiate") == "enable"

        interface = interfaces.entry(t.name)
        address, host_mask = interface["ip"]
        assert host_mask == "255.255.255.255"
        remote, mask = interface["remote-ip"]
        assert mask == t.inside.netmask
        check_inside(f"{address}/{mask}", t)
        assert remote == t.thredd_inside_ip
        assert interface.one("mtu-override") == "enable"
        assert interface.one("mtu") == str(vpn.mtu)
        assert interface.one("tcp-mss") == str(vpn.mss)

    # Firewall: both directions between the declared subnets and Thredd's ranges, on the tunnels.
    addresses = {e.name: " ".join(e["subnet"]) for e in root.tables["firewall address"].entries}
    groups_of = {e.name: e["member"] for e in root.tables["firewall addrgrp"].entries}
    members = {name: {addresses[member] for member in group} for name, group in groups_of.items()}
    assert members[f"{vpn.name}-subnets"] == {f"{s.address} {s.netmask}" for s in subnets}
    assert members[f"{vpn.name}-ranges"] == {f"{r.address} {r.netmask}" for r in vpn.routes}
    policies = {e.one("name"): e for e in root.tables["firewall policy"].entries}
    assert set(policies) == {f"{vpn.name}-out", f"{vpn.name}-in"}
    assert policies[f"{vpn.name}-out"]["dstintf"] == names
    assert policies[f"{vpn.name}-in"]["srcintf"] == names
    assert policies[f"{vpn.name}-out"].one("dstaddr") == f"{vpn.name}-ranges"
    assert policies[f"{vpn.name}-in"].one("srcaddr") == f"{vpn.name}-ranges"
    assert {p.one("action") for p in policies.values()} == {"accept"}

    if not vpn.bgp:
        assert "router bgp" not in root.tables
        routes = root.tables["router static"].entries
        assert {(" ".join(r["dst"]), r.one("device"), int(r.one("priority"))) for r in routes} == {
            (f"{route.address} {route.netmask}", t.name, t.route_metric)
            for route in vpn.routes
            for t in vpn.tunnels
        }
        assert len(routes) == len(vpn.routes) * len(vpn.tunnels)
        priority = {r.one("device"): int(r.one("priority")) for r in routes}
        check_preference(vpn, {t.number: priority[t.name] for t in vpn.tunnels}, higher_wins=False)
        return
    assert "router static" not in root.tables
    bgp = root.tables["router bgp"]
    assert bgp.one("as") == str(vpn.bgp.client_asn)
    neighbours = bgp.tables["neighbor"].entries
    assert [n.name for n in neighbours] == [t.thredd_inside_ip for t in vpn.tunnels]
    maps = {e.name: e for e in root.tables["router route-map"].entries}
    preference, prepend = {}, {}
    for t, neighbour in zip(vpn.tunnels, neighbours, strict=True):
        assert neighbour.one("remote-as") == str(vpn.bgp.thredd_asn)
        assert neighbour.one("keep-alive-timer") == str(vpn.bgp.keepalive)
        assert neighbour.one("holdtime-timer") == str(vpn.bgp.hold_time)
        (rule,) = maps[neighbour.one("route-map-in")].tables["rule"].entries
        preference[t.number] = int(rule.one("set-local-preference"))
        (rule,) = maps[neighbour.one("route-map-out")].tables["rule"].entries
        path = rule.settings.get("set-aspath", [""])[0].split()
        assert set(path) <= {str(vpn.bgp.client_asn)}
        prepend[t.number] = len(path)
    check_preference(vpn, preference, higher_wins=True)
    assert prepend == {t.number: t.bgp_prepend for t in vpn.tunnels}
    networks = bgp.tables["network"].entries
    assert [" ".join(n["prefix"]) for n in networks] == [
        f"{s.address} {s.netmask}" for s in subnets
    ]


# --- Check Point Gaia -------------------------------------------------------------------------

CP_DEVICE = re.compile(r"^#\s+(Thredd_VPN\d+_T\d+), IPv4 address (\S+)$", re.M)
CP_SECRET = re.compile(r"^#\s+(Thredd_VPN\d+_T\d+): (\S+)$", re.M)
CP_PHASE1 = re.compile(
    r"phase 1: (?P<enc>[^,]+), (?P<mac>[^,]+), (?P<group>.+?),\n#\s+renegotiate every "
    r"(?P<minutes>\d+) minutes\."
)
CP_PHASE2 = re.compile(
    r"Phase 2: (?P<enc>[^,]+), (?P<mac>[^,]+), PFS (?P<group>.+?),\n#\s+renegotiate every "
    r"(?P<seconds>\d+) seconds\."
)
CP_TUNNEL = re.compile(
    r"^add vpn tunnel (?P<id>\d+) type numbered local (?P<local>\S+) remote (?P<remote>\S+) "
    r"peer (?P<peer>\S+)$"
)
CP_ROUTE = re.compile(
    r"^set static-route (?P<dst>\S+) nexthop gateway logical vpnt(?P<id>\d+) "
    r"priority (?P<priority>\d+) on$"
)
CP_PEER = re.compile(r"^set bgp external remote-as (?P<asn>\d+) peer (?P<peer>\S+) (?P<rest>.+)$")


@pytest.mark.parametrize("case", cases_of("gaia"), ids=lambda c: c.name)
def test_checkpoint_reads_back(case):
    vpn, subnets, text = rendered(case)
    check_tunnel_values(vpn)
    lines = commands(text)
    assert lines[-1] == "save config"
    # SmartConsole part: one interoperable device per tunnel, at Thredd's outside address.
    devices = dict(CP_DEVICE.findall(text))
    secrets = dict(CP_SECRET.findall(text))
    assert set(devices) == set(secrets)
    method = "IKEv1 only" if vpn.ikev1 else "IKEv2 only"
    assert f"Encryption method: {method}." in text
    assert "Permanent tunnels on, with DPD" in text
    phase1, phase2 = CP_PHASE1.search(text), CP_PHASE2.search(text)
    groups = back(CHECKPOINT_GAIA, "dh_group")
    for t in vpn.tunnels:
        # One community, one suite: both tunnels' phases must be what it says.
        assert back(CHECKPOINT_GAIA, "ike_encryption")[phase1["enc"]] in t.phase1.encryption
        assert back(CHECKPOINT_GAIA, "ike_integrity")[phase1["mac"]] in t.phase1.integrity
        assert groups[phase1["group"]] in t.phase1.dh_groups
        assert int(phase1["minutes"]) * 60 == t.phase1.lifetime
        assert back(CHECKPOINT_GAIA, "esp_encryption")[phase2["enc"]] in t.phase2.encryption
        assert back(CHECKPOINT_GAIA, "esp_integrity")[phase2["mac"]] in t.phase2.integrity
        assert groups[phase2["group"]] in t.phase2.dh_groups
        assert int(phase2["seconds"]) == t.phase2.lifetime
    (rules,) = re.findall(
        r"allow your subnets (.+) to and\n#\s+from Thredd's (.+) in community", text
    )
    assert rules == (
        ", ".join(s.cidr for s in subnets),
        ", ".join(r.cidr for r in vpn.routes),
    )
    # Clish part: a numbered VTI per tunnel, named after its device.
    tunnels = [m.groupdict() for line in lines if (m := CP_TUNNEL.match(line))]
    assert len(tunnels) == len(vpn.tunnels)
    for t, vti in zip(vpn.tunnels, tunnels, strict=True):
        assert devices[vti["peer"]] == t.thredd_outside_ip
        assert secrets[vti["peer"]] == t.psk
        assert vti["remote"] == t.thredd_inside_ip
        check_inside(f"{vti['local']}/{t.inside.prefixlen}", t)
        assert vti["id"] == str(t.unit)
        assert f"set interface vpnt{t.unit} mtu {vpn.mtu}" in lines
    routes = [m.groupdict() for line in lines if (m := CP_ROUTE.match(line))]
    peers = [m.groupdict() for line in lines if (m := CP_PEER.match(line))]
    if not vpn.bgp:
        assert not peers
        assert {(r["dst"], int(r["id"]), int(r["priority"])) for r in routes} == {
            (route.cidr, t.unit, t.number) for route in vpn.routes for t in vpn.tunnels
        }
        priority = {int(r["id"]): int(r["priority"]) for r in routes}
        check_preference(vpn, {t.number: priority[t.unit] for t in vpn.tunnels}, higher_wins=False)
        # Route monitoring stands in for DPD: ping through the VTI, as often as DPD would.
        assert {f"set static-route {r.cidr} ping on" for r in vpn.routes} <= set(lines)
        assert f"set ping count {vpn.dpd_retries}" in lines
        assert f"set ping interval {vpn.dpd_delay}" in lines
        return
    assert not routes
    assert f"set as {vpn.bgp.client_asn}" in lines
    assert {p["asn"] for p in peers} == {str(vpn.bgp.thredd_asn)}
    by_peer = defaultdict(list)
    for p in peers:
        by_peer[p["peer"]].append(p["rest"])
    assert list(by_peer) == [t.thredd_inside_ip for t in vpn.tunnels]
    preference, prepend = {}, {}
    for t in vpn.tunnels:
        settings = by_peer[t.thredd_inside_ip]
        assert "on" in settings
        assert f"holdtime {vpn.bgp.hold_time}" in settings
        assert f"keepalive {vpn.bgp.keepalive}" in settings
        assert f"local-address {t.client_inside_ip}" in settings
        (import_map,) = (s.split()[1] for s in settings if s.startswith("import-routemap "))
        (export_map,) = (s.split()[1] for s in settings if s.startswith("export-routemap "))
        (pref,) = (
            line.rsplit(" ", 1)[1]
            for line in lines
            if line.startswith(f"set routemap {import_map} id 10 action localpref ")
        )
        preference[t.number] = int(pref)
        counts = [
            int(line.rsplit(" ", 1)[1])
            for line in lines
            if line.startswith(f"set routemap {export_map} id 10 action aspath-prepend-count ")
        ]
        prepend[t.number] = sum(counts)
        matched = [
            line.split()[-2]
            for line in lines
            if line.startswith(f"set routemap {export_map} id 10 match network ")
        ]
        assert matched == [s.cidr for s in subnets]
    check_preference(vpn, preference, higher_wins=True)
    assert prepend == {t.number: t.bgp_prepend for t in vpn.tunnels}


# --- MikroTik RouterOS ------------------------------------------------------------------------


def parse_routeros(lines: list[str]) -> dict[str, list[dict[str, str]]]:
    """Return each `add` command's `key=value` pairs (quotes removed), by menu path."""
    menus: dict[str, list[dict[str, str]]] = defaultdict(list)
    for line in lines:
        words = shlex.split(line)
        assert words[0].startswith("/"), line
        verb = words.index("add")
        pairs = {}
        for word in words[verb + 1 :]:
            key, sep, value = word.partition("=")
            assert sep, line
            assert key not in pairs, line
            pairs[key] = value
        menus[" ".join(words[:verb])].append(pairs)
    return menus


def named(items: list[dict[str, str]], key: str, value: str) -> dict[str, str]:
    (found,) = (item for item in items if item.get(key) == value)
    return found


@pytest.mark.parametrize("case", cases_of("routeros"), ids=lambda c: c.name)
def test_routeros_reads_back(case):
    vpn, subnets, text = rendered(case)
    check_tunnel_values(vpn)
    menus = parse_routeros(commands(text))
    table = MIKROTIK_ROUTEROS
    groups = back(table, "dh_group")
    for t in vpn.tunnels:
        profile = named(menus["/ip ipsec profile"], "name", t.name)
        encryption = [back(table, "ike_encryption")[e] for e in profile["enc-algorithm"].split(",")]
        assert encryption == list(t.phase1.encryption)
        assert back(table, "ike_integrity")[profile["hash-algorithm"]] == t.phase1.integrity[0]
        assert [groups[g] for g in profile["dh-group"].split(",")] == list(t.phase1.dh_groups)
        assert profile["lifetime"] == f"{t.phase1.lifetime}s"
        assert profile["dpd-interval"] == f"{vpn.dpd_delay}s"
        assert profile["dpd-maximum-failures"] == str(vpn.dpd_retries)

        peer = named(menus["/ip ipsec peer"], "name", t.name)
        assert peer["address"] == f"{t.thredd_outside_ip}/32"
        assert peer["exchange-mode"] == ("main" if vpn.ikev1 else "ike2")
        assert peer["profile"] == t.name
        identity = named(menus["/ip ipsec identity"], "peer", t.name)
        assert identity["auth-method"] == "pre-shared-key"
        assert identity["secret"] == t.psk

        proposal = named(menus["/ip ipsec proposal"], "name", t.name)
        assert [
            back(table, "esp_encryption")[e] for e in proposal["enc-algorithms"].split(",")
        ] == list(t.phase2.encryption)
        assert [
            back(table, "esp_integrity")[i] for i in proposal["auth-algorithms"].split(",")
        ] == list(t.phase2.integrity)
        assert groups[proposal["pfs-group"]] == t.phase2.dh_groups[0]
        assert proposal["lifetime"] == f"{t.phase2.lifetime}s"

        address = named(menus["/ip address"], "comment", f"{t.name} inside")
        check_inside(address["address"], t)
        # Policy-based: the tunnel's own /30 (BGP and monitoring) and, static or BGP, the
        # one summarised selector pair AWS takes per tunnel: with BGP too, a learned route
        # carries traffic only where a policy covers it.
        policies = [p for p in menus["/ip ipsec policy"] if p["peer"] == t.name]
        assert all(p["tunnel"] == "yes" and p["proposal"] == t.name for p in policies)
        pairs = {(p["src-address"], p["dst-address"], p.get("disabled", "no")) for p in policies}
        assert pairs == {
            (t.inside.cidr, t.inside.cidr, "no"),
            (vpn.local_selector.cidr, vpn.remote_selector.cidr, "no" if t.preferred else "yes"),
        }
    # Every Thredd range routed or announced, and every client subnet, is inside the policy.
    remote = IPv4Network(vpn.remote_selector.cidr)
    assert all(IPv4Network(r.cidr).subnet_of(remote) for r in vpn.routes)
    local = IPv4Network(vpn.local_selector.cidr)
    assert all(IPv4Network(s.cidr).subnet_of(local) for s in subnets)
    if not vpn.bgp:
        assert "/routing bgp connection" not in menus
        return
    connections = menus["/routing bgp connection"]
    assert [c["remote.address"] for c in connections] == [t.thredd_inside_ip for t in vpn.tunnels]
    rules = {r["chain"]: r["rule"] for r in menus["/routing filter rule"]}
    preference, prepend = {}, {}
    for t, connection in zip(vpn.tunnels, connections, strict=True):
        assert connection["as"] == str(vpn.bgp.client_asn)
        assert connection["remote.as"] == str(vpn.bgp.thredd_asn)
        assert connection["local.address"] == t.client_inside_ip
        assert connection["local.role"] == "ebgp"
        assert connection["hold-time"] == f"{vpn.bgp.hold_time}s"
        assert connection["keepalive-time"] == f"{vpn.bgp.keepalive}s"
        actions = [a.strip() for a in rules[connection["input.filter"]].split(";")]
        (pref,) = (a.split()[-1] for a in actions if a.startswith("set bgp-local-pref "))
        preference[t.number] = int(pref)
        actions = [a.strip() for a in rules[connection["output.filter-chain"]].split(";")]
        prepend[t.number] = sum(
            int(a.split()[-1]) for a in actions if a.startswith("set bgp-path-prepend ")
        )
        assert actions[-1] == "accept"
        advertised = [
            a["address"]
            for a in menus["/ip firewall address-list"]
            if a["list"] == connection["output.network"]
        ]
        assert advertised == [s.cidr for s in subnets]
    check_preference(vpn, preference, higher_wins=True)
    assert prepend == {t.number: t.bgp_prepend for t in vpn.tunnels}
