"""Fixtures shared by the whole suite: users, a real browser, real processes."""

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

# pytest-django's live server runs beside Playwright's sync API, which Django would
# otherwise refuse as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
ARTIFACTS = BASE_DIR / "var" / "test-artifacts"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, *, timeout: float, message: str, interval: float = 0.1):
    """Poll predicate until it returns something truthy; fail the test after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s: {message}")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply: the suite creates users by the hundred."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organisation(db):
    from connectivity.models import Organisation

    return Organisation.objects.create(name="Acme Payments", slug="acme-payments")


@pytest.fixture
def other_organisation(db):
    from connectivity.models import Organisation

    return Organisation.objects.create(name="Borealis Cards", slug="borealis-cards")


PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def client_user(organisation):
    from connectivity.models import User

    return User.objects.create_user(
        "ada@acme-payments.example", PASSWORD, organisation=organisation
    )


@pytest.fixture
def other_client_user(other_organisation):
    from connectivity.models import User

    return User.objects.create_user(
        "ben@borealis-cards.example", PASSWORD, organisation=other_organisation
    )


@pytest.fixture
def engineer(db):
    from connectivity.models import User

    return User.objects.create_user("grace@thredd.example", PASSWORD, is_staff=True)


@pytest.fixture
def staff_of_no_role(db):
    """Thredd staff without the review permission: no engineer, sees nobody's requests."""
    from connectivity.models import User

    return User.objects.create_user("hal@thredd.example", PASSWORD, is_staff=True)


@pytest.fixture
def thredd_engineer(engineer):
    """A Thredd engineer: staff holding the review permission."""
    from django.contrib.auth.models import Permission

    engineer.user_permissions.add(Permission.objects.get(codename="review_connectivityrequest"))
    return type(engineer).objects.get(pk=engineer.pk)  # a fresh object: no stale perm cache


def verified_staff_login(client, user):
    """Sign `user` in on Django's test client with a verified second factor.

    It gives the user an enrolled authenticator and marks the session verified by it, as
    the code page does (django_otp.login); staff pages refuse a session without it.
    """
    from django_otp import DEVICE_ID_SESSION_KEY

    from connectivity.models import Authenticator

    device, _ = Authenticator.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "Test authenticator"}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def totp_code(device) -> str:
    """Return the code `device`'s authenticator app shows now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process for this test only, as the embedded default does."""
    from thredd_onboard.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts.

    `refuse` holds addresses it answers with a permanent 550 at RCPT TO.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.envelopes = []
        self.refuse: set[str] = set()
        self.listening = False
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            for envelope in self.envelopes
        ]

    def delivered_to(self) -> list[str]:
        """Return every envelope recipient, one entry per delivery."""
        return sorted(address for envelope in self.envelopes for address in envelope.rcpt_tos)

    def start(self) -> None:
        self.controller.start()
        self.listening = True

    def stop(self) -> None:
        self.controller.stop()
        self.listening = False


@pytest.fixture
def smtp_sink(settings):
    """An SMTP server the default mailer points at, not yet listening (start it yourself)."""
    sink = SmtpSink(free_port())
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 5},
        }
    }
    yield sink
    if sink.listening:
        sink.stop()


@pytest.fixture
def smtp_server(smtp_sink):
    """A listening SMTP server that the default mailer sends to."""
    smtp_sink.start()
    return smtp_sink


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, headless; one per test session."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make system-deps` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; a screenshot is kept when the test ends."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


@pytest.fixture
def celery_broker_url() -> str:
    """The Redis the test's worker and the app publish to; a test may bring its own."""
    return REDIS_URL


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path, celery_broker_url):
    """Start a real Celery worker process on Redis, on a queue of this test's own."""
    from django.conf import settings

    from thredd_onboard.celery import app

    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    worker = Worker(
        queue,
        tmp_path / "worker.log",
        _database_url(settings.DATABASES["default"]),
        broker_url=celery_broker_url,
    )
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(
        broker_url=celery_broker_url, result_backend=celery_broker_url, task_always_eager=False
    )
    _forget_broker_connections(app)
    try:
        yield queue
    finally:
        worker.stop()
        app.conf.update(saved)
        _forget_broker_connections(app)


class Worker:
    """A real Celery worker process (one pool process) reading one queue."""

    def __init__(
        self, queue: str, log: Path, database_url: str, broker_url: str = REDIS_URL
    ) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "thredd_onboard",
                "worker",
                "-Q",
                queue,
                "--concurrency=1",
                "--pool=prefork",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{log.stem}-{queue}@%h",
            ],
            cwd=BASE_DIR,
            env={
                **os.environ,
                "CELERY_BROKER_URL": broker_url,
                "CELERY_RESULT_BACKEND": broker_url,
                "DATABASE_URL": database_url,
            },
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, to kill it whole
        )
        wait_until(lambda: "ready" in self.output(), timeout=60, message="the worker to start")

    def output(self) -> str:
        return self.log.read_text()

    def pool_processes(self) -> list[int]:
        """Return the pids of the worker's pool processes (its children)."""
        pid = self.process.pid
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]

    def kill_pool_process(self) -> None:
        """SIGKILL the pool process, as the kernel's OOM killer would; the worker lives on."""
        (child,) = self.pool_processes()
        os.kill(child, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool alike."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        sys.stdout.write(f"--- {self.log.name} ---\n{self.output()}")  # shown on failure


def _forget_broker_connections(app) -> None:
    """Drop the Celery app's cached connection and producer pools and result backend.

    Celery makes them on first use, even for an eager task, bound to the broker and backend
    of that moment; a test that switches the app to Redis must not go through them.
    """
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._local.__dict__.pop("backend", None)


def _database_url(database: dict) -> str:
    """Turn Django's settings for the test database back into a URL for a subprocess."""
    from urllib.parse import quote

    host = quote(database["HOST"] or "", safe="")
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{database['USER']}@{host}{port}/{database['NAME']}"
