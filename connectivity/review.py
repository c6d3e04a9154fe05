"""Judge a stored request: the pure rules plus the rules that read other rows.

Forms, the submit transition and the staff review all ask this one function, so a
request is judged the same way wherever it is looked at.
"""

from django.db.models import Prefetch

from connectivity.availability import availability_findings
from connectivity.constants import DEFAULT_THREDD_BGP_ASN
from connectivity.document import request_to_document
from connectivity.findings import Finding
from connectivity.models import ConnectivityRequest, Site, ThreddSettings, Vpn
from connectivity.rules import validate_document


def with_answers(requests):
    """Return `requests` with every answer prefetched, for dumping or showing them whole."""
    return requests.select_related("organisation", "mtls").prefetch_related(
        "contacts",
        Prefetch(
            "sites",
            queryset=Site.objects.prefetch_related(
                Prefetch("vpns", queryset=Vpn.objects.prefetch_related("tunnels")),
                "attachments",
                "subnets",
            ),
        ),
    )


def thredd_bgp_asn(environment: str) -> int:
    """Return Thredd's BGP ASN in `environment` (the admin's setting, else the default)."""
    asn = (
        ThreddSettings.objects.filter(environment=environment)
        .values_list("bgp_asn", flat=True)
        .first()
    )
    return DEFAULT_THREDD_BGP_ASN if asn is None else asn


def request_findings(request: ConnectivityRequest) -> list[Finding]:
    """Return every finding about `request`: its own rules, then availability of its subnets."""
    request = with_answers(ConnectivityRequest.objects.filter(pk=request.pk)).get()
    findings = validate_document(
        request_to_document(request), thredd_asn=thredd_bgp_asn(request.environment)
    )
    findings += availability_findings(
        [
            (f"sites[{site_index}].subnets[{index}].cidr", subnet.network)
            for site_index, site in enumerate(request.sites.all())
            for index, subnet in enumerate(site.subnets.all())
        ],
        environment=request.environment,
        organisation_id=request.organisation_id,
    )
    return findings
