"""Spell AWS's algorithm and Diffie-Hellman names the way each vendor's configuration does.

The request document and the context use AWS's names (REFERENCE §5: "AES256-GCM-16",
"SHA2-256", group 14). Each vendor has one table below, keyed by the role a keyword plays in
its syntax (IKE encryption, ESP integrity, ...). A value a vendor has no keyword for fails the
render with `KeywordMissing` rather than printing something the device would refuse.
"""

from collections.abc import Mapping

from connectivity.catalogue import (
    AES128,
    AES128_GCM,
    AES256,
    AES256_GCM,
    GCM,
    SHA1,
    SHA256,
    SHA384,
    SHA512,
)

# AEAD ciphers authenticate on their own: ESP then carries no separate integrity algorithm.
AEAD_ENCRYPTION = GCM

# RFC 3526 / RFC 5114 / RFC 5903 names of the MODP and ECP groups AWS accepts.
_RFC_GROUP_NAMES = {
    2: "modp1024",
    5: "modp1536",
    14: "modp2048",
    15: "modp3072",
    16: "modp4096",
    17: "modp6144",
    18: "modp8192",
    19: "ecp256",
    20: "ecp384",
    21: "ecp521",
    22: "modp1024s160",
    23: "modp2048s224",
    24: "modp2048s256",
}
_ALL_GROUPS = tuple(_RFC_GROUP_NAMES)


def _groups(pattern: str, groups: tuple[int, ...] = _ALL_GROUPS) -> dict[int, str]:
    return {group: pattern.format(group) for group in groups}


def _hashes(sha1: str, pattern: str) -> dict[str, str]:
    """Return integrity keywords: SHA1 is spelled apart, SHA-2 sizes follow `pattern`."""
    return {SHA1: sha1, **{name: pattern.format(name[-3:]) for name in (SHA256, SHA384, SHA512)}}


KeywordTable = Mapping[str, Mapping[str | int, str]]

# Cisco ASA 9.8+: `crypto ikev2 policy`, `crypto ipsec ikev2 ipsec-proposal`,
# `crypto ikev1 policy`, `crypto ipsec ikev1 transform-set`. ASA has no MODP 17/18/22-24, and
# IKEv1 has no SHA-2 at all: its policy says "hash sha", its transform set "esp-sha-hmac".
_ASA_ENCRYPTION = {
    AES128: "aes",
    AES256: "aes-256",
    AES128_GCM: "aes-gcm",
    AES256_GCM: "aes-gcm-256",
}
CISCO_ASA: KeywordTable = {
    "ike_encryption": _ASA_ENCRYPTION,
    "ike_integrity": _hashes("sha", "sha{}"),
    "esp_encryption": _ASA_ENCRYPTION,
    "esp_integrity": _hashes("sha-1", "sha-{}"),
    "ikev1_hash": {SHA1: "sha"},
    "ikev1_esp_encryption": {AES128: "esp-aes", AES256: "esp-aes-256"},
    "ikev1_esp_integrity": {SHA1: "esp-sha-hmac"},
    "dh_group": _groups("{}", (2, 5, 14, 15, 16, 19, 20, 21, 24)),
    "pfs_group": _groups("group{}", (2, 5, 14, 15, 16, 19, 20, 21, 24)),
}

# Cisco IOS / IOS XE: `crypto ikev2 proposal`, `crypto isakmp policy`, `crypto ipsec
# transform-set` (whose keywords differ from IKE's).
_IOS_GROUPS = (2, 5, 14, 15, 16, 19, 20, 21, 24)
CISCO_IOS: KeywordTable = {
    "ike_encryption": {
        AES128: "aes-cbc-128",
        AES256: "aes-cbc-256",
        AES128_GCM: "aes-gcm-128",
        AES256_GCM: "aes-gcm-256",
    },
    "ike_integrity": _hashes("sha1", "sha{}"),
    "ikev1_encryption": {AES128: "aes 128", AES256: "aes 256"},
    "ikev1_hash": _hashes("sha", "sha{}"),
    "esp_encryption": {
        AES128: "esp-aes 128",
        AES256: "esp-aes 256",
        AES128_GCM: "esp-gcm 128",
        AES256_GCM: "esp-gcm 256",
    },
    "esp_integrity": _hashes("esp-sha-hmac", "esp-sha{}-hmac"),
    "dh_group": _groups("{}", _IOS_GROUPS),
    "pfs_group": _groups("group{}", _IOS_GROUPS),
}

