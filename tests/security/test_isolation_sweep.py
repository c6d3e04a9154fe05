"""Every URL of the project, with organisation A's objects, as someone who must not see them.

The sweep walks the whole URL configuration (the admin included), fills each pattern's
parameters with A's objects and requests it (GET and POST) as a user of organisation B, as
B's client admin and as an anonymous visitor, and every staff and client admin URL as A's own
(plain) client user too. No answer may be a
500, nor a 200 showing A's data; nothing of A's may change. A new URL parameter the sweep
does not know fails it, so a new page cannot escape the sweep.
"""

import re

from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import get_resolver, reverse

from connectivity.models import (
    AuditAction,
    AuditEntry,
    Comment,
    ConnectivityRequest,
    Site,
    Subnet,
    User,
    Vpn,
)
from tests.urlmap import url_patterns

# Staff URLs: the review, the audit log, the invitation and the admin (by namespace).
STAFF_URL_NAMES = {
    "review-queue",
    "review-detail",
    "review-subnet-confirm",
    "review-action",
    "audit-log",
    "client-invite",
    "artifact-retry",
    "aws-vpn-record",
    "aws-thredd-side",
    "aws-peering-record",
    "aws-retry",
    "review-retire",
}
# A client admin's pages: their own organisation's people, and inviting a colleague.
CLIENT_ADMIN_URL_NAMES = {"colleague-list", "colleague-invite"}
# Pages anyone may open, which hold nobody's data.
PUBLIC_URL_NAMES = {"admin:login", "login", "password_reset", "health"}


ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _values(request: ConnectivityRequest) -> dict[str, str]:
    """Return a value of A's for every URL parameter of the project."""
    site = Site.objects.filter(request=request).first()
    return {
        "reference": request.reference,
        "site_id": site.pk,
        "subnet_id": Subnet.objects.filter(site=site).first().pk,
        "vpn_id": Vpn.objects.filter(site=site).first().pk,
        "artifact_id": request.artifacts.first().pk,
        "action": "approve",
        "environment": "uat",
        "kind": "vpns",
        "object_id": request.pk,
        "pk": request.pk,
        "id": request.pk,
        "app_label": "connectivity",
        "content_type_id": ContentType.objects.get_for_model(ConnectivityRequest).pk,
        "uidb64": "MQ",
        "token": "set-password",
    }


def _urls(request: ConnectivityRequest) -> list[tuple[str, str]]:
    values = _values(request)
    urls = []
    for name, params, route in url_patterns(get_resolver().url_patterns):
        unknown = set(params) - set(values) - {"url"}
        assert not unknown, f"teach the sweep a value for {unknown} of {name or route}"
        if name is not None:
            urls.append((name, reverse(name, kwargs={key: values[key] for key in params})))
            continue
        # Only the admin has patterns without a name: its redirects from an object's bare
        # address to its change page, and its catch-all for any other /admin/ path.
        assert route.startswith("admin/"), f"name the URL pattern {route}"
        path = "/admin/connectivity/nothing-here/" if "url" in params else "/" + route
        urls.append(("admin:unnamed", ROUTE_PARAMETER.sub(lambda m: str(values[m[1]]), path)))
    return urls


def _is_staff_url(name: str) -> bool:
    return name in STAFF_URL_NAMES or name.startswith("admin:")


def _state(request: ConnectivityRequest) -> tuple:
    request.refresh_from_db()
    return (
        request.status,
        request.updated_at,
        request.sites.count(),
        Comment.objects.filter(request=request).count(),
        request.downloads.count(),
        list(request.artifacts.values_list("status", "attempts")),
    )


def test_no_url_shows_or_changes_organisation_a_for_anyone_else(
    rendered, client_user, other_client_user
):
    a = rendered
    before = _state(a)
    secrets_of_a = [a.reference, a.organisation.name, "London DC1"]
    urls = _urls(a)
    assert len(urls) > 60  # the project's own pages and the admin's
    other_admin = User.objects.create_user(
        "bea@borealis-cards.example",
        organisation=other_client_user.organisation,
        is_client_admin=True,
    )
    roles = [
        ("organisation B", other_client_user),
        ("organisation B's client admin", other_admin),
        ("anonymous", None),
        ("client A", client_user),
    ]
    checked = 0
    for role, user in roles:
        for name, url in urls:
            if role == "client A" and not (_is_staff_url(name) or name in CLIENT_ADMIN_URL_NAMES):
                continue  # A's own pages are A's to see (A is no client admin)
            for method in ("get", "post"):
                browser = Client(raise_request_exception=False)
                if user is not None:
                    browser.force_login(user)
                response = getattr(browser, method)(url)
                checked += 1
                where = f"{role} {method.upper()} {url} ({name})"
                assert response.status_code < 500, where
                if response.status_code == 200:
                    assert name in PUBLIC_URL_NAMES or not _is_staff_url(name), where
                    assert name not in CLIENT_ADMIN_URL_NAMES or user == other_admin, where
                    body = response.content.decode(errors="replace")
                    for secret in secrets_of_a:
                        assert secret not in body, f"{where} shows {secret!r}"
    assert checked > 300
    assert _state(a) == before
    # And every refusal to a signed-in user is in the audit log.
    denied = AuditEntry.objects.filter(
        action__in=[AuditAction.ACCESS_DENIED, AuditAction.NOT_FOUND], actor=other_client_user
    )
    assert denied.filter(path=reverse("request-detail", args=[a.reference])).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.ACCESS_DENIED, actor=client_user, path=reverse("review-queue")
    ).exists()
