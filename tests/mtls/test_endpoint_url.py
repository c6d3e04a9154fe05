"""The EHI endpoint URL: hostile values are refused everywhere, and the files quote what they
embed, so even a hostile value that reached the database could not run or add anything."""

import dataclasses
import json
import os
import stat
import subprocess
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse

from connectivity import rules
from connectivity.configgen.render import render_target
from connectivity.models import MtlsDetails
from tests.configgen.cases import CASES
from tests.documents import judged, make_csr, valid_mtls_document
from tests.factories import request_create

HOSTILE_URLS = [
    "https://ehi.example:8443/ehi;touch${IFS}pwned",
    "https://ehi.example.com/ehi$(touch pwned)",
    "https://ehi.example.com/ehi`touch pwned`",
    "https://ehi.example.com/ehi\ntouch pwned",
    "https://ehi.example.com/ehi\r\n",
    "https://ehi.example.com/ehi'; touch pwned; '",
    'https://ehi.example.com/ehi"; touch pwned; "',
    "https://ehi.example.com/e{h}i",
    "https://ehi.example.com/ehi;",
    "https://ehi.example.com/ehi&touch pwned",
    "https://ehi.example.com/ehi|touch pwned",
    "https://ehi.example.com/e hi",
    "https://ehi.example.com/ehi>pwned",
    "https://ehi.example.com/ehi\\x",
    "https://ehi.example.com/ehi%0atouch",
    "https://ehi.example.com:8443/ehi#frag",
    "https://ehi.example.com:8443/ehi?q=1",
    "https://user:secret@ehi.example.com/ehi",
    "https://user@ehi.example.com/ehi",
    "http://ehi.example.com/ehi",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "https://ehi.example.com:0/ehi",
    "https://ehi.example.com:65536/ehi",
    "https://-ehi.example.com/ehi",
    "https://ehi..example.com/ehi",
    "https://10.0.0.5/ehi",
    "https://127.0.0.1:8443/ehi",
    "https://169.254.169.254/latest",
    "https://100.64.0.1/ehi",
    "https://999.1.1.1/ehi",
    "https://[::1]/ehi",
    " https://ehi.example.com/ehi",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_rule_refuses_a_hostile_endpoint(url):
    findings = rules.check_endpoint_url(url, "mtls.ehi_endpoint_url")
    assert [finding.code for finding in findings] == ["endpoint_url_invalid"]


@pytest.mark.parametrize(
    "url",
    ["https://ehi.example.com:8443/ehi", "https://ehi.example.com/", "https://81.2.69.160/v1/ehi"],
)
def test_the_rule_takes_an_ordinary_endpoint(url):
    assert rules.check_endpoint_url(url, "mtls.ehi_endpoint_url") == []


@pytest.mark.parametrize("url", HOSTILE_URLS[:8])
def test_validate_request_refuses_a_hostile_endpoint(url, tmp_path, capsys):
    document = valid_mtls_document(make_csr())
    document["mtls"]["ehi_endpoint_url"] = url
    assert ("endpoint_url_invalid", "mtls.ehi_endpoint_url") in [
        (finding.code, finding.field) for finding in judged(document)
    ]
    path = tmp_path / "request.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SystemExit) as exited:
        call_command("validate_request", str(path), "--offline")
    assert exited.value.code == 1
    assert "endpoint_url_invalid" in capsys.readouterr().out


@pytest.mark.django_db
# The form trims surrounding white space, as every text field does; what remains is judged.
@pytest.mark.parametrize("url", [url for url in HOSTILE_URLS if url == url.strip()])
def test_the_form_refuses_a_hostile_endpoint(url, client, organisation, client_user):
    draft = request_create(
        organisation=organisation,
        created_by=client_user,
        sites=[],
        **valid_mtls_document(make_csr()),
    )
    client.force_login(client_user)
    response = client.post(
        reverse("request-mtls", kwargs={"reference": draft.reference}),
        {"csr_pem": draft.mtls.csr_pem, "ehi_endpoint_url": url},
    )
    assert response.status_code == 200
    assert "Enter the address where Thredd will call your EHI host" in response.content.decode()
    assert MtlsDetails.objects.get(request=draft).ehi_endpoint_url == (
        "https://ehi.example.com:8443/ehi"
    )


# --- Even a hostile stored value stays inert in every file ---------------------------------


def _bundle_with(url: str, path: str | None = None) -> dict[str, str]:
    """Render the endpoint bundle as if `url` (or its `path`) had been stored, past every rule.

    `path` stands for the URL's path where urlsplit would drop a newline from it.
    """
    (case,) = [case for case in CASES if case.target_key == "mtls_bundle"]
    context = case.context()
    parts = urlsplit(url)
    mtls = dataclasses.replace(
        context.mtls,
        endpoint_url=url,
        endpoint_host=parts.hostname,
        endpoint_port=parts.port or 443,
        endpoint_path=parts.path if path is None else path,
    )
    files = render_target("mtls_bundle", dataclasses.replace(context, mtls=mtls))
    return {file.name.rsplit("-", 1)[-1]: file.content for file in files}


STUB = """#!/bin/sh
printf '%s\\0' "$(basename "$0")" "$@" >> "$CALLS"
printf '\\036' >> "$CALLS"
"""


@pytest.mark.parametrize(
    "url",
    [
        "https://ehi.example:8443/ehi;touch${IFS}pwned",
        "https://ehi.example.com/ehi$(touch pwned)`touch pwned`",
        "https://ehi.example.com/ehi'\ntouch pwned\n'",
        'https://ehi.example.com/ehi"; touch pwned; "',
    ],
)
def test_the_script_runs_only_openssl_curl_and_sed_even_with_a_hostile_url(url, tmp_path):
    script = _bundle_with(url)["commands.sh"]
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name in ("curl", "openssl", "touch"):
        stub = stubs / name
        stub.write_text(STUB)
        stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "test-commands.sh").write_text(script)
    calls = tmp_path / "calls"
    subprocess.run(
        ["/bin/sh", "test-commands.sh"],
        cwd=tmp_path,
        env={"PATH": f"{stubs}:/usr/bin:/bin", "CALLS": str(calls)},
        check=True,
        timeout=30,
    )
    invoked = [call.rstrip("\0").split("\0") for call in calls.read_text().split("\036") if call]
    assert [call[0] for call in invoked] == ["openssl", "curl", "curl", "curl"]
    assert not (tmp_path / "pwned").exists()
    assert sorted(os.listdir(tmp_path)) == ["bin", "calls", "test-commands.sh"]
    # Each curl got the URL, whole, as one argument; the first two the issued certificate.
    for call in invoked[1:]:
        assert call[-1] == url
    assert invoked[1][invoked[1].index("--cert") + 1].endswith("-client-certificate.pem")
    host = urlsplit(url).hostname
    assert invoked[0][1:] == [
        "s_client",
        "-connect",
        f"{host}:{urlsplit(url).port or 443}",
        "-servername",
        host,
    ]


def test_the_server_files_encode_a_hostile_path_and_host():
    files = _bundle_with(
        "https://ehi.example:8443/ehi;touch${IFS}pwned\n}", path="/ehi;touch${IFS}pwned\n}"
    )
    assert '    location "/ehi%3Btouch%24%7BIFS%7Dpwned%0A%7D" {\n' in files["nginx.conf"]
    assert '    <Location "/ehi%3Btouch%24%7BIFS%7Dpwned%0A%7D">\n' in files["apache.conf"]
    for name in ("nginx.conf", "apache.conf"):
        directives = [line for line in files[name].splitlines() if not line.startswith("#")]
        assert not any("touch${IFS}" in line for line in directives)
    # In a comment the URL stays on its one line: the newline is encoded there too. (The
    # script keeps it inside single quotes, where it is inert: see the test above.)
    for text in (files[name] for name in files if name != "commands.sh"):
        assert "pwned\n" not in text
        assert any(line.startswith("#") and "pwned%0A}" in line for line in text.splitlines())
