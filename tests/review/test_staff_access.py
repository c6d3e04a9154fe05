"""Staff pages are for Thredd staff only; their moves are POST-only and CSRF-protected."""

import pytest
from django.test import Client
from django.urls import reverse

from connectivity.choices import RequestStatus as S
from connectivity.models import Subnet, Vpn
from connectivity.urls.staff import urlpatterns
from tests.conftest import verified_staff_login
from tests.factories import request_create

pytestmark = pytest.mark.django_db


def _staff_urls(request) -> list[str]:
    """Every URL of connectivity.urls.staff, filled in with `request`'s objects."""
    vpn = Vpn.objects.filter(site__request=request).first()
    values = {
        "reference": request.reference,
        "subnet_id": Subnet.objects.filter(site__request=request).first().pk,
        "action": "approve",
        "environment": "uat",
        "vpn_id": vpn.pk,
        "site_id": vpn.site_id,
        "kind": "vpns",
        "pk": vpn.pk,
    }
    urls = []
    for pattern in urlpatterns:
        names = pattern.pattern.converters.keys()
        urls.append(reverse(pattern.name, kwargs={name: values[name] for name in names}))
    return urls


def test_client_users_are_refused_every_staff_url(client, organisation, client_user):
    request = request_create(organisation=organisation, created_by=client_user, status=S.IN_REVIEW)
    client.force_login(client_user)
    for url in _staff_urls(request):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (403, 405), (url, method, response.status_code)
            assert request.reference not in response.content.decode()
    request.refresh_from_db()
    assert request.status == S.IN_REVIEW


def test_anonymous_users_are_sent_to_sign_in(client, organisation, client_user):
    request = request_create(organisation=organisation, created_by=client_user, status=S.IN_REVIEW)
    for url in _staff_urls(request):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_moves_are_post_only_and_need_the_csrf_token(organisation, client_user, thredd_engineer):
    request = request_create(organisation=organisation, created_by=client_user, status=S.SUBMITTED)
    browser = Client(enforce_csrf_checks=True)
    verified_staff_login(browser, thredd_engineer)
    assign = reverse(
        "review-action", kwargs={"reference": request.reference, "action": "start_review"}
    )
    assert browser.get(assign).status_code == 405
    assert browser.post(assign).status_code == 403  # no CSRF token
    request.refresh_from_db()
    assert request.status == S.SUBMITTED
