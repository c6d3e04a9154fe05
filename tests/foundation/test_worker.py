"""A real Celery worker process on Redis runs a task and returns its result."""

import pytest

from connectivity.models import Organisation
from connectivity.tasks import worker_health

pytestmark = pytest.mark.worker


def test_worker_runs_a_task_against_the_database(celery_worker_process):
    Organisation.objects.create(name="Acme Payments", slug="acme-payments")
    result = worker_health.apply_async(queue=celery_worker_process).get(timeout=60)
    assert result["organisations"] == 1
    assert result["database"].startswith("test_")
