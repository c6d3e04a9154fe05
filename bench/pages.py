"""Measure pages served by gunicorn under wrk, each against a minimal signed-in page.

gunicorn runs the portal as production does (2 sync workers, the production profile, real
PostgreSQL), with `bench.settings`, which adds only the ceiling page (`bench.views`); wrk,
on the same loopback, keeps 8 connections busy for a fixed time per page. The ceiling is
what every signed-in page pays before its own work: the whole middleware stack with a Thredd
engineer's verified session (the session read, and saved again once a minute for the sliding
idle timeout; the user and the second-factor device looked up), one query, and the base
template. Every page gets several rounds, interleaved with the ceiling's and the bare health
view's (no session, no database: kept for context), so the ceiling is measured in the very
conditions of the page. Sessions are made in the database for a client user and a Thredd
engineer (with a verified second factor), and handed to wrk as a cookie; `X-Forwarded-Proto:
https` stands in for the TLS proxy, so secure cookies apply as in production.
"""

import cProfile
import io
import json
import pstats
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY

from bench.stats import Summary
from connectivity.choices import ConnectionType, Environment, RequestStatus
from connectivity.models import Authenticator, ConnectivityRequest, User

LUA_REPORT = Path(__file__).with_name("wrk_report.lua")
CONNECTIONS = 8
WORKERS = 2
PROFILED_REQUESTS = 30
# What a page is to the report: one with targets, the ceiling every page's throughput is a
# share of, or one measured for context only (no target).
PAGE, CEILING, CONTEXT = "page", "ceiling", "context"


@dataclass(frozen=True)
class Page:
    """One page to load: its name, path, who asks for it, a text it must contain, its role."""

    name: str
    path: str
    cookie: str
    marker: str
    role: str = PAGE


@dataclass(frozen=True)
class PageResult:
    """Throughput (requests/s) and latency (ms) of one page over the rounds."""

    page: Page
    throughput: Summary
    p50: Summary
    p95: Summary
    queries: int

    def share_of(self, ceiling: "PageResult") -> float:
        """Return this page's throughput as a share of `ceiling`'s, by medians."""
        return self.throughput.median / ceiling.throughput.median


def ceiling_of(results: list[PageResult]) -> PageResult:
    """Return the result of the ceiling page."""
    return next(result for result in results if result.page.role == CEILING)


def with_targets(results: list[PageResult]) -> list[PageResult]:
    """Return the results of the pages with targets: neither the ceiling nor context."""
    return [result for result in results if result.page.role == PAGE]


