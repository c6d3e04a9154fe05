"""Two engineers decide the same request at the same moment: exactly one decision wins."""

import threading
import time

import pytest
from django.db import connection

from connectivity.choices import RequestStatus
from connectivity.models import ConnectivityRequest, OutboundEmail, RequestEvent
from connectivity.services import notifications, workflow
from connectivity.services.workflow import TransitionError
from connectivity.tasks import email_send
from tests.factories import request_create, subnets_confirm


@pytest.mark.django_db(transaction=True)
def test_concurrent_approve_and_reject_give_one_event_one_status_one_set_of_emails(
    organisation, client_user, thredd_engineer, monkeypatch
):
    connectivity_request = request_create(
        organisation=organisation, created_by=client_user, status=RequestStatus.IN_REVIEW
    )
    subnets_confirm(request=connectivity_request, engineer=thredd_engineer)
    queued: list[int] = []
    monkeypatch.setattr(email_send, "delay", queued.append)
    # Hold the row lock a little longer than the race window, so the second decision
    # arrives while the first is still inside its transaction.
    write_outbox = notifications.outbox_emails_create

    def slow_outbox(**kwargs):
        time.sleep(0.3)
        return write_outbox(**kwargs)

    monkeypatch.setattr(notifications, "outbox_emails_create", slow_outbox)

    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(name, service, **arguments):
        try:
            barrier.wait(timeout=10)
            outcomes[name] = workflow.request_transition(
                service, request=connectivity_request, actor=thredd_engineer, **arguments
            ).status
        except Exception as exc:  # the test inspects whatever was raised
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("approve", "approve")),
        threading.Thread(
            target=decide,
            args=("reject", "reject"),
            kwargs={"comment": "Overlaps an allocated subnet."},
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = [outcome for outcome in outcomes.values() if isinstance(outcome, str)]
    errors = [outcome for outcome in outcomes.values() if not isinstance(outcome, str)]
    assert len(statuses) == len(errors) == 1, outcomes
    (final_status,), (error,) = statuses, errors
    assert type(error) is TransitionError, outcomes
    assert "not In review" in str(error)

    assert ConnectivityRequest.objects.get(pk=connectivity_request.pk).status == final_status
    (event,) = RequestEvent.objects.filter(request=connectivity_request)
    assert event.to_status == final_status
    emails = OutboundEmail.objects.filter(request=connectivity_request)
    assert set(emails.values_list("event", flat=True)) == {event.pk}
    assert emails.count() == 2  # the contact and the requester: nobody is assigned
    assert sorted(queued) == sorted(emails.values_list("pk", flat=True))
