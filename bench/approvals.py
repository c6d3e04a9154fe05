"""Measure approval to files ready: a real Redis broker and one Celery worker process.

Requests in review (seeded) have their subnets confirmed, then are approved through
`workflow.request_approve`, which commits and queues one render per artifact; the worker
(`celery worker -c 1`) renders them. The latency is from the approval's commit until every
artifact of the request is ready, polled in the database. Then 200 requests are approved at
once, back to back, and the time until all their files are ready gives approvals per second.
"""

import subprocess
import sys
import time
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path

from django.db.models import Q

from bench.stats import Summary
from connectivity.choices import RequestStatus
from connectivity.models import (
    Artifact,
    ArtifactStatus,
    AwsPeeringAttachment,
    AwsVpnConnection,
    ConnectivityRequest,
    Subnet,
    SubnetConfirmation,
    User,
)
from connectivity.services import aws, workflow
from thredd_onboard.celery import app

SEQUENTIAL = 50
# AWS-like tunnel addresses for the recorded VPN connections, distinct per tunnel (the
# seeded ones come from 3.0.0.0/8, so these stay clear of them).
BENCH_AWS_ADDRESSES = IPv4Network("52.0.0.0/8")
AT_ONCE = 200
POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class ApprovalResult:
    """Approval latencies one at a time, and the pace with `batch` queued at once."""

    approve_call: Summary  # ms in request_approve: the transaction up to its commit
    commit_to_ready: Summary  # ms from the commit to every file ready
    files: Summary  # files per approved request
    batch: int
    batch_seconds: float
    failed: int

    @property
    def approvals_per_second(self) -> float:
        return self.batch / self.batch_seconds


class Worker:
    """One Celery worker process (`-c 1`) on the broker in `environment`, as a context manager."""

    def __init__(self, *, environment: dict[str, str], log: Path) -> None:
        self.environment = environment
        self.log = log

    def __enter__(self) -> "Worker":
        app.control.purge()  # nothing left over from an interrupted run
        command = [sys.executable, "-m", "celery", "-A", "thredd_onboard", "worker", "-c", "1"]
        command += ["--pool=prefork", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
        command += ["-n", "bench@%h"]
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            command, env=self.environment, stdout=self.log.open("w"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.log.read_text():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.process.terminate()
                raise RuntimeError(f"The worker did not start: see {self.log}")
            time.sleep(0.2)
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def _in_review(count: int) -> list[ConnectivityRequest]:
    """Return `count` requests in review with every subnet confirmed by their engineer."""
    requests = list(
        ConnectivityRequest.objects.filter(status=RequestStatus.IN_REVIEW).order_by("id")[:count]
    )
    if len(requests) < count:
        raise RuntimeError(f"Only {len(requests)} requests are in review: seed more.")
    unconfirmed = Subnet.objects.filter(site__request__in=requests, confirmation__isnull=True)
    SubnetConfirmation.objects.bulk_create(
        SubnetConfirmation(
            subnet=subnet,
            network=subnet.network,
            confirmed_by_id=subnet.site.request.assigned_to_id,
        )
        for subnet in unconfirmed.select_related("site__request")
    )
    return requests


def _not_ready(requests: list[ConnectivityRequest]) -> int:
    """Return how many of `requests` still have a file pending (none failed counts as ready)."""
    return (
        Artifact.objects.filter(request__in=requests, status=ArtifactStatus.PENDING)
        .values("request")
        .distinct()
        .count()
    )


def _wait_until_ready(requests: list[ConnectivityRequest]) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while _not_ready(requests):
        if time.monotonic() > deadline:
            raise RuntimeError("Files were not ready in time: is the worker running?")
        time.sleep(POLL_SECONDS)


def _approve(request: ConnectivityRequest) -> None:
    """Approve, then record Thredd's AWS side as the engineer does when the portal does not
    provision AWS (the benchmark has no AWS): that is what queues the VPN's files."""
    engineer = User.objects.get(pk=request.assigned_to_id)  # a fresh user: no stale caches
    workflow.request_transition(
        "approve", request=request, actor=engineer, comment="Approved (benchmark)."
    )
    for connection in AwsVpnConnection.objects.filter(vpn__site__request=request):
        aws.vpn_connection_record(
            connection=connection,
            actor=engineer,
            vpn_connection_id=f"vpn-{connection.pk:017x}",
            outside_ips=[str(BENCH_AWS_ADDRESSES[connection.pk * 2 + n]) for n in (0, 1)],
        )
    for peering in AwsPeeringAttachment.objects.filter(site__request=request):
        aws.peering_attachment_record(
            peering=peering, actor=engineer, attachment_id=f"tgw-attach-{peering.pk:017x}"
        )


def measure_approvals() -> ApprovalResult:
    """Approve `SEQUENTIAL` requests one by one, then `AT_ONCE` together; time the files."""
    requests = _in_review(SEQUENTIAL + AT_ONCE)
    one_by_one, batch = requests[:SEQUENTIAL], requests[SEQUENTIAL:]
    calls, latencies = [], []
    for request in one_by_one:
        started = time.perf_counter()
        _approve(request)
        committed = time.perf_counter()
        _wait_until_ready([request])
        calls.append((committed - started) * 1000)
        latencies.append((time.perf_counter() - committed) * 1000)
    started = time.perf_counter()
    for request in batch:
        _approve(request)
    _wait_until_ready(batch)
    batch_seconds = time.perf_counter() - started
    artifacts = Artifact.objects.filter(request__in=requests)
    files = [artifacts.filter(request=request).count() for request in one_by_one]
    return ApprovalResult(
        approve_call=Summary.of(calls),
        commit_to_ready=Summary.of(latencies),
        files=Summary.of(files),
        batch=len(batch),
        batch_seconds=batch_seconds,
        failed=artifacts.filter(~Q(status=ArtifactStatus.READY)).count(),
    )