# Juniper SRX (Junos): `security ike proposal`, `security ipsec proposal`.
JUNIPER_JUNOS: KeywordTable = {
    "ike_encryption": {
        AES128: "aes-128-cbc",
        AES256: "aes-256-cbc",
        AES128_GCM: "aes-128-gcm",
        AES256_GCM: "aes-256-gcm",
    },
    "ike_integrity": _hashes("sha1", "sha-{}"),
    "esp_encryption": {
        AES128: "aes-128-cbc",
        AES256: "aes-256-cbc",
        AES128_GCM: "aes-128-gcm",
        AES256_GCM: "aes-256-gcm",
    },
    "esp_integrity": {
        SHA1: "hmac-sha1-96",
        SHA256: "hmac-sha-256-128",
        SHA384: "hmac-sha-384",
        SHA512: "hmac-sha-512",
    },
    "dh_group": _groups("group{}", (2, 5, 14, 15, 16, 19, 20, 21, 24)),
}

# Palo Alto PAN-OS: `network ike crypto-profiles`.
_PANOS_ENCRYPTION = {
    AES128: "aes-128-cbc",
    AES256: "aes-256-cbc",
    AES128_GCM: "aes-128-gcm",
    AES256_GCM: "aes-256-gcm",
}
PALOALTO_PANOS: KeywordTable = {
    "ike_encryption": _PANOS_ENCRYPTION,
    "ike_integrity": _hashes("sha1", "sha{}"),
    "esp_encryption": _PANOS_ENCRYPTION,
    "esp_integrity": _hashes("sha1", "sha{}"),
    "dh_group": _groups("group{}", (2, 5, 14, 15, 16, 19, 20, 21, 24)),
}

# Fortinet FortiOS: `proposal` joins encryption and integrity ("aes256-sha256"); an AEAD
# cipher takes a PRF in phase 1 ("aes256gcm-prfsha256") and stands alone in phase 2.
FORTINET_FORTIOS: KeywordTable = {
    "ike_encryption": {
        AES128: "aes128",
        AES256: "aes256",
        AES128_GCM: "aes128gcm",
        AES256_GCM: "aes256gcm",
    },
    "ike_integrity": _hashes("sha1", "sha{}"),
    "ike_prf": _hashes("prfsha1", "prfsha{}"),
    "esp_encryption": {
        AES128: "aes128",
        AES256: "aes256",
        AES128_GCM: "aes128gcm",
        AES256_GCM: "aes256gcm",
    },
    "esp_integrity": _hashes("sha1", "sha{}"),
    "dh_group": _groups("{}"),
}

# Check Point (SmartConsole community settings, as the dialogs label them).
CHECKPOINT_GAIA: KeywordTable = {
    "ike_encryption": {
        AES128: "AES-128",
        AES256: "AES-256",
        AES128_GCM: "AES-GCM-128",
        AES256_GCM: "AES-GCM-256",
    },
    "ike_integrity": _hashes("SHA1", "SHA{}"),
    "esp_encryption": {
        AES128: "AES-128",
        AES256: "AES-256",
        AES128_GCM: "AES-GCM-128",
        AES256_GCM: "AES-GCM-256",
    },
    "esp_integrity": _hashes("SHA1", "SHA{}"),
    "dh_group": {
        2: "Group 2 (1024 bit)",
        5: "Group 5 (1536 bit)",
        14: "Group 14 (2048 bit)",
        15: "Group 15 (3072 bit)",
        16: "Group 16 (4096 bit)",
        19: "Group 19 (256-bit ECP)",
        20: "Group 20 (384-bit ECP)",
        24: "Group 24 (2048 bit with 256 bit subgroup)",
    },
}

# strongSwan (swanctl.conf proposals and legacy ipsec.conf ike=/esp=).
_STRONGSWAN_ENCRYPTION = {
    AES128: "aes128",
    AES256: "aes256",
    AES128_GCM: "aes128gcm16",
    AES256_GCM: "aes256gcm16",
}
STRONGSWAN: KeywordTable = {
    "ike_encryption": _STRONGSWAN_ENCRYPTION,
    "ike_integrity": _hashes("sha1", "sha{}"),
    "ike_prf": _hashes("prfsha1", "prfsha{}"),
    "esp_encryption": _STRONGSWAN_ENCRYPTION,
    "esp_integrity": _hashes("sha1", "sha{}"),
    "dh_group": _RFC_GROUP_NAMES,
}

