"""Fixtures of the workflow tests: Thredd engineers, requests, a real SMTP server, eager tasks."""

import email
import email.policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Permission

from connectivity.choices import RequestStatus
from tests.conftest import PASSWORD, free_port
from thredd_onboard.celery import app

from .factories import request_create, subnets_confirm


@pytest.fixture
def thredd_engineer(engineer):
    """A Thredd engineer: staff holding the review permission."""
    engineer.user_permissions.add(Permission.objects.get(codename="review_connectivityrequest"))
    return type(engineer).objects.get(pk=engineer.pk)  # a fresh object: no stale perm cache


@pytest.fixture
def staff_of_no_role(db):
    """Thredd staff without the review permission."""
    from connectivity.models import User

    return User.objects.create_user("hal@thredd.example", PASSWORD, is_staff=True)


@pytest.fixture
def make_request(organisation, client_user, thredd_engineer):
    """Return a factory of valid requests of `organisation`, created by `client_user`.

    A request placed in review has its subnets confirmed by `thredd_engineer`, as approval
    requires.
    """

    def make(status: RequestStatus = RequestStatus.DRAFT, **changes):
        request = request_create(
            organisation=organisation, created_by=client_user, status=status, **changes
        )
        if status == RequestStatus.IN_REVIEW:
            subnets_confirm(request=request, engineer=thredd_engineer)
        return request

    return make


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process for this test only, as the embedded default does."""
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


@pytest.fixture
def worker_mail_to_smtp_server(smtp_server, monkeypatch):
    """Point a worker process started after this fixture at the test's SMTP server."""
    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(smtp_server.port))
    return smtp_server
