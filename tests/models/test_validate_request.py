"""`manage.py validate_request`: findings as JSON, exit 1 on any error, never a traceback."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectivity.choices import Environment
from connectivity.document import parse_document
from connectivity.models import Allocation, ConnectivityRequest, ReservedRange, ThreddSettings
from connectivity.selectors.findings import document_findings
from tests.conftest import BASE_DIR
from tests.documents import valid_vpn_document

pytestmark = pytest.mark.django_db


def _validate(tmp_path, document: object, *extra: str) -> tuple[int, list[dict]]:
    path = tmp_path / "request.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    output = io.StringIO()
    try:
        call_command("validate_request", str(path), *extra, stdout=output, stderr=io.StringIO())
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, json.loads(output.getvalue())


def _codes(findings: list[dict]) -> set[str]:
    return {finding["code"] for finding in findings}


def test_a_valid_document_exits_0_with_no_findings(tmp_path):
    assert _validate(tmp_path, valid_vpn_document()) == (0, [])


def test_warnings_alone_exit_0(tmp_path):
    document = valid_vpn_document()
    document["sites"][0]["subnets"][0]["cidr"] = "10.20.28.0/22"
    status, findings = _validate(tmp_path, document)
    assert status == 0
    assert _codes(findings) == {"subnet_not_recommended"}
    assert findings[0]["field"] == "sites[0].subnets[0].cidr"


def test_an_error_exits_1_with_the_finding(tmp_path):
    document = valid_vpn_document()
    document["sites"][0]["subnets"][0]["cidr"] = "10.20.0.0/20"
    status, findings = _validate(tmp_path, document)
    assert status == 1
    assert "/20 is not permitted" in findings[0]["message"]
    assert set(findings[0]) == {"severity", "code", "field", "message"}


def test_bad_json_is_a_finding_and_exit_1(tmp_path):
    status, findings = _validate(tmp_path, '{"environment": "uat",')
    assert status == 1
    assert _codes(findings) == {"document_invalid"}
    assert "line 1" in findings[0]["message"]


def test_a_missing_file_is_a_finding_and_exit_1(tmp_path):
    output = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("validate_request", str(tmp_path / "nowhere.json"), stdout=output)
    assert exit_.value.code == 1
    assert "Cannot read" in json.loads(output.getvalue())[0]["message"]


def test_reserved_ranges_and_other_organisations_allocations_are_checked(
    tmp_path, organisation, other_organisation
):
    thredd = ThreddSettings.objects.create(environment=Environment.UAT)
    ReservedRange.objects.create(settings=thredd, network="10.0.0.0/16", description="core")
    Allocation.objects.create(
        organisation=other_organisation,
        environment=Environment.UAT,
        network="10.20.30.0/24",
        request=ConnectivityRequest.objects.create(
            organisation=other_organisation, environment="uat", connection_type="ipsec_vpn"
        ),
    )
    document = valid_vpn_document()
    document["sites"][0]["subnets"] = [
        {"cidr": "10.0.5.0/24", "purpose": "ehi"},
        {"cidr": "10.20.30.0/24", "purpose": "web_services"},
    ]
    status, findings = _validate(tmp_path, document, "--organisation", organisation.slug)
    assert status == 1
    by_code = {finding["code"]: finding for finding in findings}
    assert by_code["subnet_reserved"]["field"] == "sites[0].subnets[0].cidr"
    unavailable = by_code["subnet_unavailable"]
    assert unavailable["field"] == "sites[0].subnets[1].cidr"
    assert other_organisation.name not in unavailable["message"]  # never whose
    # The owner of the allocation is told it is already theirs, and in which connection.
    status, findings = _validate(tmp_path, document, "--organisation", other_organisation.slug)
    (own,) = [f for f in findings if f["code"] == "subnet_unavailable"]
    assert "already allocated to your connection CR-" in own["message"]
    # Offline, only the document's own rules run.
    assert _validate(tmp_path, document, "--offline") == (0, [])


def test_reads_standard_input_in_a_real_process():
    document = valid_vpn_document()
    document["surprise"] = True
    result = subprocess.run(
        [sys.executable, "manage.py", "validate_request", "-", "--offline"],
        cwd=BASE_DIR,
        input=json.dumps(document),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)[0]["code"] == "unknown_field"
    assert "Traceback" not in result.stderr


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=JSON)
def test_any_json_value_gives_findings_and_exit_0_or_1(tmp_path, value):
    status, findings = _validate(tmp_path, value)
    assert status in (0, 1)
    assert isinstance(findings, list)
    assert all(set(finding) == {"severity", "code", "field", "message"} for finding in findings)
    assert status == (1 if any(f["severity"] == "error" for f in findings) else 0)


def test_thredds_asn_is_read_only_for_a_bgp_site_and_then_judged(tmp_path, organisation):
    """The configured ASN, not the default, is what a BGP site must not reuse; a request
    with no BGP site does not read it at all."""
    ThreddSettings.objects.create(environment=Environment.UAT, bgp_asn=65123)
    static = valid_vpn_document()
    with CaptureQueriesContext(connection) as static_reads:
        document_findings(parse_document(static)[0], organisation_id=organisation.pk)
    assert not any("bgp_asn" in query["sql"] for query in static_reads.captured_queries)

    bgp = valid_vpn_document()
    bgp["sites"][0]["routing"] = "bgp"
    bgp["sites"][0]["bgp"] = {"asn": 65123, "justification": "Our two DCs fail over."}
    findings = document_findings(parse_document(bgp)[0], organisation_id=organisation.pk)
    assert any(f.field == "sites[0].bgp.asn" and "65123" in f.message for f in findings)
