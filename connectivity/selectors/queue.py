"""The review queue: the requests waiting, oldest-waiting first, with how long each waited."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    Count,
    DurationField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from connectivity.choices import WAITING_STATUSES, ConnectionType, Environment, RequestStatus
from connectivity.models import ConnectivityRequest, Site

# The waits as SQL text rather than expressions: the queue builds them three times a view
# (the count, the page, its rows), and as expressions they cost more to build than to run.
# Their columns are the request table's own (no table the queue joins has one), so the text
# reads the same in a subquery, whatever alias Django gives the table there.
_CLIENT_WAITED = "client_wait + COALESCE(STATEMENT_TIMESTAMP() - client_wait_since, INTERVAL '0')"
_THREDD_WAIT = f"STATEMENT_TIMESTAMP() - submitted_at - ({_CLIENT_WAITED})"


def _with_waits(requests: QuerySet[ConnectivityRequest]) -> QuerySet[ConnectivityRequest]:
    """Annotate `client_waited` and `thredd_wait`, from the clocks the workflow keeps:
    time spent with the client so far (finished stays, and the current one), and the rest
    since the first submission (None before it)."""
    return requests.annotate(
        client_waited=RawSQL(_CLIENT_WAITED, (), output_field=DurationField()),  # noqa: S611
        thredd_wait=RawSQL(_THREDD_WAIT, (), output_field=DurationField()),  # noqa: S611
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


def _days(wait: timedelta | None) -> str:
    if wait is None:
        return "\N{EN DASH}"
    return f"{wait.days} day{'' if wait.days == 1 else 's'}"


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One request as the queue lists it, each column's text worked out once in Python:
    the queue draws 25 rows of ten columns on every view, where the template's lookups cost
    more than the query."""

    reference: str
    is_amendment: bool
    organisation_id: int
    organisation: str
    environment: str
    connection_type: str
    site_count: int
    status: str
    waiting_on_thredd: str  # "4 days"; an en dash for a request never submitted
    waiting_on_client: str
    assignee: str  # the engineer's name, else email; "" for nobody
    can_be_assigned: bool  # submitted: "Assign to me" starts its review


def _assignee(first_name: str | None, last_name: str | None, email: str | None) -> str:
    full_name = f"{first_name or ''} {last_name or ''}".strip()
    return full_name or email or ""


def queue_rows(page: QuerySet[ConnectivityRequest]) -> list[QueueRow]:
    """Return a page sliced from `review_queue` as the queue shows it, in one query: each
    request with its organisation, assignee, number of sites and waits, in queue order."""
    rows = (
        _with_waits(ConnectivityRequest.objects.filter(pk__in=page.values("pk")))
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
        .values_list(
            "reference",
            "amends_id",
            "organisation_id",
            "organisation__name",
            "environment",
            "connection_type",
            "site_count",
            "status",
            "thredd_wait",
            "client_waited",
            "assigned_to__first_name",
            "assigned_to__last_name",
            "assigned_to__email",
        )
    )
    return [
        QueueRow(
            reference=reference,
            is_amendment=amends_id is not None,
            organisation_id=organisation_id,
            organisation=organisation,
            environment=Environment(environment).label,
            connection_type=ConnectionType(connection_type).label,
            site_count=site_count,
            status=RequestStatus(status).label,
            waiting_on_thredd=_days(thredd_wait),
            waiting_on_client=_days(client_waited),
            assignee=_assignee(*assignee),
            can_be_assigned=status == RequestStatus.SUBMITTED,
        )
        for (
            reference,
            amends_id,
            organisation_id,
            organisation,
            environment,
            connection_type,
            site_count,
            status,
            thredd_wait,
            client_waited,
            *assignee,
        ) in rows
    ]
