"""Offer the VPN devices Thredd generates configuration for (REFERENCE §4), as data only.

The request forms build their vendor → platform → software dropdowns from this catalogue and
the configuration generator picks its template by the same platform key, so a device is
added in one place. Software versions are what the forms offer; a client may type a later
version (for example "9.16" on "9.8+"), so rules check only that the text is safe.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Platform:
    """One device platform Thredd has a configuration template for."""

    vendor: str
    vendor_label: str
    key: str
    label: str
    software: tuple[str, ...]
    supports_ikev1: bool = True
    supports_bgp: bool = True


CISCO = {"vendor": "cisco", "vendor_label": "Cisco"}
STRONGSWAN = {"vendor": "strongswan", "vendor_label": "strongSwan"}

CATALOGUE = (
    Platform(
        **CISCO,
        key="asa",
        label="ASA, policy-based (crypto map)",
        software=("9.8+",),
        supports_bgp=False,  # a crypto map has no tunnel interface to peer over
    ),
    Platform(**CISCO, key="asa_vti", label="ASA 9.7+, route-based (VTI)", software=("9.8+",)),
    Platform(
        **CISCO,
        key="ios_xe",
        label="IOS / IOS XE, route-based (VTI)",
        software=("15.x", "16.x", "17.x"),
    ),
    Platform(
        vendor="juniper",
        vendor_label="Juniper Networks",
        key="srx",
        label="SRX Series (Junos set commands)",
        software=("Junos 15.1+", "Junos 20.x+"),
    ),
    Platform(
        vendor="paloalto",
        vendor_label="Palo Alto Networks",
        key="panos",
        label="PAN-OS (set commands)",
        software=("10.x", "11.x"),
    ),
    Platform(
        vendor="fortinet",
        vendor_label="Fortinet",
        key="fortios",
        label="FortiGate (FortiOS CLI)",
        software=("6.4+", "7.x"),
    ),
    Platform(
        vendor="checkpoint",
        vendor_label="Check Point",
        key="gaia",
        label="Gaia (clish and SmartConsole)",
        software=("R80.40", "R81.x"),
    ),
    # strongSwan and Libreswan negotiate IPsec only; BGP would need a separate routing daemon.
    Platform(
        **STRONGSWAN,
        key="swanctl",
        label="swanctl.conf",
        software=("5.9+", "6.x"),
        supports_bgp=False,
    ),
    Platform(
        **STRONGSWAN,
        key="ipsec_conf",
        label="ipsec.conf and ipsec.secrets (legacy)",
        software=("5.x",),
        supports_bgp=False,
    ),
    Platform(
        vendor="libreswan",
        vendor_label="Libreswan",
        key="libreswan",
        label="ipsec.d connection",
        software=("5.x",),
        supports_ikev1=False,  # Libreswan 5 drops IKEv1 by default (ikev1-policy=drop)
        supports_bgp=False,
    ),
    Platform(
        vendor="pfsense",
        vendor_label="Netgate pfSense",
        key="pfsense",
        label="steps or config.xml fragment",
        software=("CE 2.7+", "Plus 24.x+"),
    ),
    Platform(
        vendor="mikrotik",
        vendor_label="MikroTik",
        key="routeros",
        label="RouterOS",
        software=("7.x",),
    ),
    Platform(
        vendor="generic",
        vendor_label="Generic",
        key="text",
        label="Plain text with every parameter",
        software=("any",),
    ),
)


def vendors() -> tuple[tuple[str, str], ...]:
    """Return the (key, label) pairs of the vendors offered, in catalogue order."""
    return tuple({platform.vendor: platform.vendor_label for platform in CATALOGUE}.items())


def platforms(vendor: str) -> tuple[Platform, ...]:
    """Return the platforms offered for `vendor`, or none for a vendor not in the catalogue."""
    return tuple(platform for platform in CATALOGUE if platform.vendor == vendor)


def find_platform(vendor: str, platform: str) -> Platform | None:
    """Return the platform `vendor`/`platform`, or None when the catalogue does not offer it."""
    return next(
        (item for item in CATALOGUE if item.vendor == vendor and item.key == platform), None
    )
