"""A real Celery worker on Redis delivers a status change's mail to a real SMTP server."""

import pytest

from connectivity.models import OutboundEmail, OutboundEmailStatus
from connectivity.services import workflow
from connectivity.tasks import email_send
from tests.conftest import wait_until
from tests.factories import request_create

pytestmark = pytest.mark.worker


def test_worker_delivers_the_outbox_after_commit(
    worker_mail_to_smtp_server, celery_worker_process, organisation, client_user, monkeypatch
):
    smtp_server = worker_mail_to_smtp_server
    # Publish to the test worker's own queue, not the default one other workers may read.
    monkeypatch.setattr(
        email_send,
        "delay",
        lambda email_id: email_send.apply_async((email_id,), queue=celery_worker_process),
    )
    connectivity_request = request_create(organisation=organisation, created_by=client_user)

    workflow.request_transition("submit", request=connectivity_request, actor=client_user)

    wait_until(
        lambda: len(smtp_server.envelopes) == 3, timeout=60, message="the worker to send 3 emails"
    )
    emails = OutboundEmail.objects.filter(request=connectivity_request)
    wait_until(
        lambda: set(emails.values_list("status", flat=True)) == {OutboundEmailStatus.SENT},
        timeout=10,
        message="the worker to record the emails as sent",
    )
    assert {message["X-Thredd-Request"] for message in smtp_server.messages} == {
        connectivity_request.reference
    }
