"""Libreswan's own tools check the Libreswan files: `addconn --checkconfig` and `algparse`.

Debian's libreswan conflicts with the strongSwan packages the other tests need, so the test
downloads Debian 12's package (Libreswan 4.10, what Debian 12 and RHEL 9 ship) with
`apt-get download` and unpacks it with `dpkg-deb -x` into a cache under var/, running its
tools from there. It skips only when the package cannot be downloaded at all. No Libreswan
5 package exists for Debian 12: the 5.x file is checked by the same 4.x tools only to show
that its syntax is 5's (4.x refuses "keyexchange=ikev2", which 5 requires).
"""

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from connectivity.configgen.render import render_target
from tests.configgen.conftest import vpn_context, vpn_document

CACHE = Path(__file__).resolve().parents[2] / "var" / "cache" / "libreswan"
GCM = {"phase1_encryption": ["AES256-GCM-16"], "phase2_encryption": ["AES128-GCM-16"]}
CHOICES = {
    "cbc": {},
    "gcm": GCM,
    "sha512-ecp": {"phase1_integrity": ["SHA2-512"], "phase2_dh_groups": [21]},
}


@pytest.fixture(scope="module")
def libexec() -> Path:
    """Libreswan 4.x's /usr/libexec/ipsec, from Debian's package unpacked into the cache."""
    tools = CACHE / "root" / "usr" / "libexec" / "ipsec"
    if not (tools / "addconn").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        if shutil.which("apt-get") is None:
            pytest.skip("no apt-get to download Debian's libreswan package")
        download = subprocess.run(
            ["apt-get", "download", "libreswan"],
            cwd=CACHE,
            capture_output=True,
            text=True,
            timeout=300,
        )
        packages = sorted(CACHE.glob("libreswan_*.deb"))
        if download.returncode != 0 or not packages:
            pytest.skip(f"Debian's libreswan package cannot be downloaded: {download.stderr}")
        subprocess.run(
            ["dpkg-deb", "-x", str(packages[-1]), str(CACHE / "root")], check=True, timeout=120
        )
    return tools


def rendered(target: str, tunnel: dict, **vpn) -> tuple[str, str]:
    doc = vpn_document("libreswan", target, tunnels=[tunnel, tunnel] if tunnel else None)
    context = vpn_context(doc)
    conf, secrets = render_target(target, replace(context, vpn=replace(context.vpn, **vpn)))
    return conf.content, secrets.content


def check(libexec: Path, directory: Path, conf: str) -> subprocess.CompletedProcess:
    (directory / "thredd.conf").write_text(conf)
    (directory / "ipsec.conf").write_text(f"config setup\n\ninclude {directory}/thredd.conf\n")
    return subprocess.run(
        [libexec / "addconn", "--checkconfig", "--config", str(directory / "ipsec.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("nat", [False, True], ids=["public", "behind-nat"])
@pytest.mark.parametrize("choice", CHOICES)
def test_libreswan4_file_passes_addconn_and_algparse(libexec, tmp_path, choice, nat):
    behind = {"client_local_ip": "10.0.1.15", "behind_nat": True} if nat else {}
    conf, secrets = rendered("libreswan4", CHOICES[choice], **behind)
    result = check(libexec, tmp_path, conf)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ikev2=insist" in conf
    assert ("left=10.0.1.15\n" in conf) == nat
    assert conf.count("leftid=81.2.69.160\n") == 2
    # One selector pair per tunnel (AWS takes one SA pair), never leftsubnets=.
    assert conf.count("leftsubnet=10.20.30.0/24\n") == 2
    assert conf.count("rightsubnet=10.240.0.0/22\n") == 2
    assert "subnets=" not in conf
    # Every ike= and esp= proposal is one Libreswan's parser knows.
    proposals = re.findall(r"(?m)^    ((?:ike|esp)=\S+)$", conf)
    assert len(proposals) == 4
    for proposal in proposals:
        parsed = subprocess.run(
            [libexec / "algparse", "-v2", proposal], capture_output=True, text=True, timeout=60
        )
        assert parsed.returncode == 0, parsed.stdout + parsed.stderr
        assert "ERROR" not in parsed.stdout + parsed.stderr, parsed.stdout
    assert len(re.findall(r'(?m)^81\.2\.69\.160 \S+ : PSK "', secrets)) == 2


def test_checker_refuses_what_libreswan4_does_not_take(libexec, tmp_path):
    """The 5.x file says keyexchange=ikev2, which 4.x refuses: each version has its own."""
    conf, _ = rendered("libreswan", {})
    result = check(libexec, tmp_path, conf)
    assert result.returncode != 0
    assert "keyword keyexchange, invalid value: ikev2" in result.stdout + result.stderr
    assert "keyexchange=ikev2" in conf
    assert "ikev2=insist" not in conf
