"""What review reads: the findings about a stored request, and the queue of those waiting.

Forms, the submit transition and the staff review all ask `request_findings`, so a
request is judged the same way wherever it is looked at.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Now

from connectivity.availability import availability_findings
from connectivity.choices import RequestStatus
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


def request_findings(
    request: ConnectivityRequest, *, answers_loaded: bool = False
) -> list[Finding]:
    """Return every finding about `request`: its own rules, then availability of its subnets.

    The answers are read afresh unless the caller says `request` came from `with_answers`
    (the review page has them already).
    """
    if not answers_loaded:
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


# --- The review queue -------------------------------------------------------------------------

# Statuses in which a request waits for someone: Thredd, or the client (changes requested).
WAITING_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.IN_REVIEW,
    RequestStatus.CHANGES_REQUESTED,
    RequestStatus.APPROVED,
)


def review_queue(
    *,
    statuses: Iterable[str] = WAITING_STATUSES,
    environment: str = "",
    connection_type: str = "",
    organisation_id: int | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    waiting_days_at_least: int | None = None,
    search: str = "",
):
    """Return the requests waiting, oldest-waiting first, with how long each has waited.

    `client_waited` is the time spent waiting on the client (Changes requested), which does
    not count against Thredd; `thredd_wait` the rest since the first submission. Both come
    from the clocks the workflow keeps on the request, so sorting reads no events.
    """
    current_client_stay = Coalesce(
        Now() - F("client_wait_since"), Value(timedelta(0)), output_field=DurationField()
    )
    requests = (
        ConnectivityRequest.objects.filter(status__in=list(statuses))
        .select_related("organisation", "assigned_to")
        .annotate(
            # A correlated count, not a join with GROUP BY: PostgreSQL works it out only for
            # the page of rows the LIMIT keeps, after sorting thousands of waiting requests.
            site_count=Coalesce(
                Subquery(
                    Site.objects.filter(request_id=OuterRef("pk"))
                    .values("request")
                    .annotate(count=Count("pk"))
                    .values("count")
                ),
                0,
            ),
            client_waited=ExpressionWrapper(
                F("client_wait") + current_client_stay, output_field=DurationField()
            ),
        )
        .annotate(
            thredd_wait=ExpressionWrapper(
                Now() - F("submitted_at") - F("client_waited"), output_field=DurationField()
            )
        )
    )
    if environment:
        requests = requests.filter(environment=environment)
    if connection_type:
        requests = requests.filter(connection_type=connection_type)
    if organisation_id is not None:
        requests = requests.filter(organisation_id=organisation_id)
    if assignee_id is not None:
        requests = requests.filter(assigned_to_id=assignee_id)
    if unassigned:
        requests = requests.filter(assigned_to__isnull=True)
    if waiting_days_at_least is not None:
        requests = requests.filter(thredd_wait__gte=timedelta(days=waiting_days_at_least))
    if search.strip():
        term = search.strip()
        requests = requests.filter(
            Q(reference__icontains=term) | Q(organisation__name__icontains=term)
        )
    return requests.order_by(F("thredd_wait").desc(nulls_last=True), "created_at")
