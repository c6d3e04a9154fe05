"""Real tunnels: a production site's two VPNs on one client device, against Thredd's side.

Two network namespaces joined by a veth pair stand for the client and Thredd (AWS), on
addresses of 198.18.0.0/15, the benchmarking range, private to the namespaces. The client's
device has one outside address, a client subnet address, and one charon loading the generated
swanctl.conf of both VPNs. Thredd's side plays AWS: two VPN connections, so four outside
addresses, one per tunnel; an address in each service range; and one charon loading both
Thredd-side files. All four tunnels must come up, traffic to each service must travel through
its own VPN only, and a PSK put on the wrong tunnel must keep that tunnel down.
"""

import os
import re
import subprocess
import time
from dataclasses import replace

import pytest

from connectivity.configgen.render import render_target, render_thredd_side
from tests.configgen.conftest import (
    SITE_TUNNEL_VALUES,
    production_site_document,
    site_vpn_contexts,
)
from tests.configgen.strongswan import Charon, require_strongswan

CLIENT_OUTSIDE = "198.18.0.2"  # the client device's one public address: all four tunnels start here
# AWS's outside address of each tunnel, by (site, VPN): four, as AWS gives two VPN connections.
THREDD_OUTSIDE = {(0, 0): ("198.19.0.1", "198.19.0.2"), (0, 1): ("198.19.0.3", "198.19.0.4")}
CLIENT_ADDRESS = "10.20.30.1"
# An address in each of Thredd's ranges: VPN 1 carries Web Services and EHI, VPN 2 the Portal.
# charon installs a route per policy with a local source address, so every range needs one.
WEB_SERVICES, EHI, PORTAL = "10.240.1.10", "10.240.2.10", "10.240.3.10"
SERVICE_VPN = {WEB_SERVICES: 1, EHI: 1, PORTAL: 2}
# What each VPN's CHILD SAs must select on the client's side: one selector, Thredd's ranges of
# its services summarised (AWS takes one SA pair per tunnel). VPN 1's summary also covers the
# Portal's range, so VPN 2's more specific policy must win for it: the pings below prove it.
VPN_RANGES = {1: ["10.240.0.0/22"], 2: ["10.240.3.0/24"]}

pytestmark = [
    pytest.mark.tunnel,
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
]


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=30)


@pytest.fixture
def namespaces():
    """Create the client's and Thredd's namespaces, wired together; remove them afterwards."""
    client, thredd = f"thredd-c-{os.getpid()}", f"thredd-t-{os.getpid()}"
    veth = f"vt{os.getpid() % 100000}"
    thredd_outside = [address for pair in THREDD_OUTSIDE.values() for address in pair]
    try:
        run("ip", "netns", "add", client)
        run("ip", "netns", "add", thredd)
        run(
            "ip",
            "link",
            "add",
            f"{veth}c",
            "netns",
            client,
            "type",
            "veth",
            "peer",
            "name",
            f"{veth}t",
            "netns",
            thredd,
        )
        for ns, link, outside, local in (
            (client, f"{veth}c", [CLIENT_OUTSIDE], [CLIENT_ADDRESS]),
            (thredd, f"{veth}t", thredd_outside, [WEB_SERVICES, EHI, PORTAL]),
        ):
            for address in outside:
                run("ip", "-n", ns, "addr", "add", f"{address}/15", "dev", link)
            for address in local:
                run("ip", "-n", ns, "addr", "add", f"{address}/32", "dev", "lo")
            run("ip", "-n", ns, "link", "set", "lo", "up")
            run("ip", "-n", ns, "link", "set", link, "up")
        yield client, thredd
    finally:
        for ns in (client, thredd):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


def site_contexts():
    """Both VPN contexts of the site, with the namespaces' addresses.

    The rules rightly refuse a benchmarking address as a client's peer IP, so the contexts are
    built from the valid document and the client's address is swapped in after; Thredd's
    addresses come in through the tunnel values, as AWS's do.
    """
    tunnel_values = {
        key: tuple(
            replace(values, thredd_outside_ip=address)
            for values, address in zip(SITE_TUNNEL_VALUES[key], THREDD_OUTSIDE[key], strict=True)
        )
        for key in THREDD_OUTSIDE
    }
    contexts = site_vpn_contexts(
        production_site_document("strongswan", "swanctl"), tunnel_values=tunnel_values
    )
    return [
        replace(
            context,
            vpn=replace(
                context.vpn,
                client_outside_ip=CLIENT_OUTSIDE,
                client_local_ip=CLIENT_OUTSIDE,
                tunnels=tuple(
                    replace(tunnel, client_outside_ip=CLIENT_OUTSIDE)
                    for tunnel in context.vpn.tunnels
                ),
            ),
        )
        for context in contexts
    ]


