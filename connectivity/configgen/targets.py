"""The files Thredd renders: one target per device platform, plus TGW, mTLS and Thredd's side.

A device target serves exactly one platform of `catalogue.CATALOGUE` (same key), so the
client form's dropdowns and the generator read one list; whether a target takes IKEv1 or BGP
is the platform's to say. Each target names its templates, the file each becomes, the
comment mark of that syntax and the keyword table of `keywords`.
"""

from dataclasses import dataclass

from connectivity.catalogue import CATALOGUE, Platform, find_platform

# Raise when a template changes what it renders: the version is printed in every header, so a
# client's file says which template made it.
TEMPLATE_VERSION = "4"
# The target of a device whose platform the catalogue no longer has.
GENERIC_TARGET = "text"
# The comment mark of an XML file: render.py writes its header as one XML comment.
XML = "<!--"


class Kind:
    """What a target's context carries: a VPN, a TGW site, an mTLS request, or Thredd's side."""

    VPN = "vpn"
    TGW = "tgw"
    MTLS = "mtls"
    THREDD_SIDE = "thredd_side"


@dataclass(frozen=True, slots=True)
class TargetFile:
    """One file of a target: its template and its name; `{stem}` names the VPN, site or request."""

    template: str
    name: str
    comment: str = "#"


@dataclass(frozen=True, slots=True)
class Target:
    """One configuration Thredd can render."""

    key: str
    label: str
    kind: str
    files: tuple[TargetFile, ...]
    keywords: str = "generic"
    platform: Platform | None = None
    bgp_only: bool = False

    @property
    def supports_ikev1(self) -> bool:
        return self.platform.supports_ikev1 if self.platform else True

    @property
    def supports_bgp(self) -> bool:
        """A device's platform says; Thredd's side mirrors any VPN."""
        return self.platform.bgp if self.platform else self.kind == Kind.THREDD_SIDE

    def misfit(self, *, kind: str, ikev1: bool = False, bgp: bool = False) -> str:
        """Say why this target cannot configure a `kind` connection; "" when it can.

        The one judge of fit: rendering refuses with this reason, and the request page
        offers only the devices it finds nothing against. Thredd's side mirrors a VPN.
        """
        serves = Kind.VPN if self.kind == Kind.THREDD_SIDE else self.kind
        if serves != kind:
            return f"{self.label} needs a {serves} context, not a {kind} one."
        if kind != Kind.VPN:
            return ""
        if ikev1 and not self.supports_ikev1:
            return f"{self.label} is offered with IKEv2 only."
        if bgp and not self.supports_bgp:
            return f"{self.label} cannot run BGP over the tunnel."
        if self.bgp_only and not bgp:
            return f"{self.label} is for a VPN with BGP routing."
        return ""

    def fits(self, *, kind: str, ikev1: bool = False, bgp: bool = False) -> bool:
        """Say whether this target can configure a `kind` connection with IKEv1 or BGP."""
        return not self.misfit(kind=kind, ikev1=ikev1, bgp=bgp)


def _device(key: str, keywords: str, *files: TargetFile) -> Target:
    (platform,) = (item for item in CATALOGUE if item.key == key)
    return Target(
        key=key,
        label=f"{platform.vendor_label} {platform.label}",
        kind=Kind.VPN,
        files=files,
        keywords=keywords,
        platform=platform,
        bgp_only=not platform.static,
    )