def _session_cookie(user: User, *, verified: bool) -> str:
    """Return a Cookie header value signing `user` in (with a verified second factor)."""
    client = Client()
    client.force_login(user)
    if verified:
        device, _ = Authenticator.objects.get_or_create(
            user=user, confirmed=True, defaults={"name": "Benchmark authenticator"}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def benchmark_pages() -> list[Page]:
    """Choose the pages: the health view, the signed-in ceiling, a busy organisation's list
    and request, the queue, a review."""
    busiest = (
        User.objects.filter(organisation__isnull=False)
        .annotate(requests=Count("organisation__requests"))
        .order_by("-requests", "id")
        .first()
    )
    shown = (
        ConnectivityRequest.objects.filter(
            organisation=busiest.organisation_id, status=RequestStatus.ACTIVE
        )
        .order_by("-created_at")
        .first()
    )
    reviewed = (
        ConnectivityRequest.objects.annotate(site_total=Count("sites"))
        .filter(
            status=RequestStatus.IN_REVIEW,
            connection_type=ConnectionType.IPSEC_VPN,
            environment=Environment.PRODUCTION,
            site_total=2,
        )
        .order_by("id")
        .first()
    )
    engineer = User.objects.filter(groups__name="Thredd engineers").order_by("id").first()
    client = _session_cookie(busiest, verified=False)
    staff = _session_cookie(engineer, verified=True)
    return [
        # As a load balancer asks: no cookie, no session, no database. For context only.
        Page("health (no session, no database)", "/health/", "", "ok", CONTEXT),
        Page("signed-in ceiling", "/bench/ceiling/", staff, "Benchmark ceiling", CEILING),
        Page("client: request list", "/requests/", client, "Your requests"),
        Page("client: request page", f"/requests/{shown.reference}/", client, shown.reference),
        Page("staff: queue, unfiltered", "/review/", staff, "Review queue"),
        Page(
            "staff: queue, filtered",
            "/review/?status=in_review&environment=production&connection_type=ipsec_vpn",
            staff,
            "Review queue",
        ),
        Page("staff: review page", f"/review/{reviewed.reference}/", staff, "Subnet availability"),
    ]


def _headers(page: Page) -> dict[str, str]:
    cookie = {"Cookie": page.cookie} if page.cookie else {}
    return {**cookie, "X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def _check(base: str, page: Page) -> None:
    """Fail unless `page` answers 200 with its marker: wrk counts redirects as successes."""
    request = urllib.request.Request(base + page.path, headers=_headers(page))  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        body = response.read().decode()
        if response.status != 200 or page.marker not in body or response.url != base + page.path:
            raise RuntimeError(f"{page.path} did not answer as expected ({response.status}).")


def _wrk(base: str, page: Page, seconds: int) -> dict:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(LUA_REPORT)]
    for name, value in _headers(page).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(  # noqa: S603 - our own command line
        [*command, base + page.path], capture_output=True, text=True, check=True
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    if figures["non_2xx_3xx"] or figures["socket_errors"]:
        raise RuntimeError(f"wrk saw errors on {page.path}: {figures}")
    return figures


class Gunicorn:
    """The portal under gunicorn on a loopback port, as a context manager."""

    def __init__(self, *, port: int, environment: dict[str, str], log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "thredd_onboard.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
        ]
        self.environment = environment
        self.log = log

    def __enter__(self) -> "Gunicorn":
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            self.command, env=self.environment, stdout=self.log.open("w"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/health/", timeout=2):  # noqa: S310
                    return self
            except OSError:
                time.sleep(0.2)
        self.process.terminate()
        raise RuntimeError(f"gunicorn did not start: see {self.log}")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def measure_pages(server: Gunicorn, pages: list[Page], *, rounds: int, seconds: int):
    """Load every page `rounds` times for `seconds`, interleaved; summarise each."""
    for page in pages:
        _check(server.base, page)
        _wrk(server.base, page, 1)  # warm the workers, their connections and caches
    runs: dict[str, list[dict]] = {page.name: [] for page in pages}
    for _ in range(rounds):
        for page in pages:
            runs[page.name].append(_wrk(server.base, page, seconds))
    return [
        PageResult(
            page=page,
            throughput=Summary.of(
                r["requests"] / (r["duration_us"] / 1e6) for r in runs[page.name]
            ),
            p50=Summary.of(r["p50_us"] / 1000 for r in runs[page.name]),
            p95=Summary.of(r["p95_us"] / 1000 for r in runs[page.name]),
            queries=_queries(page),
        )
        for page in pages
    ]


def _client(page: Page) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    if page.cookie:
        name, value = page.cookie.split("=", 1)
        client.cookies[name] = value
    return client


def _queries(page: Page) -> int:
    """Return how many SQL queries one request of `page` runs, in this process."""
    with CaptureQueriesContext(connection) as captured:
        response = _client(page).get(page.path)
    assert response.status_code == 200, page.path
    return len(captured.captured_queries)


def profile(page: Page, top: int = 15) -> str:
    """Return cProfile's top functions (by own time) over requests of `page`, in-process."""
    client = _client(page)
    client.get(page.path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(PROFILED_REQUESTS):
        client.get(page.path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    summary = next(line for line in lines if "function calls" in line).strip()
    return "\n".join([f"{PROFILED_REQUESTS} requests: {summary}", *lines[start:]]).rstrip()
