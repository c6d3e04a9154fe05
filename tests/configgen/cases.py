"""The render cases every configgen test walks: each target x IKE version x routing, TGW, mTLS."""

from dataclasses import dataclass

from connectivity.configgen.render import render_target
from connectivity.configgen.targets import Kind, targets_of_kind
from tests.configgen.conftest import (
    mtls_document,
    site_context,
    tgw_document,
    vpn_context,
    vpn_document,
)


@dataclass(frozen=True)
class Case:
    """One golden file: a target rendered for one variant of the request."""

    name: str
    target_key: str
    ike_version: int | None = None
    routing: str | None = None

    def context(self):
        if self.ike_version is None:
            kind = "tgw" if self.target_key.startswith("tgw") else "mtls"
            return site_context(tgw_document() if kind == "tgw" else mtls_document())
        platform_target = THREDD_SIDE_MIRRORS.get((self.target_key, self.routing), self.target_key)
        (target,) = (t for t in targets_of_kind(Kind.VPN) if t.key == platform_target)
        doc = vpn_document(
            target.platform.vendor,
            target.platform.key,
            ike_version=self.ike_version,
            routing=self.routing,
        )
        return vpn_context(doc)

    def render(self):
        return render_target(self.target_key, self.context())


# Thredd's side is rendered for the strongSwan client it mirrors in the tunnel tests.
THREDD_SIDE_MIRRORS = {
    ("thredd_swanctl", "static"): "swanctl",
    ("thredd_swanctl", "bgp"): "swanctl_frr",
    ("thredd_frr", "bgp"): "swanctl_frr",
}


def _vpn_cases():
    for target in (*targets_of_kind(Kind.VPN), *targets_of_kind(Kind.THREDD_SIDE)):
        for ike_version in (2, 1) if target.supports_ikev1 else (2,):
            for routing in ("static", "bgp") if target.supports_bgp else ("static",):
                if target.bgp_only and routing != "bgp":
                    continue
                yield Case(
                    f"{target.key}-ikev{ike_version}-{routing}", target.key, ike_version, routing
                )


CASES = (
    *_vpn_cases(),
    *(Case(target.key, target.key) for target in targets_of_kind(Kind.TGW)),
    *(Case(target.key, target.key) for target in targets_of_kind(Kind.MTLS)),
)
