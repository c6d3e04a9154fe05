"""The context builder refuses what is not ready and fills in Thredd's defaults."""

from dataclasses import replace
from datetime import datetime

import pytest

from connectivity.catalogue import CATALOGUE
from connectivity.configgen.context import ContextError, build_context
from connectivity.configgen.render import RenderError, render_target, request_contexts
from connectivity.configgen.targets import Kind, target_for_device, targets_of_kind
from tests.configgen.conftest import (
    GENERATED_AT,
    REFERENCE,
    THREDD,
    TUNNEL_VALUES,
    vpn_context,
    vpn_document,
)


def test_every_catalogue_platform_has_a_target():
    assert {t.key for t in targets_of_kind(Kind.VPN)} == {p.key for p in CATALOGUE}
    for platform in CATALOGUE:
        assert target_for_device(platform.vendor, platform.key).platform == platform


def test_defaults_of_reference_section_4():
    vpn = vpn_context(vpn_document()).vpn
    first, second = vpn.tunnels
    assert first.preferred
    assert not second.preferred
    assert first.route_metric < second.route_metric
    assert (first.thredd_inside_ip, first.client_inside_ip) == ("169.254.10.1", "169.254.10.2")
    assert first.phase1.proposals[0].encryption == "AES256"
    assert first.phase1.proposals[0].integrity == "SHA2-256"
    assert first.phase1.proposals[0].dh_group == 14
    assert (first.phase1.lifetime, first.phase2.lifetime) == (28800, 3600)
    assert (vpn.dpd_delay, vpn.dpd_retries, vpn.mtu, vpn.mss) == (10, 3, 1436, 1387)
    # The VPN carries Web Services and EHI, so Portal's range is not routed.
    assert [route.cidr for route in vpn.routes] == ["10.240.1.0/24", "10.240.2.0/24"]
    assert vpn.bgp is None


def test_bgp_block():
    bgp = vpn_context(vpn_document(routing="bgp")).vpn.bgp
    assert (bgp.client_asn, bgp.thredd_asn, bgp.hold_time, bgp.keepalive) == (65010, 64512, 30, 10)


def test_document_with_errors_is_refused_with_its_findings():
    doc = vpn_document()
    broken = replace(doc, sites=(replace(doc.sites[0], name="London; rm -rf /"),))
    with pytest.raises(ContextError) as caught:
        vpn_context(broken)
    assert "site_name_invalid" in {finding.code for finding in caught.value.findings}


def test_bad_tunnel_values_are_refused():
    bad = (replace(TUNNEL_VALUES[0], psk="0starts_with_zero"), TUNNEL_VALUES[1])
    with pytest.raises(ContextError) as caught:
        vpn_context(vpn_document(), tunnel_values=bad)
    assert {finding.code for finding in caught.value.findings} == {"psk_invalid"}


def test_missing_service_range_is_named():
    thredd = replace(THREDD, service_ranges={"web_services": ("10.240.1.0/24",)})
    with pytest.raises(ContextError, match="no range for EHI"):
        vpn_context(vpn_document(), thredd=thredd)


def test_generated_time_is_an_input():
    context = vpn_context(vpn_document())
    assert context.header.generated_at == "2025-01-15T09:30:00Z"
    with pytest.raises(ContextError, match="timezone"):
        build_context(
            vpn_document(),
            thredd=THREDD,
            request_reference=REFERENCE,
            generated_at=datetime(2025, 1, 1),
            site_index=0,
            vpn_index=0,
            tunnel_values=TUNNEL_VALUES,
        )


def test_target_that_cannot_do_bgp_refuses():
    context = vpn_context(vpn_document(routing="bgp"))
    with pytest.raises(RenderError, match="cannot run BGP"):
        render_target("swanctl", context)


def test_request_contexts_give_the_chosen_device_and_same_checksum_twice():
    doc = vpn_document("juniper", "srx")
    contexts = request_contexts(
        doc,
        thredd=THREDD,
        request_reference=REFERENCE,
        generated_at=GENERATED_AT,
        tunnel_values={(0, 0): TUNNEL_VALUES},
    )
    assert list(contexts) == [(0, 0)]
    context = contexts[0, 0]
    (first,) = render_target(context.vpn.device_target, context)
    (again,) = render_target(context.vpn.device_target, context)
    assert first.name == "thr-2025-0042-london-dc1-vpn1-juniper-srx.txt"
    assert first.checksum == again.checksum
