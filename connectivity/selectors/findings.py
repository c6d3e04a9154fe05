"""The findings about a stored request: its own rules, then the availability of its subnets.

Forms, the task list, submission and the staff review all ask `request_findings`, so a
request is judged the same way wherever it is looked at; a document from a file (the
`validate_request` command, importing into a draft) is judged by `document_findings`.
"""

from collections.abc import Iterator
from dataclasses import replace
from ipaddress import IPv4Network

from django.core.exceptions import ValidationError

from connectivity.choices import Environment, Severity
from connectivity.constants import DEFAULT_THREDD_BGP_ASN
from connectivity.document import RequestDocument
from connectivity.findings import Finding, error
from connectivity.models import ConnectivityRequest
from connectivity.rules import validate_document, validate_site
from connectivity.validators import parse_ipv4_network

from .availability import SubnetAvailability, availability_findings, free_range_advice
from .requests import request_answers, request_to_document, thredd_asn_to_judge

ANSWERS_NOT_SAVED = "answers_not_saved"


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
        request = request_answers(request)
        doc = request_to_document(request)
    findings = [
        *validate_document(doc, thredd_asn=thredd_asn_to_judge(doc)),
        *answers_not_saved(request),
    ]
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


def document_findings(
    doc: RequestDocument,
    *,
    organisation_id: int | None,
    request: ConnectivityRequest | None = None,
) -> list[Finding]:
    """Return every finding about a request document from a file, as `organisation_id` sees it.

    The judgement of `validate_request` and of importing a file into a draft (`request`,
    whose own allocations do not count): the rules with the environment's Thredd ASN, then
    the availability of every subnet that is a network. An unknown environment is only the
    rules' error: it never reaches a query.
    """
    if doc.environment not in Environment.values:
        return validate_document(doc, thredd_asn=DEFAULT_THREDD_BGP_ASN)
    findings = validate_document(doc, thredd_asn=thredd_asn_to_judge(doc))
    return findings + availability_findings(
        parsed_subnets(doc),
        environment=doc.environment,
        organisation_id=organisation_id,
        request=request,
    )


def parsed_subnets(doc: RequestDocument) -> Iterator[tuple[str, IPv4Network]]:
    """Yield (field, network) for every subnet of `doc` that is a valid network."""
    for site_index, site in enumerate(doc.sites):
        for index, subnet in enumerate(site.subnets):
            try:
                network = parse_ipv4_network(subnet.cidr)
            except ValidationError:  # the rules report it
                continue
            yield f"sites[{site_index}].subnets[{index}].cidr", network


def answers_not_saved(request: ConnectivityRequest) -> list[Finding]:
    """Return an error for each site whose page keeps wrong answers as typed, not yet saved.

    "Save and come back later" stores a site's right answers and keeps the wrong ones on its
    page (`Site.answers_as_typed`); until they are corrected the request cannot be sent, or
    it would go without them.
    """
    return [
        error(
            ANSWERS_NOT_SAVED,
            f"sites[{index}]",
            "Some answers are kept as you typed them but not saved, because they need "
            "correcting: open the site's page to correct them.",
        )
        for index, site in enumerate(request.sites.all())
        if site.answers_as_typed
    ]


def site_findings(request: ConnectivityRequest, doc: RequestDocument, index: int) -> list[Finding]:
    """Return the findings about site `index` of `doc`, the answers on its page.

    `doc` is the request's document with this site's answers as typed. Availability is
    asked only for subnets the rules found nothing wrong with.
    """
    findings = validate_site(doc, index, thredd_asn=thredd_asn_to_judge(doc))
    wrong = {finding.field for finding in findings if finding.severity == Severity.ERROR}
    own = [
        (path, parse_ipv4_network(subnet.cidr))
        for position, subnet in enumerate(doc.sites[index].subnets)
        if (path := f"sites[{index}].subnets[{position}].cidr") not in wrong
    ]
    taken = availability_findings(
        own,
        environment=request.environment,
        organisation_id=request.organisation_id,
        request=request,
    )
    return findings + _with_free_range(request, taken, dict(own))


def _with_free_range(
    request: ConnectivityRequest, taken: list[Finding], networks: dict[str, IPv4Network]
) -> list[Finding]:
    """Add to the last finding about each taken subnet the nearest free range of its size,
    away from the other subnets on the page."""
    last = {finding.field: position for position, finding in enumerate(taken)}
    for field, position in last.items():
        advice = free_range_advice(
            request=request, network=networks[field], avoiding=networks.values()
        )
        finding = taken[position]
        taken[position] = replace(finding, message=f"{finding.message} {advice}")
    return taken
