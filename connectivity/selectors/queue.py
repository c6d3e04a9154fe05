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
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Now

from connectivity.choices import WAITING_STATUSES
from connectivity.models import ConnectivityRequest, Site


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
