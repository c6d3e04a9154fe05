"""Real tunnels for every strongSwan client file: each IKE version, AES-CBC and AES-GCM, both
VPNs of a production site on one device, and a device behind 1:1 NAT.

Namespaces as in `test_tunnel`: the client's device, Thredd's side playing AWS (one charon,
four outside addresses, one per tunnel), and for the NAT cases a third namespace between them
that maps the device's private address 1:1 to its public one, as a cloud provider does. The
client's file (swanctl.conf, or ipsec.conf and ipsec.secrets under starter) must bring all four
tunnels up, and each service's traffic must cross its own VPN, counted on Thredd's side.
"""

import os
import subprocess
from dataclasses import dataclass, replace

import pytest

from connectivity.configgen.render import render_target, render_thredd_side
from tests.configgen.conftest import (
    SITE_TUNNEL_VALUES,
    production_site_document,
    site_vpn_contexts,
)
from tests.configgen.strongswan import Charon, Starter, require_starter, require_strongswan
from tests.configgen.test_tunnel import (
    CLIENT_ADDRESS,
    CLIENT_OUTSIDE,
    SERVICE_VPN,
    THREDD_OUTSIDE,
    child_sas,
    ike_sas,
    load,
    ping,
    run,
    wait_for,
)

PRIVATE = "10.0.1.15"  # the device's own address behind the NAT
NAT_INSIDE = "10.0.1.1"
GCM = {"phase1_encryption": ["AES256-GCM-16"], "phase2_encryption": ["AES256-GCM-16"]}
# IKEv1 has no GCM for IKE itself: IKE stays AES-CBC, ESP is AES-GCM.
GCM_ESP_ONLY = {"phase2_encryption": ["AES128-GCM-16"]}

pytestmark = [
    pytest.mark.tunnel,
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
]


@dataclass(frozen=True)
class Variant:
    target: str
    ike_version: int
    tunnel: dict
    nat: bool

    @property
    def name(self) -> str:
        cipher = "gcm" if self.tunnel else "cbc"
        return f"{self.target}-ikev{self.ike_version}-{cipher}{'-nat' if self.nat else ''}"


VARIANTS = [
    Variant("swanctl", 2, {}, nat=False),
    Variant("swanctl", 2, GCM, nat=False),
    Variant("swanctl", 1, {}, nat=False),
    Variant("swanctl", 1, GCM_ESP_ONLY, nat=True),
    Variant("swanctl", 2, GCM, nat=True),
    Variant("ipsec_conf", 2, GCM, nat=False),
    Variant("ipsec_conf", 1, {}, nat=False),
    Variant("ipsec_conf", 2, {}, nat=True),
]


