"""A worker SIGKILLed in the middle of a render loses nothing and duplicates nothing.

To catch a worker mid-render without a test hook in the portal, the test holds an ACCESS
EXCLUSIVE lock on Thredd's settings table: the render commits its attempt, then waits on
the lock while reading Thredd's side, and is killed there.
"""

from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db.models import F

from connectivity.models import Artifact, ArtifactStatus
from connectivity.services import artifacts
from connectivity.tasks import artifact_render_task, artifact_sweep
from tests.conftest import _database_url, wait_until

from .conftest import three_vpns

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pending(broker_queue, approved_request):
    """The three pending artifacts of an approved request of three VPNs, none handed out."""
    connectivity_request = approved_request(sites=three_vpns())
    broker_queue.clean()  # the test hands the renders out itself
    return connectivity_request.artifacts.order_by("id")


@pytest.fixture
def thredd_settings_locked():
    """Hold Thredd's settings table locked from another connection; yield its release."""
    connection = psycopg.connect(_database_url(settings.DATABASES["default"]))
    connection.execute("LOCK TABLE connectivity_threddsettings IN ACCESS EXCLUSIVE MODE")
    yield connection.commit
    connection.close()


def _a_render_is_waiting() -> bool:
    with psycopg.connect(_database_url(settings.DATABASES["default"])) as connection:
        (waiting,) = connection.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return waiting > 0


def _killed_mid_render(worker, pending) -> Artifact:
    """Publish every render, kill the pool process blocked in the first; return its artifact."""
    for artifact in pending:
        artifact_render_task.delay(artifact.pk)
    wait_until(_a_render_is_waiting, timeout=30, message="a render to reach Thredd's settings")
    # The attempt was committed before the render began: the artifact says who was hit.
    (killed,) = pending.filter(attempts=1)
    assert killed.status == ArtifactStatus.PENDING
    return killed


def _all_ready_once(pending) -> dict[int, str]:
    wait_until(
        lambda: set(pending.values_list("status", flat=True)) == {ArtifactStatus.READY},
        timeout=60,
        message="every artifact to be ready",
    )
    assert pending.count() == 3
    return dict(pending.values_list("id", "checksum"))


def _assert_checksums_stable(checksums: dict[int, str]) -> None:
    """Rendered again from scratch in this process, each artifact gives the same checksum."""
    Artifact.objects.update(status=ArtifactStatus.PENDING)
    for artifact_id, checksum in checksums.items():
        assert artifacts.artifact_render(artifact_id=artifact_id).checksum == checksum


def test_a_killed_pool_process_gives_its_render_back_to_the_queue(
    celery_workers, pending, thredd_settings_locked
):
    worker = celery_workers()
    killed = _killed_mid_render(worker, pending)

    worker.kill_pool_process()
    wait_until(
        lambda: "signal 9 (SIGKILL)" in worker.output(),
        timeout=30,
        message="the worker to notice its pool process died",
    )
    thredd_settings_locked()  # release: the requeued render and the rest go through

    checksums = _all_ready_once(pending)
    attempts = dict(pending.values_list("id", "attempts"))
    assert attempts.pop(killed.pk) == 2  # the killed attempt, then the one that finished
    assert set(attempts.values()) == {1}
    _assert_checksums_stable(checksums)


def test_a_whole_worker_killed_mid_render_is_made_good_by_a_new_worker_and_the_sweep(
    celery_workers, pending, thredd_settings_locked
):
    first = celery_workers()
    killed = _killed_mid_render(first, pending)

    first.kill()
    second = celery_workers()
    thredd_settings_locked()

    # The two renders never handed to the dead worker go through the new one.
    wait_until(
        lambda: pending.filter(status=ArtifactStatus.READY).count() == 2,
        timeout=60,
        message="the new worker to render the other two artifacts",
    )
    killed.refresh_from_db()
    assert (killed.status, killed.attempts) == (ArtifactStatus.PENDING, 1)
    # The killed one's message waits, unacknowledged, for Redis's visibility timeout; the
    # sweep (beat runs it every minute) hands it out long before that.
    Artifact.objects.update(created_at=F("created_at") - timedelta(minutes=2))
    assert artifact_sweep() == 1

    checksums = _all_ready_once(pending)
    killed.refresh_from_db()
    assert killed.attempts == 2
    # The worker logs the render after its commit (and the after-commit queueing of mail):
    # the line may follow the status by a moment.
    line = f"Artifact {killed.pk} of request {killed.request_id} is ready"
    wait_until(lambda: line in second.output(), timeout=10, message="the worker to log it")
    _assert_checksums_stable(checksums)
