"""The findings about a stored request: its own rules, then the availability of its subnets.

Forms, the task list, submission and the staff review all ask `request_findings`, so a
request is judged the same way wherever it is looked at.
"""

from ipaddress import IPv4Network

from connectivity.choices import Severity
from connectivity.document import RequestDocument
from connectivity.findings import Finding
from connectivity.models import ConnectivityRequest
from connectivity.rules import validate_document, validate_site
from connectivity.validators import parse_ipv4_network

from .availability import SubnetAvailability, availability_findings
from .requests import request_answers, request_to_document, thredd_bgp_asn


def request_findings(
    request: ConnectivityRequest,
    doc: RequestDocument | None = None,
    availability: list[SubnetAvailability] | None = None,
) -> list[Finding]:
    """Return every finding about `request`: its own rules, then availability of its subnets.

    `doc` is the request's document, and `availability` its subnets' availability, when the
    caller already has them (the review page shows both); otherwise they are read here.
    """
    if doc is None:
        doc = request_to_document(request_answers(request))
    findings = validate_document(doc, thredd_asn=thredd_bgp_asn(request.environment))
    if availability is not None:
        return findings + [
            finding for row in availability for finding in row.findings(request.organisation_id)
        ]
    findings += availability_findings(
        [
            (f"sites[{site_index}].subnets[{index}].cidr", IPv4Network(subnet.cidr))
            for site_index, site in enumerate(doc.sites)
            for index, subnet in enumerate(site.subnets)
        ],
        environment=request.environment,
        organisation_id=request.organisation_id,
        request=request,
    )
    return findings


def site_findings(request: ConnectivityRequest, doc: RequestDocument, index: int) -> list[Finding]:
    """Return the findings about site `index` of `doc`, the answers on its page.

    `doc` is the request's document with this site's answers as typed. Availability is
    asked only for subnets the rules found nothing wrong with.
    """
    findings = validate_site(doc, index, thredd_asn=thredd_bgp_asn(request.environment))
    wrong = {finding.field for finding in findings if finding.severity == Severity.ERROR}
    own = [
        (path, parse_ipv4_network(subnet.cidr))
        for position, subnet in enumerate(doc.sites[index].subnets)
        if (path := f"sites[{index}].subnets[{position}].cidr") not in wrong
    ]
    return findings + availability_findings(
        own,
        environment=request.environment,
        organisation_id=request.organisation_id,
        request=request,
    )
