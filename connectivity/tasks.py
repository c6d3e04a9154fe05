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


class AwsUnavailable(Exception):
    """Say that AWS could not answer now (throttled, an outage): the task retries later.

    `services.aws` raises it; it lives here because the tasks' retry policy names it.
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


# Thredd's side in AWS. AWS being away is worth a few retries (10 s, 20 s, 40 s); a refusal
# is failed by the service with AWS's reason, never retried. The sweep hands out again
# whatever is still pending after that.
_AWS_RETRIES = {
    "autoretry_for": (AwsUnavailable, OperationalError, InterfaceError),
    "max_retries": 3,
    "retry_backoff": 10,
    "retry_backoff_max": 40,
    "retry_jitter": False,
}


@shared_task(name="connectivity.aws_vpn_connection_provision", **_AWS_RETRIES)
def aws_vpn_connection_provision(connection_id: int) -> str:
    """Create Thredd's side of one client VPN in AWS; return its status."""
    from connectivity.services import aws

    return aws.vpn_connection_provision(connection_id=connection_id).status


@shared_task(name="connectivity.aws_peering_attachment_provision", **_AWS_RETRIES)
def aws_peering_attachment_provision(attachment_id: int) -> str:
    """Create the peering attachment to one client's transit gateway; return its status."""
    from connectivity.services import aws

    return aws.peering_attachment_provision(attachment_id=attachment_id).status


@shared_task(name="connectivity.aws_vpn_connection_decommission", **_AWS_RETRIES)
def aws_vpn_connection_decommission(connection_id: int) -> str:
    """Delete what the portal made in AWS for one retired VPN; return its status."""
    from connectivity.services import aws

    return aws.vpn_connection_decommission(connection_id=connection_id).status


@shared_task(name="connectivity.aws_peering_attachment_decommission", **_AWS_RETRIES)
def aws_peering_attachment_decommission(attachment_id: int) -> str:
    """Delete what the portal made in AWS for one retired TGW site; return its status."""
    from connectivity.services import aws

    return aws.peering_attachment_decommission(attachment_id=attachment_id).status


@shared_task(name="connectivity.aws_sweep")
def aws_sweep() -> int:
    """Hand out again every AWS resource still pending after a run's time; return how many."""
    from connectivity.services import aws

    due = aws.aws_due()
    for kind, pk in due:
        task = aws_vpn_connection_provision if kind == "vpn" else aws_peering_attachment_provision
        task.delay(pk)
    return len(due)


@shared_task(name="connectivity.aws_telemetry_poll", **_AWS_RETRIES)
def aws_telemetry_poll() -> int:
    """Read tunnel states and peering acceptances from AWS, and mail tunnels down too long."""
    from connectivity.services import aws

    aws.peering_attachments_poll()
    return aws.telemetry_poll()


# mTLS client certificates. AWS Private CA being away is retried like EC2; a refusal is failed
# by the service with AWS's reason. The sweep hands out again whatever is still pending.
@shared_task(name="connectivity.certificate_issue", **_AWS_RETRIES)
def certificate_issue_task(certificate_id: int) -> str:
    """Have Thredd's issuing CA sign one approved CSR; return the certificate's status."""
    from connectivity.services import certificates

    return certificates.certificate_issue(certificate_id=certificate_id).status


@shared_task(name="connectivity.certificate_sweep")
def certificate_sweep() -> int:
    """Hand out again every certificate still pending after an issue's time; return how many."""
    from connectivity.services import certificates

    due = certificates.certificates_due()
    for certificate_id in due:
        certificate_issue_task.delay(certificate_id)
    return len(due)


@shared_task(name="connectivity.certificate_expiry_warn")
def certificate_expiry_warn() -> int:
    """Mail the clients and Thredd of certificates 30 and 7 days from expiry; return how many."""
    from connectivity.services import certificates

    return len(certificates.certificate_expiry_emails_create())
