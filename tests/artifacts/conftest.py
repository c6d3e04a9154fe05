"""Fixtures of the artifact tests: Thredd's UAT side, engineers, requests approved for real."""

import base64
import copy
import json
import os
import time

import pytest
import redis
from django.contrib.auth.models import Permission

from connectivity.choices import RequestStatus
from connectivity.models import (
    ServiceRange,
    Subnet,
    ThreddSettings,
)
from connectivity.services import artifacts, workflow
from connectivity.services.allocation import subnet_confirm
from connectivity.tasks import artifact_render_task, email_send
from tests.configgen.conftest import DATA
from tests.conftest import REDIS_URL, Worker, _database_url
from tests.documents import request_document
from tests.factories import aws_side_record, request_create
from thredd_onboard.celery import app

SERVICE_RANGES = {
    "web_services": "10.240.1.0/24",
    "ehi": "10.240.2.0/24",
    "portal": "10.240.3.0/24",
}


def three_vpns() -> list[dict]:
    """Return two sites with three VPNs: Cisco ASA, strongSwan ipsec.conf, FortiGate.

    No tunnel values are chosen: Thredd generates every PSK and /30.
    """
    site = request_document()["sites"][0]
    vpn = site["vpns"][0]
    vpn["tunnels"] = []
    vpn["device"] = {"vendor": "cisco", "platform": "asa", "software": "9.16"}
    second = copy.deepcopy(vpn) | {
        "peer_ip": "81.2.69.161",
        "device": {"vendor": "strongswan", "platform": "ipsec_conf", "software": "5.9"},
    }
    site["vpns"] = [vpn, second]
    other = copy.deepcopy(site) | {"name": "Manchester DC2"}
    other["vpns"] = [
        copy.deepcopy(vpn)
        | {"peer_ip": "81.2.69.170", "device": {"vendor": "fortinet", "platform": "fortios"}}
    ]
    other["subnets"] = [{"cidr": "10.20.40.0/24", "purpose": "web_services"}]
    return [site, other]


@pytest.fixture
def thredd_uat(db):
    """Thredd's UAT settings: a range per service, the mTLS trust chain; AWS by hand."""
    thredd = ThreddSettings.objects.create(
        environment="uat", mtls_trust_chain_pem=(DATA / "trust-chain.pem").read_text()
    )
    for service, network in SERVICE_RANGES.items():
        ServiceRange.objects.create(settings=thredd, service=service, network=network)
    return thredd


@pytest.fixture
def thredd_engineer(engineer):
    """A Thredd engineer: staff holding the review permission."""
    engineer.user_permissions.add(Permission.objects.get(codename="review_connectivityrequest"))
    return type(engineer).objects.get(pk=engineer.pk)


def approve(connectivity_request, engineer):
    """Confirm every subnet, approve, and record Thredd's AWS side as an engineer would."""
    for subnet in Subnet.objects.filter(site__request=connectivity_request):
        subnet_confirm(subnet=subnet, actor=engineer)
    approved = workflow.request_transition("approve", request=connectivity_request, actor=engineer)
    aws_side_record(request=approved, engineer=engineer)
    approved.refresh_from_db()
    return approved


def with_own_subnets(sites: list[dict], block: int) -> list[dict]:
    """Return `sites` with subnets of their own (10.`block`.n.0/24), free to allocate.

    Approval allocates every subnet, so two approved requests cannot share one.
    """
    sites = copy.deepcopy(sites)
    subnets = [subnet for site in sites for subnet in site["subnets"]]
    for number, subnet in enumerate(subnets):
        subnet["cidr"] = f"10.{block}.{number}.0/24"
    return sites


@pytest.fixture
def in_review(organisation, client_user):
    """Return a factory: a valid request (with `changes`) in review, with subnets of its own."""
    blocks = iter(range(100, 200))

    def make(**changes):
        changes["sites"] = with_own_subnets(
            changes.get("sites", request_document()["sites"]), next(blocks)
        )
        return request_create(
            organisation=organisation,
            created_by=client_user,
            status=RequestStatus.IN_REVIEW,
            **changes,
        )

    return make


