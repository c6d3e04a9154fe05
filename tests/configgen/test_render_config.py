"""The render_config command: preview files, clear errors, never a traceback."""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.configgen.conftest import CONTACTS


def write_document(tmp_path, **changes):
    document = {
        "environment": "uat",
        "connection_type": "ipsec_vpn",
        "services": ["web_services"],
        "contacts": CONTACTS,
        "sites": [
            {
                "name": "Leeds",
                "routing": "static",
                "vpns": [
                    {
                        "services": ["web_services"],
                        "peer_ip": "81.2.69.160",
                        "device": {"vendor": "strongswan", "platform": "swanctl"},
                    }
                ],
                "subnets": [{"cidr": "10.20.30.0/24", "purpose": "web_services"}],
            }
        ],
        **changes,
    }
    path = tmp_path / "request.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.django_db
def test_renders_preview_files_and_thredd_side(tmp_path):
    out = tmp_path / "out"
    stdout = StringIO()
    call_command(
        "render_config",
        str(write_document(tmp_path)),
        "--target",
        "swanctl",
        "--out",
        str(out),
        "--thredd-side",
        stdout=stdout,
        stderr=StringIO(),
    )
    names = sorted(path.name for path in out.iterdir())
    assert names == [
        "preview-leeds-vpn1-swanctl.conf",
        "preview-leeds-vpn1-thredd-side-swanctl.conf",
    ]
    content = (out / names[0]).read_text()
    assert "PREVIEW" in content.splitlines()[0]
    assert "sha256" in stdout.getvalue()


@pytest.mark.django_db
def test_unknown_target_lists_the_valid_ones(tmp_path):
    with pytest.raises(CommandError, match=r"asa_vti.*tgw_terraform"):
        call_command(
            "render_config", str(write_document(tmp_path)), "--target", "cisco", "--out", "x"
        )


@pytest.mark.django_db
def test_document_errors_are_printed(tmp_path):
    stderr = StringIO()
    with pytest.raises(CommandError, match="errors"):
        call_command(
            "render_config",
            str(write_document(tmp_path, environment="staging")),
            "--target",
            "all",
            "--out",
            str(tmp_path / "out"),
            stderr=stderr,
        )
    assert "environment_invalid" in stderr.getvalue()
    assert not (tmp_path / "out").exists()


def production_site(name: str, peer_ip: str, subnet: str) -> dict:
    """A production site whose two VPNs end on one strongSwan device at `peer_ip`."""
    return {
        "name": name,
        "routing": "static",
        "vpns": [
            {
                "services": services,
                "peer_ip": peer_ip,
                "device": {"vendor": "strongswan", "platform": "swanctl"},
            }
            for services in (["web_services", "ehi"], ["portal"])
        ],
        "subnets": [{"cidr": subnet, "purpose": "web_services"}],
    }


@pytest.mark.django_db
def test_two_sites_of_two_vpns_preview_as_aws_would_give_them(tmp_path):
    """Eight tunnels: eight Thredd outside addresses and eight inside /30s, all different, and
    Thredd's side of every VPN in its own file, from one run."""
    path = write_document(
        tmp_path,
        environment="production",
        services=["web_services", "ehi", "portal"],
        sites=[
            production_site("London DC1", "81.2.69.160", "10.20.30.0/24"),
            production_site("Leeds DC2", "81.2.69.161", "10.20.40.0/24"),
        ],
    )
    out = tmp_path / "out"
    call_command(
        "render_config",
        str(path),
        "--target",
        "text",
        "--out",
        str(out),
        "--thredd-side",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    stems = [f"preview-{site}-vpn{n}" for site in ("london-dc1", "leeds-dc2") for n in (1, 2)]
    assert sorted(path.name for path in out.iterdir()) == sorted(
        name
        for stem in stems
        for name in (f"{stem}-parameters.txt", f"{stem}-thredd-side-swanctl.conf")
    )
    outside, inside = [], []
    for stem in stems:
        client = (out / f"{stem}-parameters.txt").read_text()
        thredd = (out / f"{stem}-thredd-side-swanctl.conf").read_text()
        assert "PREVIEW" in client.splitlines()[0]
        assert "PREVIEW" in thredd.splitlines()[0]
        addresses = re.findall(r"(?m)^  Thredd outside IP: +(\S+)$", client)
        outside += addresses
        inside += re.findall(r"(?m)^  Inside CIDR: +(\S+)$", client)
        # Thredd's side of this VPN binds exactly this VPN's two addresses.
        assert re.findall(r"(?m)^\s+local_addrs = (\S+)$", thredd) == addresses
    assert len(outside) == len(set(outside)) == 8
    assert len(inside) == len(set(inside)) == 8


@pytest.mark.django_db
def test_tgw_preview_accepts_an_illustrative_attachment_per_site(tmp_path):
    site = {
        "routing": "static",
        "attachments": [{"services": ["web_services"]}],
        "tgw": {
            "tgw_id": "tgw-0123456789abcdef0",
            "aws_account_id": "012345678901",
            "region": "eu-west-2",
        },
    }
    path = write_document(
        tmp_path,
        connection_type="aws_tgw",
        sites=[
            {**site, "name": "Ireland", "subnets": [{"cidr": "10.50.0.0/24", "purpose": "ehi"}]},
            {**site, "name": "London", "subnets": [{"cidr": "10.60.0.0/24", "purpose": "ehi"}]},
        ],
    )
    out = tmp_path / "out"
    call_command(
        "render_config",
        str(path),
        "--target",
        "tgw_terraform",
        "--out",
        str(out),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    defaults = [
        re.search(r'(?m)^  default     = "(tgw-attach-[0-9a-f]{17})"$', file.read_text())[1]
        for file in sorted(out.iterdir())
    ]
    assert len(defaults) == len(set(defaults)) == 2
    assert not any("REPLACE_ME_PEERING" in file.read_text() for file in out.iterdir())
