"""Every legacy ipsec.conf + ipsec.secrets the generator writes loads into a real charon.

starter (strongSwan's ipsec.conf parser) reads the rendered ipsec.conf and adds each conn to
charon over the stroke socket; charon's stroke plugin reads the rendered ipsec.secrets. Both
run in private namespaces with private files (see `strongswan.Starter`), so nothing touches
/etc or a daemon of the host. A deliberately broken file must be refused, or the check proves
nothing.

Libreswan's files are not loaded here: Debian's libreswan package conflicts with
strongswan-libcharon and strongswan-starter, which the other configgen tests need.
"""

import os
import re

import pytest

from tests.configgen.cases import CASES
from tests.configgen.strongswan import Starter, require_starter

LEGACY_CASES = [case for case in CASES if case.target_key == "ipsec_conf"]

pytestmark = [
    pytest.mark.tunnel,
    pytest.mark.skipif(os.geteuid() != 0, reason="private network/mount namespaces need root"),
]


def rendered(case) -> tuple[str, str]:
    files = {file.name.rsplit("-", 1)[-1]: file.content for file in case.render()}
    return files["ipsec.conf"], files["ipsec.secrets"]


def client_ip(case) -> str:
    return case.context().vpn.tunnels[0].client_outside_ip


def load(case, directory, *, conf=None, secrets=None) -> tuple[Starter, str, str]:
    """Start starter on the case's files (or replacements); return it, its output, statusall."""
    require_starter()
    good_conf, good_secrets = rendered(case)
    starter = Starter(
        directory,
        good_conf if conf is None else conf,
        good_secrets if secrets is None else secrets,
        client_ip(case),
    ).start()
    try:
        starter.wait_loaded()
        status = starter.stroke("statusall").stdout if starter.process.poll() is None else ""
        return starter, starter.output(), status
    finally:
        starter.stop()


def test_every_ipsec_conf_case_is_checked():
    assert {(case.ike_version, case.routing) for case in LEGACY_CASES} == {
        (2, "static"),
        (1, "static"),
    }


@pytest.mark.parametrize("case", LEGACY_CASES, ids=lambda case: case.name)
def test_ipsec_conf_and_secrets_load(case, tmp_path):
    _, output, status = load(case, tmp_path)
    assert "parsing error" not in output, output  # starter: unknown keywords, bad values
    assert "unknown keyword" not in output, output
    tunnels = case.context().vpn.tunnels
    assert len(tunnels) == 2
    for tunnel in tunnels:
        name = f"thredd-vpn{case.context().vpn.number}-t{tunnel.number}"
        assert f"added configuration '{name}'" in output, output
        assert (
            f"loaded IKE secret for {tunnel.client_outside_ip} {tunnel.thredd_outside_ip}" in output
        ), output
        # statusall: the conn, its version, both identities and the traffic selectors.
        assert re.search(
            rf"(?m)^{name}:\s+\S+\.\.\.{re.escape(tunnel.thredd_outside_ip)}\s+"
            rf"IKEv{case.ike_version}",
            status,
        ), status
        assert f"{name}:   local:  [{tunnel.client_outside_ip}] uses pre-shared key" in status
        assert f"{name}:   remote: [{tunnel.thredd_outside_ip}] uses pre-shared key" in status
        # One selector pair (AWS takes one SA pair per tunnel): Thredd's ranges summarised.
        assert f"{name}:   child:  10.20.30.0/24 === 10.240.0.0/22 TUNNEL" in status, status
    refusals = re.findall(r"(?m)^.*\[CFG\].*(?:invalid|failed|malformed|skipped).*$", output)
    assert not refusals, output


BREAKAGES = {
    # A keyword starter does not know: it is dropped with a "parsing error", never applied.
    "unknown-keyword": (r"(?m)^    dpdaction=restart$", "    dpdaction=restart\n    bogus=1"),
    # A proposal charon cannot build: the conn is refused.
    "bad-proposal": (r"(?m)^    ike=aes256-sha256-", "    ike=aes256-sha999-"),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=str)
def test_broken_ipsec_conf_is_refused(breakage, tmp_path):
    (case,) = (case for case in LEGACY_CASES if case.ike_version == 2)
    conf, _ = rendered(case)
    pattern, replacement = BREAKAGES[breakage]
    broken, count = re.subn(pattern, replacement, conf, count=1)
    assert count == 1, "the golden ipsec.conf changed: update the breakage"
    _, output, status = load(case, tmp_path, conf=broken)
    if breakage == "unknown-keyword":
        assert "unknown keyword 'bogus'" in output, output
        assert "1 parsing error" in output, output
    else:
        assert "skipped invalid proposal string: aes256-sha999-modp2048" in output, output
        assert "added configuration 'thredd-vpn1-t1'" not in output, output
        assert not re.search(r"(?m)^thredd-vpn1-t1:", status), status
        assert "added configuration 'thredd-vpn1-t2'" in output, output  # the good one loads


def test_broken_ipsec_secrets_is_refused(tmp_path):
    (case,) = (case for case in LEGACY_CASES if case.ike_version == 2)
    _, secrets = rendered(case)
    broken = secrets.replace('"\n', "\n", 1)  # the first PSK loses its closing quote
    assert broken != secrets
    _, output, _ = load(case, tmp_path, secrets=broken)
    assert "malformed secret: missing second delimiter" in output, output
    assert "loaded IKE secret" not in output, output  # charon drops the whole file
