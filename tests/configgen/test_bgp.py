"""BGP for a Linux client: the swanctl_frr files and Thredd's FRR side, proven with FRR itself.

Route-based strongSwan needs XFRM interfaces (or VTIs) in the kernel; this kernel has neither
(and no kernel ESP: the tunnel tests run IPsec in user space with kernel-libipsec, which has
no if_id and no interface per SA). `test_kernel_has_no_xfrm_interfaces` records that, so it
fails (and asks for the real thing) on a kernel that has them. What the kernel cannot carry
is proven apart:

- the swanctl.conf files (client and Thredd's, route-based, with if_id) load into charon;
- both frr.conf files pass FRR's own parser (`vtysh --dryrun`);
- Debian's FRR (zebra and bgpd) runs the generated files in the client's and Thredd's
  namespaces, over two links named and addressed as the XFRM interfaces script does: they
  peer on the tunnels' inside addresses, learn the client's subnets and Thredd's ranges,
  prefer tunnel 1 both ways (the client by local preference, Thredd because the client
  prepends its ASN on tunnel 2), and fail over to tunnel 2 when tunnel 1 goes down.
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from connectivity.configgen.render import render_target
from tests.configgen.conftest import production_site_document, site_vpn_contexts
from tests.configgen.strongswan import Charon, require_strongswan
from tests.configgen.test_tunnel import run, wait_for

ZEBRA, BGPD, VTYSH = "/usr/lib/frr/zebra", "/usr/lib/frr/bgpd", "/usr/bin/vtysh"
FRR_RUN = Path("/var/run/frr")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")


def require_frr() -> None:
    """Fail (never skip) when FRR is missing: CI must install it."""
    missing = [path for path in (ZEBRA, BGPD, VTYSH) if not Path(path).exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: apt-get install frr")


def bgp_contexts():
    """VPN 1 and VPN 2 of a production site on one Linux device, routed by BGP."""
    return site_vpn_contexts(production_site_document("strongswan", "swanctl_frr", routing="bgp"))


def client_files(context) -> dict[str, str]:
    """The swanctl_frr target's files of one VPN, by their last name part."""
    return {
        file.name.rsplit("-", 1)[-1]: file.content for file in render_target("swanctl_frr", context)
    }


def thredd_frr(context) -> str:
    (file,) = render_target("thredd_frr", context)
    return file.content


def test_kernel_has_no_xfrm_interfaces():
    """Why BGP is not run over real tunnels here: the kernel refuses an XFRM interface (and a
    VTI), which route-based strongSwan needs; kernel-libipsec has neither."""
    ns = f"h14x-{os.getpid()}"
    run("ip", "netns", "add", ns)
    try:
        results = [
            subprocess.run(
                ["ip", "-n", ns, "link", "add", "name", "thredd-probe", "type", *kind],
                capture_output=True,
                text=True,
                timeout=30,
            )
            for kind in (
                ("xfrm", "dev", "lo", "if_id", "11"),
                ("vti", "local", "198.18.0.2", "remote", "198.19.0.1", "key", "11"),
            )
        ]
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
    refused = [result for result in results if result.returncode != 0]
    assert len(refused) == 2, (
        "This kernel has XFRM interfaces or VTIs now: bring BGP up over real tunnels instead."
    )
    assert all("Unknown device type" in result.stderr for result in refused), results


def test_route_based_swanctl_files_load_with_if_id(tmp_path):
    require_strongswan()
    context, _ = bgp_contexts()
    charon = Charon(tmp_path / "charon").start()
    try:
        for side, text in (
            ("client", client_files(context)["swanctl.conf"]),
            ("thredd", render_target("thredd_swanctl", context)[0].content),
        ):
            path = tmp_path / f"{side}.conf"
            path.write_text(text)
            assert "successfully loaded 2 connections" in charon.load(path).stdout
            listed = charon.swanctl("--list-conns").stdout
            assert listed.count("local:  0.0.0.0/0") == 2, listed
            assert listed.count("remote: 0.0.0.0/0") == 2, listed
        # The XFRM interfaces the script creates are the ones the if_ids select.
        script = client_files(context)["interfaces.sh"]
        for tunnel in context.vpn.tunnels:
            assert f"if_id_in = {tunnel.unit}" in client_files(context)["swanctl.conf"]
            assert f"ip link add {tunnel.name} type xfrm dev " in script
            assert f" if_id {tunnel.unit}\n" in script
            assert f"ip addr add {tunnel.client_inside_ip}/30 dev {tunnel.name}" in script
    finally:
        charon.stop()


