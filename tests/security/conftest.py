"""Fixtures of the security tests: organisation A's request approved, its files rendered."""

import pytest

from tests.artifacts.conftest import (  # noqa: F401 - fixtures, shared with the artifact tests
    approved_request,
    in_review,
    render_all,
    thredd_uat,
    three_vpns,
)
from tests.workflow.conftest import worker_mail_to_smtp_server  # noqa: F401 - a fixture


@pytest.fixture
def rendered(approved_request):  # noqa: F811
    """Organisation A's request of three VPNs, approved, every file rendered."""
    connectivity_request = approved_request(sites=three_vpns())
    render_all(connectivity_request)
    return connectivity_request
