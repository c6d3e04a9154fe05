"""A real tunnel: the client's generated swanctl.conf against Thredd's side, across namespaces.

Two network namespaces joined by a veth pair stand for the client and Thredd; each side has two
"internet" addresses (198.18.0.0/15, the benchmarking range, private to the namespaces), a
client subnet address or a Thredd service address, and its own charon. Both tunnels of the VPN
must come up and a ping from the client subnet must reach Thredd's service through them.
"""

import os
import subprocess
import time
from dataclasses import replace

import pytest

from connectivity.configgen.render import render_target, render_thredd_side
from tests.configgen.conftest import THREDD, vpn_context, vpn_document
from tests.configgen.strongswan import Charon, require_strongswan

CLIENT_OUTSIDE = "198.18.0.2"  # the client's one public IP; both tunnels start here
THREDD_OUTSIDE = ("198.19.0.1", "198.19.0.2")  # Thredd's two gateways
CLIENT_ADDRESS = "10.20.30.1"
THREDD_SERVICE = "10.240.1.10"
# charon installs a route per policy with a local source address, so Thredd's namespace needs
# an address in every range the VPN carries (Web Services and EHI).
THREDD_ADDRESSES = (f"{THREDD_SERVICE}/32", "10.240.2.10/32")

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
        for ns, link, addresses, local in (
            (client, f"{veth}c", [f"{CLIENT_OUTSIDE}/15"], [f"{CLIENT_ADDRESS}/32"]),
            (thredd, f"{veth}t", [f"{ip}/15" for ip in THREDD_OUTSIDE], THREDD_ADDRESSES),
        ):
            for address in addresses:
                run("ip", "-n", ns, "addr", "add", address, "dev", link)
            for address in local:
                run("ip", "-n", ns, "addr", "add", address, "dev", "lo")
            run("ip", "-n", ns, "link", "set", "lo", "up")
            run("ip", "-n", ns, "link", "set", link, "up")
        yield client, thredd
    finally:
        for ns in (client, thredd):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


def wait_for(predicate, *, timeout: float, explain) -> None:
    """Poll `predicate`; on timeout fail with what `explain()` says then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    pytest.fail(explain())


def test_both_tunnels_come_up_and_carry_traffic(namespaces, tmp_path):
    require_strongswan()
    client_ns, thredd_ns = namespaces
    # The peer IP is a benchmarking address, which the rules rightly refuse for a real request;
    # the context is built from the valid document and the addresses are swapped in after.
    context = vpn_context(
        vpn_document("strongswan", "swanctl"), thredd=replace(THREDD, gateway_ips=THREDD_OUTSIDE)
    )
    context = replace(
        context,
        vpn=replace(
            context.vpn,
            client_outside_ip=CLIENT_OUTSIDE,
            tunnels=tuple(
                replace(tunnel, client_outside_ip=CLIENT_OUTSIDE) for tunnel in context.vpn.tunnels
            ),
        ),
    )
    (client_file,) = render_target("swanctl", context)
    thredd_file = render_thredd_side(context)
    (tmp_path / "client.conf").write_text(client_file.content)
    (tmp_path / "thredd.conf").write_text(thredd_file.content)

    thredd_charon = Charon(tmp_path / "thredd", netns=thredd_ns)
    client_charon = Charon(tmp_path / "client", netns=client_ns)
    try:
        thredd_charon.start().load(tmp_path / "thredd.conf")
        client_charon.start().load(tmp_path / "client.conf")  # start_action = start initiates

        def both_up():
            sas = client_charon.swanctl("--list-sas", check=False).stdout
            return sas.count("ESTABLISHED") == 2 and sas.count("INSTALLED") == 2

        wait_for(
            both_up,
            timeout=30,
            explain=lambda: (
                "both tunnels did not come up:\n"
                + client_charon.swanctl("--list-sas", check=False).stdout
                + client_charon.output()
                + thredd_charon.output()
            ),
        )
        sas = client_charon.swanctl("--list-sas").stdout
        for tunnel in context.vpn.tunnels:
            assert f"thredd-vpn1-t{tunnel.number}: #" in sas
            assert tunnel.thredd_outside_ip in sas

        ping = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                client_ns,
                "ping",
                "-c",
                "3",
                "-W",
                "2",
                "-I",
                CLIENT_ADDRESS,
                THREDD_SERVICE,
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert ping.returncode == 0, ping.stdout + ping.stderr
        assert " 0% packet loss" in ping.stdout
    finally:
        client_charon.stop()
        thredd_charon.stop()
