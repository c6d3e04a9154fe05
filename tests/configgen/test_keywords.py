"""Each vendor's keyword table speaks its syntax, and a gap fails loudly."""

import pytest

from connectivity import constants as limits
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


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_spells_thredds_defaults(table):
    roles = TABLES[table]
    for role, values in roles.items():
        if "encryption" in role:
            assert "AES256" in values, role
        elif role in ("ike_integrity", "esp_integrity", "ikev1_hash"):
            assert set(values) == set(limits.INTEGRITY_ALGORITHMS), role
        elif "group" in role:
            assert 14 in values, role


def test_strongswan_groups_follow_the_rfc_names():
    assert keyword("strongswan", "dh_group", 14) == "modp2048"
    assert keyword("strongswan", "dh_group", 19) == "ecp256"
    assert keyword("strongswan", "esp_integrity", "SHA2-384") == "sha384"


def test_missing_keyword_names_the_gap():
    with pytest.raises(KeywordMissing, match=r"cisco_asa.*dh group.*17"):
        keyword("cisco_asa", "dh_group", 17)


def test_every_target_has_a_table():
    assert {target.keywords for target in TARGETS} <= set(TABLES)
