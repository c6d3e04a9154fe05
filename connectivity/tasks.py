"""Celery tasks: thin adapters that take ids, call a service and retry on failure."""

from celery import shared_task
from django.db import connection

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