def with_psks_swapped(context):
    """The VPN with its two tunnels' PSKs exchanged: each is right, but for the other tunnel."""
    first, second = context.vpn.tunnels
    tunnels = (replace(first, psk=second.psk), replace(second, psk=first.psk))
    return replace(context, vpn=replace(context.vpn, tunnels=tunnels))


def load(charon: Charon, directory, files) -> None:
    """Load every rendered file into `charon` together, as a device does: each file in
    conf.d/, included by one swanctl.conf (`--load-all` of one file alone would unload the
    connections of the others)."""
    (directory / "conf.d").mkdir(parents=True)
    for file in files:
        (directory / "conf.d" / file.name).write_text(file.content)
    (directory / "swanctl.conf").write_text(f"include {directory / 'conf.d'}/*.conf\n")
    charon.load(directory / "swanctl.conf")


def wait_for(predicate, *, timeout: float, explain) -> None:
    """Poll `predicate`; on timeout fail with what `explain()` says then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    pytest.fail(explain())


IKE_SA = re.compile(
    r"(?m)^(?P<name>\S+): #\d+, (?P<state>[A-Z_]+), IKEv\d.*\n"
    r"\s+local\s+'[^']*' @ (?P<local>[\d.]+)\[\d+\]\n"
    r"\s+remote\s+'[^']*' @ (?P<remote>[\d.]+)\[\d+\]"
)
CHILD_SA = re.compile(
    r"(?m)^\s+(?P<name>\S+): #\d+, reqid \d+, (?P<state>[A-Z_]+), TUNNEL.*\n"
    r"(?:\s+(?!in |out ).*\n)*"
    r"\s+in\s+\S+,\s+\d+ bytes,\s+(?P<packets_in>\d+) packets.*\n"
    r"\s+out\s+\S+,\s+\d+ bytes,\s+(?P<packets_out>\d+) packets.*\n"
    r"\s+local\s+(?P<local_ts>.+)\n"
    r"\s+remote\s+(?P<remote_ts>.+)"
)


def ike_sas(charon: Charon) -> dict[str, dict[str, str]]:
    """`swanctl --list-sas`, as each IKE SA's state and addresses, by connection name."""
    listed = charon.swanctl("--list-sas", check=False).stdout
    return {found["name"]: found.groupdict() for found in IKE_SA.finditer(listed)}


def child_sas(charon: Charon) -> dict[str, dict[str, str]]:
    """`swanctl --list-sas`, as each CHILD SA's state, packet counters and traffic selectors."""
    listed = charon.swanctl("--list-sas", check=False).stdout
    return {found["name"]: found.groupdict() for found in CHILD_SA.finditer(listed)}


def packets_per_vpn(charon: Charon, vpn_of: dict[str, int]) -> dict[int, int]:
    """Packets in and out of each VPN's CHILD SAs, both tunnels together, by VPN number;
    `vpn_of` gives the VPN number of each CHILD SA's name."""
    totals = dict.fromkeys(vpn_of.values(), 0)
    for name, child in child_sas(charon).items():
        totals[vpn_of[name]] += int(child["packets_in"]) + int(child["packets_out"])
    return totals


def ping(client_ns: str, address: str) -> subprocess.CompletedProcess:
    command = ["ping", "-c", "3", "-W", "2", "-I", CLIENT_ADDRESS, address]
    return subprocess.run(
        ["ip", "netns", "exec", client_ns, *command], capture_output=True, text=True, timeout=30
    )


