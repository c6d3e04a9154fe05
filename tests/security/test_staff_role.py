"""Staff without the engineer's role read nothing: every staff page and every file is closed.

The probe signed in as such an account and opened review pages, the audit log, downloaded
both organisations' files and invited a user into another organisation.
"""

import pytest
from django.urls import reverse

from connectivity.choices import RequestStatus
from connectivity.models import ConnectivityRequest, User
from tests.artifacts.conftest import render_all
from tests.conftest import verified_staff_login
from tests.review.test_staff_access import _staff_urls

pytestmark = pytest.mark.django_db


def test_staff_without_the_role_are_refused_every_staff_page(
    client, staff_of_no_role, approved_request
):
    request = approved_request()
    verified_staff_login(client, staff_of_no_role)
    for url in [*_staff_urls(request), reverse("audit-log"), reverse("client-invite")]:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (403, 405), (url, response.status_code)
            assert request.reference not in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_staff_without_the_role_download_nothing(client, staff_of_no_role, approved_request):
    request = approved_request()
    (artifact,) = render_all(request)
    verified_staff_login(client, staff_of_no_role)

    assert not ConnectivityRequest.objects.visible_to(staff_of_no_role).exists()
    for url in (
        reverse("request-detail", kwargs={"reference": request.reference}),
        reverse(
            "artifact-download",
            kwargs={"reference": request.reference, "artifact_id": artifact.pk},
        ),
        reverse("artifact-zip", kwargs={"reference": request.reference}),
    ):
        assert client.get(url).status_code in (403, 404), url


def test_staff_without_the_role_invite_nobody(client, staff_of_no_role, other_organisation):
    verified_staff_login(client, staff_of_no_role)
    response = client.post(
        reverse("client-invite"),
        {"organisation": other_organisation.pk, "email": "mallory@example.com"},
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="mallory@example.com").exists()