@pytest.mark.parametrize("side", ["client", "thredd"])
def test_frr_files_pass_frrs_parser(side, tmp_path):
    require_frr()
    for context in bgp_contexts():
        text = client_files(context)["frr.conf"] if side == "client" else thredd_frr(context)
        path = tmp_path / f"{side}-vpn{context.vpn.number}.conf"
        path.write_text(text)
        result = subprocess.run(
            [VTYSH, "--dryrun", "-f", str(path)], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr
    # The parser does refuse: one misspelt keyword fails the file.
    path.write_text(text.replace(" neighbor ", " neighbour ", 1))
    result = subprocess.run(
        [VTYSH, "--dryrun", "-f", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "Unknown command" in result.stdout + result.stderr


class Frr:
    """zebra and bgpd in one network namespace, on their own FRR pathspace (`-N`)."""

    def __init__(self, name: str, netns: str, bgpd_conf: str) -> None:
        self.name, self.netns = name, netns
        # The daemons drop to the frr user: their files live in their own run directory.
        self.run_dir = FRR_RUN / name
        self.run_dir.mkdir(parents=True)
        (self.run_dir / "zebra.conf").write_text("")
        (self.run_dir / "bgpd.conf").write_text(bgpd_conf)
        (self.run_dir / name).mkdir()
        (self.run_dir / name / "vtysh.conf").write_text("")
        for path in (self.run_dir, *self.run_dir.iterdir()):
            shutil.chown(path, "frr", "frr")

    def start(self) -> "Frr":
        for daemon, conf in ((ZEBRA, "zebra.conf"), (BGPD, "bgpd.conf")):
            run(
                "ip", "netns", "exec", self.netns, daemon, "-d", "-N", self.name,
                "-f", str(self.run_dir / conf),
            )  # fmt: skip
        return self

    def show(self, command: str):
        result = subprocess.run(
            [VTYSH, "--config_dir", str(self.run_dir), "-N", self.name, "-c", command],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return json.loads(result.stdout) if command.endswith(" json") else result.stdout

    def stop(self) -> None:
        for pid_file in ("bgpd.pid", "zebra.pid"):
            path = self.run_dir / pid_file
            if path.exists():
                subprocess.run(["kill", path.read_text().strip()], check=False)
        time.sleep(0.5)
        shutil.rmtree(self.run_dir, ignore_errors=True)


def best_next_hop(frr: Frr, prefix: str) -> str | None:
    """The next hop of the best BGP path to `prefix`, or None when there is none."""
    paths = frr.show(f"show bgp ipv4 unicast {prefix} json").get("paths", [])
    for path in paths:
        if path.get("bestpath", {}).get("overall"):
            return path["nexthops"][0]["ip"]
    return None


def kernel_route(netns: str, address: str) -> str:
    return subprocess.run(
        ["ip", "-n", netns, "route", "get", address], capture_output=True, text=True, timeout=30
    ).stdout


def test_frr_peers_over_both_tunnels_prefers_tunnel_1_and_fails_over():
    require_frr()
    context, _ = bgp_contexts()
    vpn = context.vpn
    first, second = vpn.tunnels
    tag = os.getpid() % 100000
    client_ns, thredd_ns = f"h14bc-{tag}", f"h14bt-{tag}"
    frrs = []
    try:
        for ns in (client_ns, thredd_ns):
            run("ip", "netns", "add", ns)
            run("ip", "-n", ns, "link", "set", "lo", "up")
        # One link per tunnel, named and addressed as the XFRM interfaces script does.
        for tunnel in vpn.tunnels:
            run("ip", "link", "add", tunnel.name, "netns", client_ns, "type", "veth", "peer",
                "name", f"thr{tunnel.unit}", "netns", thredd_ns)  # fmt: skip
            run("ip", "-n", client_ns, "addr", "add", f"{tunnel.client_inside_ip}/30", "dev",
                tunnel.name)  # fmt: skip
            run("ip", "-n", thredd_ns, "addr", "add", f"{tunnel.thredd_inside_ip}/30", "dev",
                f"thr{tunnel.unit}")  # fmt: skip
            run("ip", "-n", client_ns, "link", "set", tunnel.name, "mtu", str(vpn.mtu), "up")
            run("ip", "-n", thredd_ns, "link", "set", f"thr{tunnel.unit}", "up")
        # The client's subnet on its LAN; Thredd's ranges of this VPN on its side.
        run("ip", "-n", client_ns, "addr", "add", "10.20.30.1/24", "dev", "lo")
        for route in vpn.routes:
            host = route.address.rsplit(".", 1)[0] + ".1"
            run("ip", "-n", thredd_ns, "addr", "add", f"{host}/{route.prefixlen}", "dev", "lo")
        client = Frr(f"thredd-c{tag}", client_ns, client_files(context)["frr.conf"])
        frrs.append(client)
        thredd = Frr(f"thredd-t{tag}", thredd_ns, thredd_frr(context))
        frrs.append(thredd)
        client.start(), thredd.start()

        def settled(tunnel):
            return (
                all(best_next_hop(client, r.cidr) == tunnel.thredd_inside_ip for r in vpn.routes)
                and best_next_hop(thredd, "10.20.30.0/24") == tunnel.client_inside_ip
            )

        def explain():
            return (
                client.show("show bgp summary")
                + client.show("show bgp ipv4 unicast")
                + thredd.show("show bgp ipv4 unicast")
            )

        wait_for(
            lambda: (
                settled(first)
                and all(
                    peer["state"] == "Established"
                    for peer in client.show("show bgp summary json")["ipv4Unicast"][
                        "peers"
                    ].values()
                )
            ),
            timeout=60,
            explain=explain,
        )
        # Both sessions up; each side learned the other's networks on both tunnels ...
        for route in vpn.routes:
            paths = client.show(f"show bgp ipv4 unicast {route.cidr} json")["paths"]
            assert {p["nexthops"][0]["ip"] for p in paths} == {
                t.thredd_inside_ip for t in vpn.tunnels
            }
            # ... the client prefers tunnel 1 by local preference ...
            assert {p["nexthops"][0]["ip"]: p["locPrf"] for p in paths} == {
                t.thredd_inside_ip: t.bgp_local_preference for t in vpn.tunnels
            }
            assert f"dev {first.name}" in kernel_route(client_ns, route.address)
        # ... and Thredd, which sets no preference of its own (as AWS), prefers tunnel 1 since
        # the client's tunnel 2 advertisement carries its ASN prepended twice.
        paths = thredd.show("show bgp ipv4 unicast 10.20.30.0/24 json")["paths"]
        as_paths = {p["nexthops"][0]["ip"]: p["aspath"]["string"] for p in paths}
        client_asn = str(vpn.bgp.client_asn)
        assert as_paths == {
            first.client_inside_ip: client_asn,
            second.client_inside_ip: " ".join([client_asn] * 3),
        }
        assert f"dev thr{first.unit}" in kernel_route(thredd_ns, "10.20.30.1")
        assert "10.240.3.0/24" not in client.show("show bgp ipv4 unicast")  # VPN 2's range

        # Tunnel 1 goes down: both sides move to tunnel 2.
        run("ip", "-n", client_ns, "link", "set", first.name, "down")
        wait_for(lambda: settled(second), timeout=60, explain=explain)
        for route in vpn.routes:
            assert f"dev {second.name}" in kernel_route(client_ns, route.address)
        assert f"dev thr{second.unit}" in kernel_route(thredd_ns, "10.20.30.1")
    finally:
        for frr in frrs:
            frr.stop()
        for ns in (client_ns, thredd_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