@pytest.fixture
def topology(request):
    """Wire the client's and Thredd's namespaces, with a 1:1 NAT namespace between them when
    the variant asks; remove them all afterwards."""
    nat = request.param
    tag = os.getpid() % 100000
    client, thredd, middle = f"h14c-{tag}", f"h14t-{tag}", f"h14n-{tag}"
    names = [client, thredd, *([middle] if nat else [])]
    thredd_outside = [address for pair in THREDD_OUTSIDE.values() for address in pair]
    try:
        for ns in names:
            run("ip", "netns", "add", ns)
            run("ip", "-n", ns, "link", "set", "lo", "up")
        outer = middle if nat else client
        run("ip", "link", "add", f"o{tag}", "netns", outer, "type", "veth", "peer", "name",
            f"t{tag}", "netns", thredd)  # fmt: skip
        for address in thredd_outside:
            run("ip", "-n", thredd, "addr", "add", f"{address}/15", "dev", f"t{tag}")
        run("ip", "-n", outer, "addr", "add", f"{CLIENT_OUTSIDE}/15", "dev", f"o{tag}")
        for ns, link in ((outer, f"o{tag}"), (thredd, f"t{tag}")):
            run("ip", "-n", ns, "link", "set", link, "up")
        if nat:
            run("ip", "link", "add", f"i{tag}", "netns", middle, "type", "veth", "peer", "name",
                f"c{tag}", "netns", client)  # fmt: skip
            run("ip", "-n", middle, "addr", "add", f"{NAT_INSIDE}/24", "dev", f"i{tag}")
            run("ip", "-n", client, "addr", "add", f"{PRIVATE}/24", "dev", f"c{tag}")
            run("ip", "-n", middle, "link", "set", f"i{tag}", "up")
            run("ip", "-n", client, "link", "set", f"c{tag}", "up")
            run("ip", "-n", client, "route", "add", "default", "via", NAT_INSIDE)
            run("ip", "netns", "exec", middle, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            rules = (
                "table ip nat {\n"
                " chain prerouting {\n  type nat hook prerouting priority dstnat;\n"
                f"  ip daddr {CLIENT_OUTSIDE} dnat to {PRIVATE}\n }}\n"
                " chain postrouting {\n  type nat hook postrouting priority srcnat;\n"
                f"  ip saddr {PRIVATE} snat to {CLIENT_OUTSIDE}\n }}\n}}\n"
            )
            subprocess.run(
                ["ip", "netns", "exec", middle, "nft", "-f", "-"],
                input=rules, check=True, capture_output=True, text=True, timeout=30,
            )  # fmt: skip
        else:
            # What ipsec.conf's left=%defaultroute resolves against.
            run("ip", "-n", client, "route", "add", "default", "via", thredd_outside[0])
        run("ip", "-n", client, "addr", "add", f"{CLIENT_ADDRESS}/32", "dev", "lo")
        for address in ("10.240.1.10", "10.240.2.10", "10.240.3.10"):
            run("ip", "-n", thredd, "addr", "add", f"{address}/32", "dev", "lo")
        yield client, thredd
    finally:
        for ns in names:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


def contexts_for(variant: Variant):
    """Both VPN contexts of the site for `variant`: the document says the device is behind NAT
    at PRIVATE (the rules check it); the public address is then swapped for the namespaces'
    benchmarking one, which the rules rightly refuse as a peer address."""
    doc = production_site_document(
        "strongswan",
        variant.target,
        ike_version=variant.ike_version,
        tunnels=[variant.tunnel, variant.tunnel] if variant.tunnel else None,
        **({"private_ip": PRIVATE} if variant.nat else {}),
    )
    tunnel_values = {
        key: tuple(
            replace(values, thredd_outside_ip=address)
            for values, address in zip(SITE_TUNNEL_VALUES[key], THREDD_OUTSIDE[key], strict=True)
        )
        for key in THREDD_OUTSIDE
    }
    contexts = site_vpn_contexts(doc, tunnel_values=tunnel_values)
    assert all(context.vpn.behind_nat == variant.nat for context in contexts)
    return [
        replace(
            context,
            vpn=replace(
                context.vpn,
                client_outside_ip=CLIENT_OUTSIDE,
                client_local_ip=PRIVATE if variant.nat else CLIENT_OUTSIDE,
                tunnels=tuple(
                    replace(tunnel, client_outside_ip=CLIENT_OUTSIDE)
                    for tunnel in context.vpn.tunnels
                ),
            ),
        )
        for context in contexts
    ]


def start_client(variant: Variant, contexts, client_ns: str, directory):
    """Start the client's strongSwan on its rendered files; return it (it has a stop())."""
    if variant.target == "swanctl":
        client = Charon(directory / "client", netns=client_ns).start()
        load(client, directory / "client-files", [render_target("swanctl", c)[0] for c in contexts])
        return client
    require_starter()
    files = [render_target("ipsec_conf", c) for c in contexts]
    conf = "".join(conf.content for conf, _ in files)
    secrets = "".join(secret.content for _, secret in files)
    starter = Starter(directory / "client", conf, secrets, CLIENT_OUTSIDE, netns=client_ns)
    starter.start().wait_loaded()
    return starter


@pytest.mark.parametrize(
    ("variant", "topology"),
    [pytest.param(v, v.nat, id=v.name) for v in VARIANTS],
    indirect=["topology"],
)
def test_client_file_brings_up_all_four_tunnels(variant, topology, tmp_path):
    require_strongswan()
    client_ns, thredd_ns = topology
    contexts = contexts_for(variant)
    thredd = Charon(tmp_path / "thredd", netns=thredd_ns)
    client = None
    names = {
        f"{context.header.file_stem}-t{tunnel.number}": context.vpn.number
        for context in contexts
        for tunnel in context.vpn.tunnels
    }
    try:
        thredd.start()
        load(thredd, tmp_path / "thredd-files", [render_thredd_side(c) for c in contexts])
        client = start_client(variant, contexts, client_ns, tmp_path)

        def all_up():
            ikes, children = ike_sas(thredd), child_sas(thredd)
            return all(
                ikes.get(name, {}).get("state") == "ESTABLISHED"
                and children.get(name, {}).get("state") == "INSTALLED"
                for name in names
            )

        wait_for(
            all_up,
            timeout=45,
            explain=lambda: (
                "not all four tunnels came up:\n"
                + thredd.swanctl("--list-sas", check=False).stdout
                + client.output()
                + thredd.output()
            ),
        )
        listed = thredd.swanctl("--list-sas").stdout
        # Thredd sees the client at its public address; the client sent from its own, which
        # behind the NAT is the private one (kernel-libipsec encapsulates ESP in UDP 4500
        # either way, so the port says nothing here).
        assert {sa["remote"] for sa in ike_sas(thredd).values()} == {CLIENT_OUTSIDE}
        own = PRIVATE if variant.nat else CLIENT_OUTSIDE
        assert f"sending packet: from {own}[500]" in client.output(), client.output()
        if variant.tunnel:
            assert "AES_GCM_16" in listed, listed
        for context in contexts:
            for tunnel in context.vpn.tunnels:
                child = child_sas(thredd)[f"{context.header.file_stem}-t{tunnel.number}"]
                # One SA pair per tunnel, with the summarised selectors (Thredd's side local).
                assert child["local_ts"].split() == [context.vpn.remote_selector.cidr]
                assert child["remote_ts"].split() == [context.vpn.local_selector.cidr]

        def packets():
            totals = dict.fromkeys(names.values(), 0)
            for name, child in child_sas(thredd).items():
                totals[names[name]] += int(child["packets_in"]) + int(child["packets_out"])
            return totals

        for address, vpn_number in SERVICE_VPN.items():
            before = packets()
            result = ping(client_ns, address)
            assert " 0% packet loss" in result.stdout, result.stdout + result.stderr
            after = packets()
            other = 2 if vpn_number == 1 else 1
            assert after[vpn_number] - before[vpn_number] >= 6, (address, before, after)
            assert after[other] == before[other], (address, before, after)
    finally:
        if client is not None:
            client.stop()
        thredd.stop()
