"""Libreswan's own tools check the Libreswan files: `addconn --checkconfig` and `algparse`.

Debian's libreswan conflicts with the strongSwan packages the other tests need, so each
version's Debian package is fetched with `apt-get download` and unpacked with `dpkg-deb -x`
into a cache under var/, and its tools run from there:
- Libreswan 4.10 is Debian 12's own package (4.x is what Debian 12 and RHEL 9 ship);
- Libreswan 5.2 is Debian 13's ("trixie"), fetched through apt with a private sources list and
  package lists under the cache (nothing of the machine's apt set-up changes). Its tools run
  on Debian 12: they need nothing newer than Debian 12's C library.
A version skips only when its package cannot be downloaded at all.
"""

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from connectivity.configgen.render import render_target
from tests.configgen.conftest import vpn_context, vpn_document

CACHE = Path(__file__).resolve().parents[2] / "var" / "cache"
GCM = {"phase1_encryption": ["AES256-GCM-16"], "phase2_encryption": ["AES128-GCM-16"]}
CHOICES = {
    "cbc": {},
    "gcm": GCM,
    "sha512-ecp": {"phase1_integrity": ["SHA2-512"], "phase2_dh_groups": [21]},
}
# Each catalogue target, the Debian suite whose package checks it (None: the machine's own).
VERSIONS = {"libreswan4": None, "libreswan": "trixie"}


def _apt_options(cache: Path, suite: str | None) -> list[str]:
    """apt options reading `suite` from a private sources list and lists folder in `cache`."""
    if suite is None:
        return []
    lists = cache / "lists"
    (lists / "partial").mkdir(parents=True, exist_ok=True)
    sources = cache / "sources.list"
    sources.write_text(f"deb http://deb.debian.org/debian {suite} main\n")
    return [
        f"-oDir::Etc::sourcelist={sources}",
        "-oDir::Etc::sourceparts=/dev/null",
        f"-oDir::State::Lists={lists}",
    ]


def _libexec(target: str) -> Path:
    """The /usr/libexec/ipsec of the Libreswan that checks `target`'s file, unpacked."""
    suite = VERSIONS[target]
    cache = CACHE / ("libreswan5" if suite else "libreswan")
    tools = cache / "root" / "usr" / "libexec" / "ipsec"
    if (tools / "addconn").exists():
        return tools
    cache.mkdir(parents=True, exist_ok=True)
    if shutil.which("apt-get") is None:
        pytest.skip("no apt-get to download Debian's libreswan package")
    options = _apt_options(cache, suite)
    steps = ([["apt-get", *options, "update"]] if suite else []) + [
        ["apt-get", *options, "download", "libreswan"]
    ]
    for step in steps:
        done = subprocess.run(step, cwd=cache, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"Debian's libreswan package cannot be downloaded: {done.stderr}")
    packages = sorted(cache.glob("libreswan_*.deb"))
    if not packages:
        pytest.skip("apt-get download left no libreswan package")
    subprocess.run(["dpkg-deb", "-x", str(packages[-1]), str(cache / "root")], check=True)
    return tools


@pytest.fixture(scope="module")
def libexec() -> Path:
    """Libreswan 4.x's tools: Debian 12's package."""
    return _libexec("libreswan4")


@pytest.fixture(scope="module")
def libexec5() -> Path:
    """Libreswan 5.x's tools: Debian 13's package."""
    return _libexec("libreswan")


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


@pytest.mark.parametrize("nat", [False, True], ids=["public", "behind-nat"])
@pytest.mark.parametrize("choice", CHOICES)
def test_libreswan5_file_passes_addconn_and_algparse(libexec5, tmp_path, choice, nat):
    # The unpacked package is a 5.x one (its tools print no version without pluto's libraries).
    assert sorted(libexec5.parents[3].glob("libreswan_5.*.deb")), libexec5
    behind = {"client_local_ip": "10.0.1.15", "behind_nat": True} if nat else {}
    conf, secrets = rendered("libreswan", CHOICES[choice], **behind)
    result = check(libexec5, tmp_path, conf)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "keyexchange=ikev2" in conf
    assert ("left=10.0.1.15\n" in conf) == nat
    assert conf.count("leftsubnet=10.20.30.0/24\n") == 2
    assert "subnets=" not in conf
    for proposal in re.findall(r"(?m)^    ((?:ike|esp)=\S+)$", conf):
        parsed = subprocess.run(
            [libexec5 / "algparse", "-v2", proposal], capture_output=True, text=True, timeout=60
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
