"""Celery tasks: thin adapters that take ids, call a service and retry on failure."""

from celery import shared_task
from django.db import InterfaceError, OperationalError, connection

from connectivity import artifacts, notifications
from connectivity.models import Organisation


@shared_task(name="connectivity.worker_health")
def worker_health() -> dict[str, object]:
    """Report that this worker can reach the portal's database.

    Operators call it to check a deployment end to end (broker → worker → PostgreSQL →
    result backend); the worker test uses it the same way.
    """
    return {
        "database": connection.settings_dict["NAME"],
        "organisations": Organisation.objects.count(),
    }


@shared_task(
    name="connectivity.email_send",
    autoretry_for=(notifications.MailDeferred,),
    # A few quick retries (10 s, 20 s, 40 s) ride out a mail server restart; after them
    # the sweep takes over, once a minute, so a long outage delays mail but loses none.
    max_retries=3,
    retry_backoff=10,
    retry_backoff_max=40,
    retry_jitter=False,
)
def email_send(email_id: int) -> str | None:
    """Deliver one outbox email, retrying with backoff while the mail server is away."""
    return notifications.outbound_email_send(email_id=email_id)


@shared_task(name="connectivity.email_sweep")
def email_sweep() -> int:
    """Hand out again every outbox email still pending after its retries; return how many."""
    due = notifications.outbox_due()
    for email_id in due:
        email_send.delay(email_id)
    return len(due)


@shared_task(
    name="connectivity.artifact_render",
    # A database that is away is worth a few quick retries (5 s, 10 s, 20 s); a request the
    # generator refuses is failed by the service instead, never retried. The sweep hands out
    # again whatever is still pending after that.
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=5,
    retry_backoff_max=20,
    retry_jitter=False,
)
def artifact_render_task(artifact_id: int) -> str:
    """Render one configuration artifact and store it; return its status."""
    return artifacts.artifact_render(artifact_id=artifact_id).status


@shared_task(name="connectivity.artifact_sweep")
def artifact_sweep() -> int:
    """Hand out again every artifact still pending after a render's time; return how many."""
    due = artifacts.artifacts_due()
    for artifact_id in due:
        artifact_render_task.delay(artifact_id)
    return len(due)
