"""Fixtures of the workflow tests: Thredd engineers, requests, a real SMTP server, eager tasks."""

import pytest

from connectivity.choices import RequestStatus
from tests.factories import request_create, subnets_confirm


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
def worker_mail_to_smtp_server(smtp_server, monkeypatch):
    """Point a worker process started after this fixture at the test's SMTP server."""
    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(smtp_server.port))
    return smtp_server
