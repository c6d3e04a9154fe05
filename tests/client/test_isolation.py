"""Another organisation's request is a 404 at every client URL; signed out is a sign-in."""

import pytest
from django.urls import URLPattern, reverse

from connectivity.choices import RequestStatus
from connectivity.document import parse_document
from connectivity.models import MtlsDetails
from connectivity.services.drafts import document_load
from connectivity.urls import client as urls
from tests.documents import request_document

# URLs about one request or one of its sites: the ones isolation is about.
REQUEST_KWARGS = {"reference", "site_id"}


def request_patterns() -> list[URLPattern]:
    """Return every pattern of connectivity/urls/client.py that names a request."""
    return [
        pattern
        for pattern in urls.urlpatterns
        if pattern.name and set(pattern.pattern.converters) & REQUEST_KWARGS
    ]


@pytest.fixture
def request_of_a(client_user):
    """Store a request of organisation A with every kind of child row: contact, site, VPN,
    tunnel, subnet and mTLS details."""
    doc, findings = parse_document(request_document())
    assert doc is not None, findings
    request = document_load(doc, organisation=client_user.organisation, created_by=client_user)
    MtlsDetails.objects.create(request=request, csr_pem="", ehi_endpoint_url="")
    assert request.sites.get().vpns.get().tunnels.exists()
    return request


def kwargs_for(pattern: URLPattern, request) -> dict:
    values = {"reference": request.reference, "site_id": request.sites.get().pk}
    return {name: values[name] for name in pattern.pattern.converters}


@pytest.mark.parametrize("status", [RequestStatus.DRAFT, RequestStatus.ACTIVE])
def test_every_request_url_is_404_for_another_organisation(
    client, request_of_a, other_client_user, status
):
    type(request_of_a).objects.filter(pk=request_of_a.pk).update(status=status)
    client.force_login(other_client_user)
    patterns = request_patterns()
    assert {"request-detail", "site-edit", "comment-add", "request-check"} <= {
        pattern.name for pattern in patterns
    }
    for pattern in patterns:
        url = reverse(pattern.name, kwargs=kwargs_for(pattern, request_of_a))
        missing = url.replace(request_of_a.reference, "CR-0000-00000")
        statuses = set()
        for method in (client.get, client.post):
            response = method(url)
            # A method the URL does not take is a 405 whatever the request: it says nothing.
            assert response.status_code == method(missing).status_code, (pattern.name, method)
            statuses.add(response.status_code)
        assert 404 in statuses, (pattern.name, statuses)
        assert statuses <= {404, 405}, (pattern.name, statuses)
    assert request_of_a.reference not in client.get(reverse("request-list")).content.decode()


def test_every_request_url_asks_an_anonymous_visitor_to_sign_in(client, request_of_a):
    for pattern in request_patterns():
        url = reverse(pattern.name, kwargs=kwargs_for(pattern, request_of_a))
        response = client.post(url)
        assert response.status_code == 302, pattern.name
        assert response.url.startswith(reverse("login")), pattern.name


def test_the_organisation_own_user_reaches_its_request_pages(signed_in, request_of_a):
    for name in ("request-detail", "request-tasks", "request-check", "request-contacts"):
        url = reverse(name, kwargs={"reference": request_of_a.reference})
        assert signed_in.get(url).status_code == 200, name
