"""Offer the VPN devices Thredd generates configuration for (REFERENCE §4), as data only.

The request forms build their vendor → platform → software dropdowns from this catalogue and
the configuration generator picks its template by the same platform key, so a device is
added in one place. Software versions are what the forms offer; a client may type a later
version (for example "9.16" on "9.8+"), so rules check only that the text is safe.

Each platform carries its capability table: the IKE versions, algorithms and DH groups it can
negotiate with AWS (for the oldest software the catalogue offers), whether it runs BGP over
the tunnel, and whether it is route-based. The rules accept exactly what the table says, and
every template renders whatever the rules accept, so an approved request never yields a file
the device refuses or a tunnel that dies with "no proposal chosen".
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

AES128, AES256 = "AES128", "AES256"
AES128_GCM, AES256_GCM = "AES128-GCM-16", "AES256-GCM-16"
SHA1, SHA256, SHA384, SHA512 = "SHA1", "SHA2-256", "SHA2-384", "SHA2-512"
CBC = frozenset({AES128, AES256})
GCM = frozenset({AES128_GCM, AES256_GCM})
ALL_ENCRYPTION = CBC | GCM
ALL_INTEGRITY = frozenset({SHA1, SHA256, SHA384, SHA512})
# AWS's groups (REFERENCE §5): phase 1 takes 2 and 14-24, phase 2 also 5.
AWS_PHASE1_GROUPS = frozenset({2, *range(14, 25)})
AWS_PHASE2_GROUPS = AWS_PHASE1_GROUPS | {5}


@dataclass(frozen=True, slots=True)
class Algorithms:
    """What a platform negotiates with one IKE version: per phase, encryption, integrity and
    DH groups (phase 2's are the PFS groups), each within what AWS accepts."""

    phase1_encryption: frozenset[str]
    phase1_integrity: frozenset[str]
    phase1_dh_groups: frozenset[int]
    phase2_encryption: frozenset[str]
    phase2_integrity: frozenset[str]
    phase2_dh_groups: frozenset[int]

    def allowed(self, phase: int, name: str) -> frozenset:
        """Return the values of `name` ("encryption", "integrity", "dh_groups") in `phase`."""
        return getattr(self, f"phase{phase}_{name}")


def algorithms(
    *,
    encryption=ALL_ENCRYPTION,
    integrity=ALL_INTEGRITY,
    dh_groups=AWS_PHASE2_GROUPS,
    phase1_encryption=None,
    phase2_encryption=None,
    phase2_integrity=None,
) -> Algorithms:
    """Return a capability row; both phases take `encryption`, `integrity` and `dh_groups`
    unless a phase is given its own, always cut down to what AWS accepts in that phase."""
    return Algorithms(
        phase1_encryption=frozenset(encryption if phase1_encryption is None else phase1_encryption),
        phase1_integrity=frozenset(integrity),
        phase1_dh_groups=frozenset(dh_groups) & AWS_PHASE1_GROUPS,
        phase2_encryption=frozenset(encryption if phase2_encryption is None else phase2_encryption),
        phase2_integrity=frozenset(integrity if phase2_integrity is None else phase2_integrity),
        phase2_dh_groups=frozenset(dh_groups) & AWS_PHASE2_GROUPS,
    )


# IKEv1 has no AEAD transform for IKE itself (RFC 5282 defines GCM for IKEv2 and ESP only), so
# no platform's IKEv1 row takes GCM in phase 1.
def ikev1(row: Algorithms) -> Algorithms:
    """Return `row` as IKEv1 negotiates it: the same, without GCM in phase 1."""
    return Algorithms(
        phase1_encryption=row.phase1_encryption - GCM,
        phase1_integrity=row.phase1_integrity,
        phase1_dh_groups=row.phase1_dh_groups,
        phase2_encryption=row.phase2_encryption,
        phase2_integrity=row.phase2_integrity,
        phase2_dh_groups=row.phase2_dh_groups,
    )


class Mode:
    """How a platform's file carries traffic: tunnel interfaces and routes, or IPsec policies."""

    ROUTE = "route-based"
    POLICY = "policy-based"


@dataclass(frozen=True, slots=True)
class Platform:
    """One device platform Thredd has a configuration template for, and what it can negotiate.

    `ike` maps each IKE version the platform is offered with to its algorithms; `mode` says
    whether its file is route-based (a tunnel interface per tunnel) or policy-based (one SA
    pair per tunnel, selectors summarised); `bgp` whether it peers over the tunnels, `static`
    whether its file routes statically.
    """

    vendor: str
    vendor_label: str
    key: str
    label: str
    software: tuple[str, ...]
    ike: Mapping[int, Algorithms] = field(default_factory=dict)
    mode: str = Mode.ROUTE
    bgp: bool = True
    static: bool = True

    @property
    def supports_ikev1(self) -> bool:
        return 1 in self.ike

    @property
    def supports_bgp(self) -> bool:
        return self.bgp

    @property
    def name(self) -> str:
        return f"{self.vendor_label} {self.label}"


def both_versions(row: Algorithms) -> dict[int, Algorithms]:
    """Return a platform's IKE table that offers `row` with IKEv2 and, GCM aside, with IKEv1."""
    return {2: row, 1: ikev1(row)}


CISCO = {"vendor": "cisco", "vendor_label": "Cisco"}
STRONGSWAN = {"vendor": "strongswan", "vendor_label": "strongSwan"}
LIBRESWAN = {"vendor": "libreswan", "vendor_label": "Libreswan"}

# Cisco ASA 9.8+: IKEv2 takes AES-CBC and AES-GCM with SHA-1/SHA-2; IKEv1 policies and
# transform sets take AES-CBC with SHA-1 only ("hash sha", "esp-sha-hmac": ASA has no SHA-2 for
# IKEv1). Groups 2, 5 and 24 left in 9.15, so only 14 and the ECP groups work on every 9.8+.
ASA_IKE = {
    2: algorithms(dh_groups={14, 19, 20, 21}),
    1: algorithms(encryption=CBC, integrity={SHA1}, dh_groups={14}),
}
# strongSwan 5.9 negotiates every algorithm and group AWS accepts (IKEv1 without GCM in
# phase 1); pfSense runs strongSwan.
STRONGSWAN_IKE = both_versions(algorithms())
# Libreswan 4 and 5 removed modp1024 and the RFC 5114 groups 22-24, and keep IKEv2 only here.
LIBRESWAN_IKE = {2: algorithms(dh_groups={14, 15, 16, 17, 18, 19, 20, 21})}

CATALOGUE = (
    Platform(
        **CISCO,
        key="asa",
        label="ASA, policy-based (crypto map)",
        software=("9.8+",),
        ike=ASA_IKE,
        mode=Mode.POLICY,
        bgp=False,  # a crypto map has no tunnel interface to peer over
    ),
    Platform(
        **CISCO,
        key="asa_vti",
        label="ASA 9.7+, route-based (VTI)",
        software=("9.8+",),
        ike=ASA_IKE,
    ),
    # IOS XE 16/17: AES-GCM for IKEv2 and ESP; ISAKMP (IKEv1) has SHA-2 but not GCM, and
    # IKEv1 phase 2 keeps to AES-CBC. Groups 2 and 5 are refused by 17.x.
    Platform(
        **CISCO,
        key="ios_xe",
        label="IOS / IOS XE, route-based (VTI)",
        software=("15.x", "16.x", "17.x"),
        ike={
            2: algorithms(dh_groups={14, 15, 16, 19, 20, 21, 24}),
            1: algorithms(
                encryption=CBC, dh_groups={14, 15, 16, 19, 20, 21, 24}, phase2_encryption=CBC
            ),
        },
    ),
    # Junos 15.1X49+: IKE and IPsec proposals take AES-CBC and AES-GCM; ESP authentication is
    # hmac-sha1-96 or hmac-sha-256-128 on every release offered.
    Platform(
        vendor="juniper",
        vendor_label="Juniper Networks",
        key="srx",
        label="SRX Series (Junos set commands)",
        software=("Junos 15.1+", "Junos 20.x+"),
        ike=both_versions(
            algorithms(
                integrity={SHA1, SHA256, SHA384},
                dh_groups={2, 5, 14, 15, 16, 19, 20, 21, 24},
                phase2_integrity={SHA1, SHA256},
            )
        ),
    ),
    # PAN-OS 10/11: IKE and IPsec crypto profiles take AES-CBC and AES-GCM, SHA-1 and SHA-2,
    # groups 1, 2, 5, 14-16 and 19-21.
    Platform(
        vendor="paloalto",
        vendor_label="Palo Alto Networks",
        key="panos",
        label="PAN-OS (set commands)",
        software=("10.x", "11.x"),
        ike=both_versions(algorithms(dh_groups={2, 5, 14, 15, 16, 19, 20, 21})),
    ),
    # FortiOS 6.4+: dhgrp 1, 2, 5, 14-21 and 27-32 (no 22-24).
    Platform(
        vendor="fortinet",
        vendor_label="Fortinet",
        key="fortios",
        label="FortiGate (FortiOS CLI)",
        software=("6.4+", "7.x"),
        ike=both_versions(algorithms(dh_groups={2, 5, *range(14, 22)})),
    ),
    # Check Point R80.40: IKE (phase 1) takes AES-CBC with SHA-1/256/384; IPsec (phase 2) also
    # AES-GCM; groups as SmartConsole lists them.
    Platform(
        vendor="checkpoint",
        vendor_label="Check Point",
        key="gaia",
        label="Gaia (clish and SmartConsole)",
        software=("R80.40", "R81.x"),
        ike=both_versions(
            algorithms(
                integrity={SHA1, SHA256, SHA384},
                dh_groups={2, 5, 14, 15, 16, 19, 20, 24},
                phase1_encryption=CBC,
            )
        ),
    ),
    Platform(
        **STRONGSWAN,
        key="swanctl",
        label="swanctl.conf",
        software=("5.9+", "6.x"),
        ike=STRONGSWAN_IKE,
        mode=Mode.POLICY,
        bgp=False,  # policy-based; BGP on Linux is the swanctl_frr platform below
    ),
    Platform(
        **STRONGSWAN,
        key="swanctl_frr",
        label="swanctl.conf with XFRM interfaces and FRR (BGP)",
        software=("5.9+", "6.x"),
        ike=STRONGSWAN_IKE,
        static=False,  # the swanctl platform routes statically
    ),
    Platform(
        **STRONGSWAN,
        key="ipsec_conf",
        label="ipsec.conf and ipsec.secrets (legacy)",
        software=("5.x",),
        ike=STRONGSWAN_IKE,
        mode=Mode.POLICY,
        bgp=False,
    ),
    # Libreswan 4 (Debian 12, RHEL 9) and 5 differ in syntax: 4 says "ikev2=insist", 5
    # "keyexchange=ikev2"; each has its own template.
    Platform(
        **LIBRESWAN,
        key="libreswan4",
        label="ipsec.d connection (Libreswan 4.x)",
        software=("4.x",),
        ike=LIBRESWAN_IKE,
        mode=Mode.POLICY,
        bgp=False,
    ),
    Platform(
        **LIBRESWAN,
        key="libreswan",
        label="ipsec.d connection (Libreswan 5.x)",
        software=("5.x",),
        ike=LIBRESWAN_IKE,  # Libreswan 5 drops IKEv1 by default (ikev1-policy=drop)
        mode=Mode.POLICY,
        bgp=False,
    ),
    # pfSense: policy-based (tunnel mode) for static routing; BGP rides a VTI phase 2 and the
    # FRR package.
    Platform(
        vendor="pfsense",
        vendor_label="Netgate pfSense",
        key="pfsense",
        label="config.xml (System > Backup & Restore)",
        software=("CE 2.7+", "Plus 24.x+"),
        ike=STRONGSWAN_IKE,
        mode=Mode.POLICY,
    ),
    # RouterOS 7: the IKE profile has no GCM and no SHA-384; proposals take GCM but not
    # SHA-384; groups up to modp8192 and ecp521.
    Platform(
        vendor="mikrotik",
        vendor_label="MikroTik",
        key="routeros",
        label="RouterOS",
        software=("7.x",),
        ike=both_versions(
            algorithms(
                integrity={SHA1, SHA256, SHA512},
                dh_groups={2, 5, *range(14, 22)},
                phase1_encryption=CBC,
            )
        ),
        mode=Mode.POLICY,
    ),
    Platform(
        vendor="generic",
        vendor_label="Generic",
        key="text",
        label="Plain text with every parameter",
        software=("any",),
        ike=both_versions(algorithms()),
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


def device_name(vendor: str | None, platform: str | None) -> str:
    """Return a device as people name it, such as "Cisco ASA 9.7+, route-based (VTI)"; one the
    catalogue does not offer is named by what was entered ("" for nothing)."""
    found = find_platform(vendor or "", platform or "")
    return found.name if found else " ".join(part for part in (vendor, platform) if part)
