"""The review queue: the requests waiting, oldest-waiting first, with how long each waited."""

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Now

from connectivity.choices import WAITING_STATUSES
from connectivity.models import ConnectivityRequest, Site


def _with_waits(requests: QuerySet[ConnectivityRequest]) -> QuerySet[ConnectivityRequest]:
    """Annotate `client_waited` and `thredd_wait`, from the clocks the workflow keeps."""
    current_client_stay = Coalesce(
        Now() - F("client_wait_since"), Value(timedelta(0)), output_field=DurationField()
    )
    return requests.annotate(
        client_waited=ExpressionWrapper(
            F("client_wait") + current_client_stay, output_field=DurationField()
        )
    ).annotate(
        thredd_wait=ExpressionWrapper(
            Now() - F("submitted_at") - F("client_waited"), output_field=DurationField()
        )
    )


# Longest waiting on Thredd first; never-submitted requests (no wait) last.
QUEUE_ORDER = (F("thredd_wait").desc(nulls_last=True), "created_at")


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
) -> QuerySet[ConnectivityRequest]:
    """Return the requests waiting, oldest-waiting first: to count and to slice a page of.

    `client_waited` is the time spent waiting on the client (Changes requested), which does
    not count against Thredd; `thredd_wait` the rest since the first submission. Both come
    from the clocks the workflow keeps on the request, so sorting reads no events. The rows
    carry no organisation, assignee or site count: `queue_rows` adds them to a page only,
    so PostgreSQL sorts thousands of narrow rows rather than joining each before sorting.
    """
    requests = _with_waits(ConnectivityRequest.objects.filter(status__in=list(statuses)))
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
    return requests.order_by(*QUEUE_ORDER)


def queue_rows(page: QuerySet[ConnectivityRequest]) -> list[ConnectivityRequest]:
    """Return a page sliced from `review_queue` as the queue shows it, in one query: each
    request with its organisation, assignee, number of sites and waits, in queue order."""
    return list(
        _with_waits(ConnectivityRequest.objects.filter(pk__in=page.values("pk")))
        .select_related("organisation", "assigned_to")
        .annotate(
            # A correlated count, not a join with GROUP BY: worked out for the page's rows only.
            site_count=Coalesce(
                Subquery(
                    Site.objects.filter(request_id=OuterRef("pk"))
                    .order_by()
                    .values("request_id")
                    .annotate(count=Count("pk"))
                    .values("count")
                ),
                0,
            ),
        )
        .order_by(*QUEUE_ORDER)
    )