TARGETS: tuple[Target, ...] = (
    _device("asa", "cisco_asa", TargetFile("cisco_asa_crypto_map.j2", "{stem}-cisco-asa.txt", "!")),
    _device(
        "asa_vti", "cisco_asa", TargetFile("cisco_asa_vti.j2", "{stem}-cisco-asa-vti.txt", "!")
    ),
    _device("ios_xe", "cisco_ios", TargetFile("cisco_ios_vti.j2", "{stem}-cisco-ios.txt", "!")),
    _device("srx", "juniper_junos", TargetFile("juniper_srx.j2", "{stem}-juniper-srx.txt")),
    _device("panos", "paloalto_panos", TargetFile("paloalto_panos.j2", "{stem}-pan-os.txt")),
    _device("fortios", "fortinet_fortios", TargetFile("fortinet_fortios.j2", "{stem}-fortios.txt")),
    _device("gaia", "checkpoint_gaia", TargetFile("checkpoint_gaia.j2", "{stem}-check-point.txt")),
    _device("swanctl", "strongswan", TargetFile("strongswan_swanctl.j2", "{stem}-swanctl.conf")),
    _device(
        "swanctl_frr",
        "strongswan",
        TargetFile("strongswan_swanctl_frr.j2", "{stem}-swanctl.conf"),
        TargetFile("xfrm_interfaces.j2", "{stem}-xfrm-interfaces.sh"),
        TargetFile("frr_client.j2", "{stem}-frr.conf", "!"),
    ),
    _device(
        "ipsec_conf",
        "strongswan",
        TargetFile("strongswan_ipsec_conf.j2", "{stem}-ipsec.conf"),
        TargetFile("strongswan_ipsec_secrets.j2", "{stem}-ipsec.secrets"),
    ),
    _device(
        "libreswan4",
        "libreswan",
        TargetFile("libreswan.j2", "{stem}-libreswan.conf"),
        TargetFile("libreswan_secrets.j2", "{stem}-libreswan.secrets"),
    ),
    _device(
        "libreswan",
        "libreswan",
        TargetFile("libreswan.j2", "{stem}-libreswan.conf"),
        TargetFile("libreswan_secrets.j2", "{stem}-libreswan.secrets"),
    ),
    _device("pfsense", "pfsense", TargetFile("pfsense.j2", "{stem}-pfsense-ipsec.xml", XML)),
    _device("routeros", "mikrotik_routeros", TargetFile("mikrotik_routeros.j2", "{stem}.rsc")),
    _device("text", "generic", TargetFile("generic.j2", "{stem}-parameters.txt")),
    Target(
        key="tgw_cloudformation",
        label="AWS CloudFormation: accept the peering attachment, add the routes",
        kind=Kind.TGW,
        files=(TargetFile("tgw_cloudformation.j2", "{stem}-tgw-cloudformation.yaml"),),
    ),
    Target(
        key="tgw_terraform",
        label="Terraform: accept the peering attachment, add the routes",
        kind=Kind.TGW,
        files=(TargetFile("tgw_terraform.j2", "{stem}-tgw.tf"),),
    ),
    Target(
        key="mtls_bundle",
        label="mTLS endpoint bundle: Thredd's trust chain, nginx, Apache, test commands",
        kind=Kind.MTLS,
        files=(
            TargetFile("mtls_trust_chain.j2", "{stem}-thredd-trust-chain.pem"),
            TargetFile("mtls_nginx.j2", "{stem}-nginx.conf"),
            TargetFile("mtls_apache.j2", "{stem}-apache.conf"),
            TargetFile("mtls_test.j2", "{stem}-test-commands.sh"),
        ),
    ),
    Target(
        key="thredd_swanctl",
        label="Thredd side: strongSwan swanctl.conf mirroring the client's VPN",
        kind=Kind.THREDD_SIDE,
        files=(TargetFile("thredd_swanctl.j2", "{stem}-thredd-side-swanctl.conf"),),
        keywords="strongswan",
    ),
    Target(
        key="thredd_frr",
        label="Thredd side: FRR peering with the client's VPN over BGP, as AWS does",
        kind=Kind.THREDD_SIDE,
        files=(TargetFile("thredd_frr.j2", "{stem}-thredd-side-frr.conf", "!"),),
        bgp_only=True,
    ),
)

TARGETS_BY_KEY = {target.key: target for target in TARGETS}


def get_target(key: str) -> Target:
    """Return the target `key`, or raise KeyError naming the valid keys."""
    try:
        return TARGETS_BY_KEY[key]
    except KeyError:
        raise KeyError(f"No target {key!r}: choose one of {', '.join(TARGETS_BY_KEY)}.") from None


def target_for_device(vendor: str, platform: str) -> Target | None:
    """Return the target that serves the device `vendor`/`platform`, or None if none does."""
    found = find_platform(vendor, platform)
    return TARGETS_BY_KEY.get(found.key) if found else None


def targets_of_kind(kind: str) -> tuple[Target, ...]:
    """Return every target of `kind`, in catalogue order."""
    return tuple(target for target in TARGETS if target.kind == kind)


def device_target(vendor: str, platform: str) -> Target:
    """Return the target of the device a client chose; a platform that left the catalogue
    still gets every parameter, in plain text."""
    return target_for_device(vendor, platform) or get_target(GENERIC_TARGET)


def other_device_targets(*, vendor: str, platform: str, ikev1: bool, bgp: bool) -> list[Target]:
    """Return the device targets, other than the client's own, that can configure its VPN."""
    chosen = device_target(vendor, platform).key
    return [
        target
        for target in targets_of_kind(Kind.VPN)
        if target.key != chosen and target.fits(kind=Kind.VPN, ikev1=ikev1, bgp=bgp)
    ]
