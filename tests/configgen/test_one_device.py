"""A production site's two VPNs on one client device: their files pasted into it never collide.

Each VPN is its own AWS VPN connection, so the four tunnels end on four Thredd (AWS) outside
addresses. For every device target, the names (and numbers) each file gives its objects on
the device are read back, per vendor syntax, and the two VPNs' sets must be disjoint: a name
VPN 2's file reused would overwrite VPN 1's object (an ASA tunnel-group with another PSK, an
IKE policy, a tunnel interface). Each VPN's Thredd addresses and service ranges appear in its
own file only.
"""

import re
from dataclasses import dataclass

import pytest
from ciscoconfparse2 import CiscoConfParse

from connectivity.configgen.render import render_target
from connectivity.configgen.targets import Kind, Target, targets_of_kind
from tests.configgen.conftest import production_site_document, site_vpn_contexts


@dataclass(frozen=True)
class Variant:
    target: Target
    ike_version: int
    routing: str

    @property
    def name(self) -> str:
        return f"{self.target.key}-ikev{self.ike_version}-{self.routing}"

    def contexts(self):
        """The contexts of VPN 1 and VPN 2 of the site, both on this target's device."""
        platform = self.target.platform
        doc = production_site_document(
            platform.vendor, platform.key, ike_version=self.ike_version, routing=self.routing
        )
        return site_vpn_contexts(doc)


VARIANTS = [
    Variant(target, ike_version, routing)
    for target in targets_of_kind(Kind.VPN)
    for ike_version in ((2, 1) if target.supports_ikev1 else (2,))
    for routing in (("static", "bgp") if target.supports_bgp else ("static",))
    if routing == "bgp" or not target.bgp_only
]


def body(file) -> str:
    """The configuration under the header: names are read from what the device takes."""
    return file.content.partition("\n\n")[2]


# Every pattern names an object kind; a name counts per kind: ("ike gateway", "thredd-vpn1-t1").
CISCO = {
    "tunnel-group": r"^tunnel-group (\S+) type ",
    "group-policy": r"^group-policy (\S+) internal$",
    "access-list": r"^access-list (\S+) ",
    "ike policy priority": r"^crypto (?:ikev[12]|isakmp) policy (\d+)$",
    "ikev1 transform-set": r"^crypto ipsec ikev1 transform-set (\S+) ",
    "ikev2 ipsec-proposal": r"^crypto ipsec ikev2 ipsec-proposal (\S+)$",
    "transform-set": r"^crypto ipsec transform-set (\S+) ",
    "ipsec profile": r"^crypto ipsec profile (\S+)$",
    "ikev1 keyring": r"^crypto keyring (\S+)$",
    "isakmp profile": r"^crypto isakmp profile (\S+)$",
    "ikev2 proposal": r"^crypto ikev2 proposal (\S+)$",
    "ikev2 policy": r"^crypto ikev2 policy ([A-Za-z]\S*)$",
    "ikev2 keyring": r"^crypto ikev2 keyring (\S+)$",
    "ikev2 profile": r"^crypto ikev2 profile (\S+)$",
    "crypto map entry": r"^crypto map \S+ (\d+) ",
    "interface": r"^interface (Tunnel\d+)$",
    "nameif": r"^ nameif (\S+)$",
    "keyring peer": r"^ peer (\S+)$",
    "route-map": r"^route-map (\S+) ",
    "route": r"^route (\S+) ",
}
JUNOS = {
    "st0 unit": r"^set interfaces st0 unit (\d+) ",
    "ike proposal": r"^set security ike proposal (\S+) ",
    "ike policy": r"^set security ike policy (\S+) ",
    "ike gateway": r"^set security ike gateway (\S+) ",
    "ipsec proposal": r"^set security ipsec proposal (\S+) ",
    "ipsec policy": r"^set security ipsec policy (\S+) ",
    "ipsec vpn": r"^set security ipsec vpn (\S+) ",
    "policy-statement": r"^set policy-options policy-statement (\S+) ",
    "bgp group": r"^set protocols bgp group (\S+) ",
}
PANOS = {
    "ike crypto profile": r" ike-crypto-profiles (\S+) ",
    "ipsec crypto profile": r" ipsec-crypto-profiles (\S+) ",
    "ike gateway": r"^set network ike gateway (\S+) ",
    "tunnel unit": r"^set network interface tunnel units (\S+) ",
    "ipsec tunnel": r"^set network tunnel ipsec (\S+) ",
    "bgp peer-group": r" peer-group (\S+) ",
    "bgp peer": r" peer-group \S+ peer (\S+) ",
    "static route": r" static-route (\S+) ",
    "redistribution profile": r" redist-profile (\S+) ",
}
GAIA = {
    "interoperable device": r"\b(Thredd_VPN\d+_T\d+)\b",
    "community": r'(?i)community "?(Thredd_VPN\d+)\b',
    "vpn tunnel": r"^add vpn tunnel (\d+) ",
    "vti": r"\b(vpnt\d+)\b",
}
SWAN = {"conn": r"^conn (\S+)$", "secret selector": r"^(\S+ \S+) : PSK "}
# The XFRM interfaces script and frr.conf of the swanctl_frr target; the BGP instance itself
# ("router bgp ASN") is one per device, and both files add their neighbours to it.
FRR = {
    "xfrm interface": r"^ip link add (\S+) type xfrm ",
    "if_id": r" if_id (\d+)$",
    "prefix-list": r"^ip prefix-list (\S+) ",
    "route-map": r"^route-map (\S+) ",
    "neighbor": r"^ neighbor (\S+) remote-as ",
}
PFSENSE = {"ikeid": r"<ikeid>(\d+)</ikeid>", "description": r"<descr>([^<]+)</descr>"}
ROUTEROS = {
    "name": r"\bname=(\S+)",
    "filter chain": r"^/routing filter rule add chain=(\S+)",
    "address list": r"\blist=(\S+)",
    "comment": r'\bcomment="([^"]+)"',
}
GENERIC = {"suggested name": r"Suggested name, number: +(\S+), \d+$", "number": r", (\d+)$"}


