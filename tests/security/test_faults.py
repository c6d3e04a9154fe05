"""Faults with real processes: Redis stopped at approval, the database lost mid-request.

The other faults are proven where their machinery lives:
- SMTP down, mail delivered once later: tests/workflow/test_outbox.py
  (test_smtp_down_delays_mail_but_loses_none);
- a worker SIGKILLed mid-task, the task done exactly once: tests/artifacts/test_worker_kill.py;
- a task failing for good shows "failed" with its reason and staff retry it from the review
  page: tests/artifacts/test_render.py
  (test_a_refused_render_fails_with_the_reason_and_renders_after_a_retry) and
  tests/artifacts/test_downloads.py (TestProgress::test_a_failed_file_shows_its_reason_and_…).
"""

import logging
import subprocess
import time
from datetime import timedelta

import pytest
import redis
from django.db import connection, connections
from django.db.models import F
from django.urls import reverse

from connectivity.choices import RequestStatus
from connectivity.models import (
    Artifact,
    ArtifactStatus,
    ConnectivityRequest,
    OutboundEmail,
    OutboundEmailStatus,
    Subnet,
)
from connectivity.services import drafts
from connectivity.services.allocation import subnet_confirm
from connectivity.tasks import artifact_render_task, artifact_sweep, email_send, email_sweep
from tests.conftest import free_port, verified_staff_login, wait_until
from tests.factories import aws_side_record


class OwnRedis:
    """A redis-server of this test's own, on a free port, that the test stops and starts."""

    def __init__(self, tmp_path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = tmp_path
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _answers(client), timeout=10, message="redis to start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _answers(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def celery_broker_url(own_redis):
    return own_redis.url


@pytest.mark.worker
def test_redis_stopped_at_approval_the_approval_stands_and_files_and_mail_follow(
    own_redis,
    worker_mail_to_smtp_server,
    celery_worker_process,
    monkeypatch,
    client,
    caplog,
    in_review,
    thredd_uat,
    thredd_engineer,
):
    smtp_server = worker_mail_to_smtp_server
    queue = celery_worker_process
    for task in (artifact_render_task, email_send):
        monkeypatch.setattr(
            task, "delay", lambda item_id, task=task: task.apply_async((item_id,), queue=queue)
        )
    connectivity_request = in_review()
    for subnet in Subnet.objects.filter(site__request=connectivity_request):
        subnet_confirm(subnet=subnet, actor=thredd_engineer)
    verified_staff_login(client, thredd_engineer)

    own_redis.stop()
    caplog.set_level(logging.ERROR)
    started = time.monotonic()
    response = client.post(
        reverse("review-action", args=[connectivity_request.reference, "approve"])
    )

    # The approval committed although nothing could be queued, and the engineer was not
    # kept waiting for Redis (the retry policies in settings bound each attempt).
    assert response.status_code == 302
    assert time.monotonic() - started < 5
    connectivity_request.refresh_from_db()
    assert connectivity_request.status == RequestStatus.APPROVED
    # The engineer records Thredd's AWS side, which queues the VPN's file: still no Redis.
    aws_side_record(request=connectivity_request, engineer=thredd_engineer)
    artifacts = Artifact.objects.filter(request=connectivity_request)
    assert artifacts.exists()
    assert set(artifacts.values_list("status", flat=True)) == {ArtifactStatus.PENDING}
    emails = OutboundEmail.objects.filter(request=connectivity_request)
    assert set(emails.values_list("status", flat=True)) == {OutboundEmailStatus.PENDING}
    assert "Error calling" in caplog.text

    # Redis comes back; the periodic sweeps hand everything out again.
    own_redis.start()
    artifacts.update(created_at=F("created_at") - timedelta(minutes=10))
    assert artifact_sweep() == artifacts.count()
    wait_until(
        lambda: set(artifacts.values_list("status", flat=True)) == {ArtifactStatus.READY},
        timeout=60,
        message="the worker to render every file after Redis returned",
    )
    # With the files rendered the worker wrote the files-ready mail, queued on the default
    # queue, which this test's worker does not read: the sweep hands it out here with the
    # mails stranded at approval.
    assert emails.filter(topic__startswith="files-ready:").exists()
    emails.update(created_at=F("created_at") - timedelta(minutes=10))
    assert email_sweep() == emails.count()
    wait_until(
        lambda: set(emails.values_list("status", flat=True)) == {OutboundEmailStatus.SENT},
        timeout=60,
        message="the worker to deliver every email after Redis returned",
    )
    assert email_sweep() == 0
    # Exactly once each.
    assert smtp_server.delivered_to() == sorted(emails.values_list("recipient", flat=True))


def _lose_the_connection_after(service, monkeypatch):
    """Make `service` write its first row, then lose its database connection mid-write."""
    original = drafts._stored

    def stored_then_lost(instance):
        saved = original(instance)
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return saved

    monkeypatch.setattr(drafts, "_stored", stored_then_lost)


@pytest.mark.django_db(transaction=True)
def test_the_database_lost_mid_request_gives_a_clean_error_page_and_no_half_request(
    client, client_user, monkeypatch
):
    client.raise_request_exception = False
    client.force_login(client_user)
    _lose_the_connection_after(drafts.draft_create, monkeypatch)

    # An mTLS draft writes the request, then its mTLS row: the connection dies between.
    response = client.post(
        reverse("request-start"),
        {"environment": "uat", "connection_type": "mtls", "services": ["ehi"]},
    )

    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, something went wrong" in html
    assert "nothing you sent was half-saved" in html
    assert "Traceback" not in html
    assert "psycopg" not in html.lower()
    connection.close()  # the test's own connection died with the request's
    assert not ConnectivityRequest.objects.exists()
