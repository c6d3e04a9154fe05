"""Every choice the form accepts renders, and every other is refused: one capability table.

For each device platform, each IKE version, each phase and each algorithm or DH group AWS
accepts, one tunnel answer differs from a choice the platform takes. The rules must accept it
exactly when every file of the platform's target (and Thredd's side) renders it, and refuse
it otherwise with a finding that names the device and what it supports. Rendering refuses
by the same table, so the proof that matters is the other way: every accepted choice has a
keyword in every template the device gets. Which of the accepted
ones negotiate is proven with real tunnels for strongSwan in `test_tunnel_variants` (each IKE
version with AES-CBC and AES-GCM).
"""

from dataclasses import replace

import pytest

from connectivity import constants as limits
from connectivity.catalogue import CATALOGUE
from connectivity.configgen.context import tunnel_phase
from connectivity.configgen.render import RenderError, render_target
from connectivity.configgen.targets import target_for_device
from connectivity.document import Tunnel
from connectivity.findings import has_errors
from connectivity.rules import validate_document
from tests.configgen.conftest import device_tunnels, vpn_context, vpn_document

AWS_VALUES = {
    "encryption": limits.ENCRYPTION_ALGORITHMS,
    "integrity": limits.INTEGRITY_ALGORITHMS,
    "dh_groups": {1: sorted(limits.PHASE1_DH_GROUPS), 2: sorted(limits.PHASE2_DH_GROUPS)},
}

AWS_KEYS = [f"phase{phase}_{name}" for phase in (1, 2) for name in AWS_VALUES]


def variants():
    for platform in CATALOGUE:
        for ike_version in (1, 2):
            for phase in (1, 2):
                for name, values in AWS_VALUES.items():
                    for value in values[phase] if name == "dh_groups" else values:
                        yield pytest.param(
                            platform,
                            ike_version,
                            f"phase{phase}_{name}",
                            value,
                            id=f"{platform.key}-ikev{ike_version}-p{phase}-{name}-{value}",
                        )


def document(platform, ike_version, key, value):
    """The platform's request with every tunnel answer supported, but `key` set to `value`."""
    given = device_tunnels(platform.key, ike_version if ike_version in platform.ike else 2)
    answers = (dict(given[0]) if given else {}) | {key: [value]}
    routing = "static" if platform.static else "bgp"
    return vpn_document(
        platform.vendor, platform.key, ike_version=ike_version, routing=routing,
        tunnels=[answers, answers],
    )  # fmt: skip


def renders(platform, ike_version, answers) -> bool:
    """Whether every file of the platform's target, and Thredd's side, renders `answers`;
    the context is built from an accepted request and the answers put in afterwards, so
    rendering is judged on its own."""
    good = vpn_context(
        vpn_document(
            platform.vendor,
            platform.key,
            ike_version=2,
            routing="static" if platform.static else "bgp",
        )
    )
    tunnel = Tunnel(**{key: tuple(value) for key, value in answers.items()})
    tunnels = tuple(
        replace(t, phase1=tunnel_phase(tunnel, 1), phase2=tunnel_phase(tunnel, 2))
        for t in good.vpn.tunnels
    )
    context = replace(
        good,
        vpn=replace(good.vpn, ike_version=ike_version, ikev1=ike_version == 1, tunnels=tunnels),
    )
    try:
        for key in (target_for_device(platform.vendor, platform.key).key, "thredd_swanctl"):
            render_target(key, context)
    except RenderError:
        return False
    return True


@pytest.mark.parametrize(("platform", "ike_version", "key", "value"), list(variants()))
def test_rules_accept_exactly_what_renders(platform, ike_version, key, value):
    doc = document(platform, ike_version, key, value)
    findings = validate_document(doc, thredd_asn=64512)
    accepted = not has_errors(findings)
    tunnel = doc.sites[0].vpns[0].tunnels[0]
    answers = {
        name: getattr(tunnel, name) for name in AWS_KEYS if getattr(tunnel, name) is not None
    }
    assert renders(platform, ike_version, answers) == accepted, findings
    row = platform.ike.get(ike_version)
    phase, name = int(key[5]), key.split("_", 1)[1]
    assert accepted == (row is not None and value in row.allowed(phase, name)), findings
    if not accepted:
        (message,) = {finding.message for finding in findings if finding.severity == "error"}
        assert platform.vendor_label in message, message
        if row is not None:  # it says what the device supports instead
            assert "choose from" in message, message


@pytest.mark.parametrize(
    ("vendor", "platform", "ike_version", "tunnel", "named"),
    [
        # REFERENCE's examples of what a device or IKE version cannot carry.
        ("mikrotik", "routeros", 2, {"phase1_encryption": ["AES256-GCM-16"]}, "RouterOS"),
        ("cisco", "asa", 2, {"phase1_dh_groups": [18]}, "ASA"),
        ("strongswan", "swanctl", 1, {"phase1_encryption": ["AES128-GCM-16"]}, "IKEv1"),
        ("cisco", "asa_vti", 1, {}, "SHA2-256"),  # ASA's IKEv1 has no SHA-2 (the default)
    ],
)
def test_examples_are_refused_with_advice(vendor, platform, ike_version, tunnel, named):
    doc = vpn_document(
        vendor, platform, ike_version=ike_version, tunnels=[tunnel] if tunnel else []
    )
    errors = [f for f in validate_document(doc, thredd_asn=64512) if f.severity == "error"]
    assert errors, "accepted"
    assert all(named in f.message and "choose from" in f.message for f in errors), errors
