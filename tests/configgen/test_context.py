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
    PEERING_ATTACHMENT_ID,
    REFERENCE,
    THREDD,
    TUNNEL_VALUES,
    production_site_document,
    site_context,
    site_vpn_contexts,
    tgw_document,
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


def test_a_tunnel_without_its_aws_address_is_not_ready():
    """AWS gives each tunnel its address when it creates the VPN connection; before, no file."""
    waiting = (TUNNEL_VALUES[0], replace(TUNNEL_VALUES[1], thredd_outside_ip=""))
    with pytest.raises(
        ContextError, match=r"^Thredd's AWS side of VPN 1 is not recorded yet: tunnel 2"
    ):
        vpn_context(vpn_document(), tunnel_values=waiting)


@pytest.mark.parametrize(
    ("address", "problem"),
    [("52.56.10.10", "Both tunnels of VPN 1"), ("52.56.10.300", "not an IPv4 address")],
)
def test_a_tunnels_aws_address_must_be_its_own(address, problem):
    """Each tunnel of an AWS VPN connection ends on its own address: a shared one is a mistake."""
    wrong = (TUNNEL_VALUES[0], replace(TUNNEL_VALUES[1], thredd_outside_ip=address))
    with pytest.raises(ContextError, match=problem):
        vpn_context(vpn_document(), tunnel_values=wrong)


def test_each_tunnel_takes_its_own_aws_address_and_device_names():
    first, second = site_vpn_contexts(production_site_document())
    assert [t.thredd_outside_ip for t in first.vpn.tunnels] == ["52.56.10.10", "52.56.20.20"]
    assert [t.thredd_outside_ip for t in second.vpn.tunnels] == ["52.56.30.30", "52.56.40.40"]
    assert second.vpn.name == "thredd-vpn2"
    assert [(t.name, t.unit) for t in second.vpn.tunnels] == [
        ("thredd-vpn2-t1", 21),
        ("thredd-vpn2-t2", 22),
    ]


def test_a_tgw_site_waits_for_its_peering_attachment():
    with pytest.raises(ContextError, match="the peering attachment has not been created yet"):
        site_context(tgw_document(), peering_attachment_id="")
    with pytest.raises(ContextError, match="tgw-attach- and 17 lowercase hex digits"):
        site_context(tgw_document(), peering_attachment_id="tgw-attach-REPLACE_ME")
    tgw = site_context(tgw_document()).tgw
    assert tgw.peering_attachment_id == PEERING_ATTACHMENT_ID
    # Both attachments ride the one peering attachment: every range of the site, once.
    assert [route.cidr for route in tgw.routes] == [
        "10.240.1.0/24",
        "10.240.2.0/24",
        "10.240.3.0/24",
    ]


def test_request_contexts_give_each_tgw_site_its_peering_attachment():
    contexts = request_contexts(
        tgw_document(),
        thredd=replace(THREDD, environment="production"),
        request_reference=REFERENCE,
        generated_at=GENERATED_AT,
        tunnel_values={},
        peering_attachment_ids={0: PEERING_ATTACHMENT_ID},
    )
    assert contexts[0, None].tgw.peering_attachment_id == PEERING_ATTACHMENT_ID