# Libreswan (ike= and esp= of ipsec.d/*.conf).
LIBRESWAN: KeywordTable = {
    "ike_encryption": {
        AES128: "aes128",
        AES256: "aes256",
        AES128_GCM: "aes_gcm128",
        AES256_GCM: "aes_gcm256",
    },
    "ike_integrity": _hashes("sha1", "sha2_{}"),
    "esp_encryption": {
        AES128: "aes128",
        AES256: "aes256",
        AES128_GCM: "aes_gcm128",
        AES256_GCM: "aes_gcm256",
    },
    "esp_integrity": _hashes("sha1", "sha2_{}"),
    "dh_group": {group: _RFC_GROUP_NAMES[group] for group in (2, 5, 14, 15, 16, 17, 18)}
    | {group: f"dh{group}" for group in (19, 20, 21, 22, 23, 24)},
}

# Netgate pfSense config.xml: cipher name and key length are separate elements.
PFSENSE: KeywordTable = {
    "encryption_name": {
        AES128: "aes",
        AES256: "aes",
        AES128_GCM: "aes128gcm",
        AES256_GCM: "aes256gcm",
    },
    "encryption_key_length": {AES128: "128", AES256: "256", AES128_GCM: "128", AES256_GCM: "128"},
    "ike_integrity": _hashes("sha1", "sha{}"),
    "esp_integrity": _hashes("hmac_sha1", "hmac_sha{}"),
    "dh_group": _groups("{}"),
}

# MikroTik RouterOS 7: `/ip ipsec profile` (no AEAD for IKE) and `/ip ipsec proposal`.
_ROUTEROS_GROUPS = {
    group: _RFC_GROUP_NAMES[group] for group in (2, 5, 14, 15, 16, 17, 18, 19, 20, 21)
}
MIKROTIK_ROUTEROS: KeywordTable = {
    "ike_encryption": {AES128: "aes-128", AES256: "aes-256"},
    "ike_integrity": _hashes("sha1", "sha{}"),
    "esp_encryption": {
        AES128: "aes-128-cbc",
        AES256: "aes-256-cbc",
        AES128_GCM: "aes-128-gcm",
        AES256_GCM: "aes-256-gcm",
    },
    "esp_integrity": _hashes("sha1", "sha{}"),
    "dh_group": _ROUTEROS_GROUPS,
}

# The generic file prints AWS's own names, the ones every vendor's documentation maps from.
GENERIC: KeywordTable = {
    "ike_encryption": {name: name for name in (AES128, AES256, AES128_GCM, AES256_GCM)},
    "ike_integrity": {name: name for name in (SHA1, SHA256, SHA384, SHA512)},
    "esp_encryption": {name: name for name in (AES128, AES256, AES128_GCM, AES256_GCM)},
    "esp_integrity": {name: name for name in (SHA1, SHA256, SHA384, SHA512)},
    "dh_group": _groups("{}"),
}

TABLES: Mapping[str, KeywordTable] = {
    "cisco_asa": CISCO_ASA,
    "cisco_ios": CISCO_IOS,
    "juniper_junos": JUNIPER_JUNOS,
    "paloalto_panos": PALOALTO_PANOS,
    "fortinet_fortios": FORTINET_FORTIOS,
    "checkpoint_gaia": CHECKPOINT_GAIA,
    "strongswan": STRONGSWAN,
    "libreswan": LIBRESWAN,
    "pfsense": PFSENSE,
    "mikrotik_routeros": MIKROTIK_ROUTEROS,
    "generic": GENERIC,
}


class KeywordMissing(LookupError):
    """A vendor has no keyword for a value the tunnel uses: the file cannot be rendered."""


def keyword(table: str, role: str, value: str | int) -> str:
    """Return the keyword of `table` (a vendor's) for `value` in `role`, or raise KeywordMissing."""
    try:
        return TABLES[table][role][value]
    except KeyError:
        raise KeywordMissing(
            f"The {table} template has no {role.replace('_', ' ')} keyword for {value!r}: "
            "choose an algorithm or group this device supports."
        ) from None