Names = set[tuple[str, str]]


def matched(patterns: dict[str, str], lines) -> Names:
    return {
        (kind, found.group(1))
        for line in lines
        for kind, pattern in patterns.items()
        if (found := re.search(pattern, line))
    }


def cisco_names(text: str, syntax: str) -> Names:
    """Read a Cisco file with ciscoconfparse2; every line object, parents and children."""
    parse = CiscoConfParse(text.splitlines(), syntax=syntax)
    return matched(CISCO, (obj.text for obj in parse.objs))


def junos_names(text: str) -> Names:
    parse = CiscoConfParse(text.splitlines(), syntax="junos")
    return matched(JUNOS, (obj.text for obj in parse.find_objects(r"^set ")))


def fortios_names(text: str) -> Names:
    """Read FortiOS CLI: every `edit` key with the `config` tables (and entries) it is under,
    and every policy's name.

    `config router bgp` > `config network` is left out on purpose: it lists the site's own
    subnets, the same in both files, and both write the same entries.
    """
    names, frames = set(), []  # frames: [table, entry being edited or None], outermost first
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("config "):
            frames.append([stripped.removeprefix("config "), None])
        elif stripped == "end":
            frames.pop()
        elif stripped == "next":
            frames[-1][1] = None
        elif stripped.startswith("edit "):
            frames[-1][1] = stripped.removeprefix("edit ")
            # FortiOS numbers an `edit 0` entry itself.
            if frames[-1][1] != "0" and frames[-1][0] != "network":
                path = (f"{table} {key}" if key else table for table, key in frames)
                names.add(("entry", " > ".join(path)))
        elif stripped.startswith("set name "):
            names.add(("policy", stripped.removeprefix("set name ")))
    assert not frames, "unbalanced config/end"
    return names


def swanctl_names(text: str) -> Names:
    """Every section swanctl.conf names (connections, their children, secrets) and the pair of
    identities each secret is looked up by."""
    fixed = {"connections", "secrets", "local", "remote", "children"}
    sections = {
        ("section", name)
        for name in re.findall(r"(?m)^\s*([\w.-]+) \{$", text)
        if name not in fixed
    }
    identities = re.findall(r"(?m)^\s*id-local = (\S+)\n\s*id-remote = (\S+)$", text)
    return sections | {("secret identities", " ".join(pair)) for pair in identities}


def device_names(target_key: str, files) -> Names:
    """The names and numbers the files of one VPN give its objects on the client's device."""
    text = "\n".join(body(file) for file in files)
    lines = text.splitlines()
    match target_key:
        case "asa" | "asa_vti":
            return cisco_names(text, "asa")
        case "ios_xe":
            return cisco_names(text, "ios")
        case "srx":
            return junos_names(text)
        case "panos":
            return matched(PANOS, lines)
        case "fortios":
            return fortios_names(text)
        case "gaia":
            return matched(GAIA, lines)
        case "swanctl":
            return swanctl_names(text)
        case "swanctl_frr":
            return swanctl_names(text) | matched(FRR, lines)
        case "ipsec_conf" | "libreswan" | "libreswan4":
            return matched(SWAN, lines)
        case "pfsense":
            return matched(PFSENSE, lines)
        case "routeros":  # commands only: a comment's "file-name=" is not an object
            return matched(ROUTEROS, (line for line in lines if line.startswith("/")))
        case "text":
            return matched(GENERIC, lines)
    raise AssertionError(f"no name reader for {target_key}: add one")


def appears(address: str, text: str) -> bool:
    """Whether `address` (an address or a network's address) is in `text` as a whole."""
    return re.search(rf"(?<![\d.]){re.escape(address)}(?![\d.])", text) is not None


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.name)
def test_two_vpns_on_one_device_never_reuse_a_name(variant):
    contexts = variant.contexts()
    assert contexts[0].vpn.client_outside_ip == contexts[1].vpn.client_outside_ip
    files = [render_target(variant.target.key, context) for context in contexts]
    first, second = (device_names(variant.target.key, vpn_files) for vpn_files in files)
    assert len(first) >= 2, first  # the reader found the file's objects ...
    assert {kind for kind, _ in first} == {kind for kind, _ in second}  # ... of both VPNs
    assert not first & second, f"VPN 2's file reuses {sorted(first & second)}"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.name)
def test_each_vpn_file_names_only_its_own_thredd_addresses_and_ranges(variant):
    contexts = variant.contexts()
    outside = [[t.thredd_outside_ip for t in context.vpn.tunnels] for context in contexts]
    assert len({address for pair in outside for address in pair}) == 4
    ranges = [[route.address for route in context.vpn.routes] for context in contexts]
    assert ranges == [["10.240.1.0", "10.240.2.0"], ["10.240.3.0"]]
    for own, other in ((0, 1), (1, 0)):
        text = "".join(file.content for file in render_target(variant.target.key, contexts[own]))
        assert all(appears(address, text) for address in outside[own])
        assert not any(appears(address, text) for address in outside[other])
        # Static routes, selectors and BGP expectations: this VPN's ranges, never the other's.
        assert not any(appears(network, text) for network in ranges[other])
