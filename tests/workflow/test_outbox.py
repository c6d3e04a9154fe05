"""The outbox: mail survives a mail server outage and never escapes a rolled-back change."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import F

from connectivity.choices import RequestStatus
from connectivity.models import ConnectivityRequest, OutboundEmail, OutboundEmailStatus
from connectivity.services import workflow
from connectivity.tasks import email_send, email_sweep
from tests.documents import CONTACT_EMAIL
from tests.factories import request_create, subnets_confirm

S = RequestStatus


def _a_while_passes() -> None:
    """Age every outbox row past the sweep's resend delay, as if the clock moved on."""
    OutboundEmail.objects.update(
        created_at=F("created_at") - timedelta(minutes=2),
        last_attempt_at=F("last_attempt_at") - timedelta(minutes=2),
    )


def _approve_then_fail(connectivity_request, engineer) -> None:
    """Approve inside a transaction that a later step then rolls back."""
    with transaction.atomic():
        workflow.request_transition("approve", request=connectivity_request, actor=engineer)
        raise RuntimeError("a later step of the same transaction failed")


@pytest.mark.usefixtures("eager_tasks")
def test_smtp_down_delays_mail_but_loses_none(
    make_request, client_user, smtp_sink, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.DRAFT)

    # Nothing listens on the mail port: the change commits all the same.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition("submit", request=connectivity_request, actor=client_user)

    connectivity_request.refresh_from_db()
    assert connectivity_request.status == S.SUBMITTED
    emails = OutboundEmail.objects.filter(request=connectivity_request)
    recipients = sorted(["ada@acme-payments.example", CONTACT_EMAIL, settings.THREDD_TEAM_EMAIL])
    assert sorted(emails.values_list("recipient", flat=True)) == recipients
    for email in emails:
        assert email.status == OutboundEmailStatus.PENDING
        assert email.attempts == 1 + email_send.max_retries  # the task's bounded retries
        assert email.last_error.startswith("ConnectionRefusedError")

    # The sweep leaves alone what was tried a moment ago.
    smtp_sink.start()
    assert email_sweep() == 0
    assert smtp_sink.envelopes == []

    _a_while_passes()
    assert email_sweep() == 3
    assert smtp_sink.delivered_to() == recipients
    assert set(emails.values_list("status", flat=True)) == {OutboundEmailStatus.SENT}

    _a_while_passes()
    assert email_sweep() == 0
    assert smtp_sink.delivered_to() == recipients


def test_rolled_back_change_queues_no_task_and_writes_no_mail(
    make_request, thredd_engineer, django_capture_on_commit_callbacks
):
    connectivity_request = make_request(S.IN_REVIEW)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        _approve_then_fail(connectivity_request, thredd_engineer)

    assert callbacks == []
    assert not OutboundEmail.objects.exists()
    assert not connectivity_request.events.exists()
    connectivity_request.refresh_from_db()
    assert connectivity_request.status == S.IN_REVIEW


@pytest.fixture
def queued(monkeypatch):
    """Record the ids of the emails handed to the email task, instead of sending them."""
    ids: list[int] = []
    monkeypatch.setattr(email_send, "delay", ids.append)
    return ids


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_on_a_real_transaction(
    organisation, client_user, thredd_engineer, queued
):
    connectivity_request = request_create(
        organisation=organisation, created_by=client_user, status=S.IN_REVIEW
    )
    subnets_confirm(request=connectivity_request, engineer=thredd_engineer)

    with pytest.raises(RuntimeError):
        _approve_then_fail(connectivity_request, thredd_engineer)

    assert queued == []
    assert not OutboundEmail.objects.exists()
    assert ConnectivityRequest.objects.get(pk=connectivity_request.pk).status == S.IN_REVIEW

    # The same change, committed, queues one task per outbox row once it commits.
    workflow.request_transition("approve", request=connectivity_request, actor=thredd_engineer)
    assert sorted(queued) == sorted(OutboundEmail.objects.values_list("pk", flat=True))
    assert len(queued) == 2  # the contact and the requester: no engineer is assigned


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_does_not_undo_the_change(
    organisation, client_user, monkeypatch, caplog
):
    def broker_down(email_id):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(email_send, "delay", broker_down)
    connectivity_request = request_create(organisation=organisation, created_by=client_user)

    workflow.request_transition("submit", request=connectivity_request, actor=client_user)

    assert ConnectivityRequest.objects.get(pk=connectivity_request.pk).status == S.SUBMITTED
    assert OutboundEmail.objects.filter(status=OutboundEmailStatus.PENDING).count() == 3
    assert "broker unreachable" in caplog.text
