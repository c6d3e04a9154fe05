"""Every swanctl.conf the generator writes loads into a real charon."""

import pytest

from tests.configgen.cases import CASES
from tests.configgen.strongswan import Charon, require_strongswan

SWANCTL_CASES = [case for case in CASES if case.target_key in ("swanctl", "thredd_swanctl")]


@pytest.fixture(scope="module")
def charon(tmp_path_factory):
    require_strongswan()
    daemon = Charon(tmp_path_factory.mktemp("charon")).start()
    yield daemon
    daemon.stop()


@pytest.mark.parametrize("case", SWANCTL_CASES, ids=lambda case: case.name)
def test_swanctl_file_loads(case, charon, tmp_path):
    (file,) = case.render()
    path = tmp_path / "swanctl.conf"
    path.write_text(file.content)
    result = charon.load(path)
    assert "successfully loaded 2 connections" in result.stdout, result.stdout
    context = case.context()
    # Thredd's one charon answers every client: its names carry the request, site and VPN.
    name = (
        f"{context.header.file_stem}-t1"
        if case.target_key == "thredd_swanctl"
        else "thredd-vpn1-t1"
    )
    assert f"loaded ike secret 'ike-{name}'" in result.stdout, result.stdout
    listed = charon.swanctl("--list-conns").stdout
    assert f"{name}: IKEv{case.ike_version}" in listed, listed
    (tunnel,) = (t for t in context.vpn.tunnels if t.number == 1)
    assert tunnel.thredd_outside_ip in listed
    assert tunnel.client_outside_ip in listed