def test_two_vpns_on_one_device_bring_up_four_tunnels_and_keep_their_traffic_apart(
    namespaces, tmp_path
):
    require_strongswan()
    client_ns, thredd_ns = namespaces
    contexts = site_contexts()
    thredd = Charon(tmp_path / "thredd", netns=thredd_ns)
    client = Charon(tmp_path / "client", netns=client_ns)
    try:
        thredd.start()
        load(thredd, tmp_path / "thredd-files", [render_thredd_side(c) for c in contexts])
        client.start()
        # start_action = start: loading the client's files initiates all four tunnels.
        load(client, tmp_path / "client-files", [render_target("swanctl", c)[0] for c in contexts])

        tunnels = [(context.vpn, tunnel) for context in contexts for tunnel in context.vpn.tunnels]
        expected = {tunnel.name: tunnel.thredd_outside_ip for _, tunnel in tunnels}
        vpn_of = {tunnel.name: vpn.number for vpn, tunnel in tunnels}

        def all_up():
            ikes, children = ike_sas(client), child_sas(client)
            return all(
                ikes.get(name, {}).get("state") == "ESTABLISHED"
                and children.get(name, {}).get("state") == "INSTALLED"
                for name in expected
            )

        wait_for(
            all_up,
            timeout=45,
            explain=lambda: (
                "not all four tunnels came up:\n"
                + client.swanctl("--list-sas", check=False).stdout
                + client.output()
                + thredd.output()
            ),
        )
        # Each tunnel runs between the client's one address and its own Thredd address ...
        ikes = ike_sas(client)
        assert {name: sa["remote"] for name, sa in ikes.items()} == expected
        assert {sa["local"] for sa in ikes.values()} == {CLIENT_OUTSIDE}
        # ... and Thredd's charon answered each on that address, in that VPN's connection.
        thredd_ikes = ike_sas(thredd)
        assert len(thredd_ikes) == 4
        for context in contexts:
            for tunnel in context.vpn.tunnels:
                answered = thredd_ikes[f"{context.header.file_stem}-t{tunnel.number}"]
                assert answered["state"] == "ESTABLISHED"
                assert answered["local"] == tunnel.thredd_outside_ip
        # VPN 1's CHILD SAs select Web Services and EHI, VPN 2's the Portal.
        assert {name: child["remote_ts"].split() for name, child in child_sas(client).items()} == {
            tunnel.name: VPN_RANGES[vpn.number] for vpn, tunnel in tunnels
        }

        for address, vpn_number in SERVICE_VPN.items():
            before = packets_per_vpn(client, vpn_of)
            result = ping(client_ns, address)
            assert result.returncode == 0, result.stdout + result.stderr
            assert " 0% packet loss" in result.stdout
            after = packets_per_vpn(client, vpn_of)
            other = 2 if vpn_number == 1 else 1
            # 3 requests out and 3 replies in, through this service's VPN ...
            assert after[vpn_number] - before[vpn_number] >= 6, (address, before, after)
            # ... and not one packet through the other VPN.
            assert after[other] == before[other], (address, before, after)
    finally:
        client.stop()
        thredd.stop()


def test_a_psk_on_the_wrong_tunnel_keeps_it_down(namespaces, tmp_path):
    """Each tunnel has its own Thredd address and its own key there: with VPN 2's two PSKs
    swapped on the client, Thredd refuses both of its tunnels, trying only that tunnel's key,
    while VPN 1 comes up beside them."""
    require_strongswan()
    client_ns, thredd_ns = namespaces
    contexts = site_contexts()
    client_files = [
        render_target("swanctl", contexts[0])[0],
        render_target("swanctl", with_psks_swapped(contexts[1]))[0],
    ]
    refusals = [
        f"tried 1 shared key for '{tunnel.thredd_outside_ip}' - '{CLIENT_OUTSIDE}', "
        "but MAC mismatched"
        for tunnel in contexts[1].vpn.tunnels
    ]
    thredd = Charon(tmp_path / "thredd", netns=thredd_ns)
    client = Charon(tmp_path / "client", netns=client_ns)
    try:
        thredd.start()
        load(thredd, tmp_path / "thredd-files", [render_thredd_side(c) for c in contexts])
        client.start()
        load(client, tmp_path / "client-files", client_files)

        def settled():
            """VPN 1 is up, and Thredd has refused both tunnels of VPN 2."""
            ikes = ike_sas(client)
            up = all(
                ikes.get(t.name, {}).get("state") == "ESTABLISHED" for t in contexts[0].vpn.tunnels
            )
            return up and all(refusal in thredd.output() for refusal in refusals)

        wait_for(
            settled,
            timeout=45,
            explain=lambda: (
                "expected VPN 1 up and both tunnels of VPN 2 refused:\n"
                + client.swanctl("--list-sas", check=False).stdout
                + client.output()
                + thredd.output()
            ),
        )
        assert client.output().count("received AUTHENTICATION_FAILED notify error") == 2
        assert not {t.name for t in contexts[1].vpn.tunnels} & ike_sas(client).keys()
        assert ike_sas(thredd).keys() == {
            f"{contexts[0].header.file_stem}-t{t.number}" for t in contexts[0].vpn.tunnels
        }
    finally:
        client.stop()
        thredd.stop()
