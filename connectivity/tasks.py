"""Celery tasks: thin adapters that take ids, call a service and retry on failure.

Each imports its service inside its body: the services queue these tasks after commit, so
the tasks cannot import the services at module level without an import circle, and a
worker loads the service only when it runs the task.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError, connection

from connectivity.models import Organisation


class MailDeferred(Exception):
    """Say that the mail server could not take an email now: it stays pending for a retry.

    `services.notifications` raises it; it lives here because the task's retry policy names
    it when the module loads.
    """


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
    autoretry_for=(MailDeferred,),
    # A few quick retries (10 s, 20 s, 40 s) ride out a mail server restart; after them
    # the sweep takes over, once a minute, so a long outage delays mail but loses none.
    max_retries=3,
    retry_backoff=10,
    retry_backoff_max=40,
    retry_jitter=False,
)
def email_send(email_id: int) -> str | None:
    """Deliver one outbox email, retrying with backoff while the mail server is away."""
    from connectivity.services import notifications

    return notifications.outbound_email_send(email_id=email_id)


@shared_task(name="connectivity.email_sweep")
def email_sweep() -> int:
    """Hand out again every outbox email still pending after its retries; return how many."""
    from connectivity.services import notifications

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
    from connectivity.services import artifacts

    return artifacts.artifact_render(artifact_id=artifact_id).status


@shared_task(name="connectivity.artifact_sweep")
def artifact_sweep() -> int:
    """Hand out again every artifact still pending after a render's time; return how many."""
    from connectivity.services import artifacts

    due = artifacts.artifacts_due()
    for artifact_id in due:
        artifact_render_task.delay(artifact_id)
    return len(due)