@pytest.fixture
def approved_request(in_review, thredd_engineer, thredd_uat):
    """Return a factory: a valid request (with `changes`) approved by a Thredd engineer."""

    def make(**changes):
        return approve(in_review(**changes), thredd_engineer)

    return make


def render_all(connectivity_request) -> list:
    """Render every artifact of the request, as the worker would; return them fresh."""
    for artifact in connectivity_request.artifacts.all():
        artifacts.artifact_render(artifact_id=artifact.pk)
    return list(connectivity_request.artifacts.order_by("id"))


TGW_SITE = {
    "name": "AWS eu-west-2",
    "routing": "static",
    "attachments": [{"services": ["web_services", "ehi"]}, {"services": ["portal"]}],
    "tgw": {
        "tgw_id": "tgw-0123456789abcdef0",
        "aws_account_id": "012345678901",
        "region": "eu-west-2",
    },
    "subnets": [{"cidr": "10.50.0.0/24", "purpose": "web_services"}],
}
TGW_CHANGES = {"connection_type": "aws_tgw", "sites": [TGW_SITE]}
MTLS_CHANGES = {
    "connection_type": "mtls",
    "services": ["ehi"],
    "sites": [],
    "mtls": {
        "csr_pem": (DATA / "client.csr").read_text(),
        "ehi_endpoint_url": "https://ehi.example.com:8443/ehi",
    },
}


def stored_files(artifact) -> dict[str, str]:
    """Return the files of a rendered artifact, name → text (the stored JSON list)."""
    return {file["name"]: file["content"] for file in json.loads(artifact.content)}


class BrokerQueue:
    """A queue of this test's own on the real Redis broker."""

    def __init__(self) -> None:
        self.name = f"test-artifacts-{os.getpid()}-{time.monotonic_ns()}"
        self.redis = redis.Redis.from_url(REDIS_URL)

    def messages(self) -> list[bytes]:
        """Return the raw messages waiting in the queue, as Redis holds them."""
        return self.redis.lrange(self.name, 0, -1)

    def tasks(self) -> list[tuple[str, list, dict]]:
        """Return the (task name, args, kwargs) of every waiting message, oldest first."""
        found = []
        for raw in reversed(self.messages()):  # LPUSHed: the oldest is last
            message = json.loads(raw)
            args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
            found.append((message["headers"]["task"], args, kwargs))
        return found

    def clean(self) -> None:
        """Remove the queue, and any message a killed worker left unacknowledged."""
        self.redis.delete(self.name)
        for tag, raw in self.redis.hgetall("unacked").items():
            if json.loads(raw)[-1] == self.name:
                self.redis.hdel("unacked", tag)
                self.redis.zrem("unacked_index", tag)


@pytest.fixture
def broker_queue(monkeypatch):
    """Publish the render and mail tasks to Redis, on a queue of this test's own.

    Only the route is chosen here: the messages are serialised and sent as in production. The
    producer has its own connection because the app's pool keeps the broker it first met
    (an eager task earlier in the session makes it, for no broker at all).
    """
    queue = BrokerQueue()
    connection = app.connection_for_write(REDIS_URL)
    producer = connection.Producer()
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    for task in (artifact_render_task, email_send):
        monkeypatch.setattr(
            task,
            "delay",
            lambda *args, task=task: task.apply_async(args, queue=queue.name, producer=producer),
        )
    yield queue
    connection.release()
    queue.clean()


@pytest.fixture
def celery_workers(transactional_db, tmp_path, broker_queue):
    """Return a function that starts a worker on `broker_queue`; all are stopped at the end."""
    from django.conf import settings

    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(
            broker_queue.name,
            tmp_path / f"worker-{len(started) + 1}.log",
            _database_url(settings.DATABASES["default"]),
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
