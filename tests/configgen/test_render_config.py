"""The render_config command: preview files, clear errors, never a traceback."""

import json
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
