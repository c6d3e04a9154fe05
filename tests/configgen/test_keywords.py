"""Each vendor's keyword table speaks its syntax, and a gap fails loudly."""

import pytest

from connectivity.configgen.keywords import TABLES, KeywordMissing, keyword
from connectivity.configgen.targets import TARGETS


@pytest.mark.parametrize(
    ("table", "role", "expected"),
    [
        # REFERENCE §5's example for AES256-GCM-16.
        ("cisco_asa", "ike_encryption", "aes-gcm-256"),
        ("juniper_junos", "ike_encryption", "aes-256-gcm"),
        ("fortinet_fortios", "ike_encryption", "aes256gcm"),
        ("strongswan", "ike_encryption", "aes256gcm16"),
    ],
)
def test_reference_example(table, role, expected):
    assert keyword(table, role, "AES256-GCM-16") == expected


def test_asa_ikev1_spells_no_sha2():
    """ASA's IKEv1 policy takes "hash sha" and its transform set "esp-sha-hmac" only: a SHA-2
    keyword there is a policy the ASA refuses (whether a table spells every value a platform
    offers is `test_capabilities`' to prove, by rendering each)."""
    assert keyword("cisco_asa", "ikev1_hash", "SHA1") == "sha"
    assert keyword("cisco_asa", "ikev1_esp_integrity", "SHA1") == "esp-sha-hmac"
    for role in ("ikev1_hash", "ikev1_esp_integrity"):
        with pytest.raises(KeywordMissing):
            keyword("cisco_asa", role, "SHA2-256")


def test_strongswan_groups_follow_the_rfc_names():
    assert keyword("strongswan", "dh_group", 14) == "modp2048"
    assert keyword("strongswan", "dh_group", 19) == "ecp256"
    assert keyword("strongswan", "esp_integrity", "SHA2-384") == "sha384"


def test_missing_keyword_names_the_gap():
    with pytest.raises(KeywordMissing, match=r"cisco_asa.*dh group.*17"):
        keyword("cisco_asa", "dh_group", 17)


def test_every_target_has_a_table():
    assert {target.keywords for target in TARGETS} <= set(TABLES)
