"""The list of requests, the request page and its moves: withdraw, amend, copy, invite."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connectivity.choices import ConnectionType, Environment, RequestStatus
from connectivity.models import ConnectivityRequest, User
from connectivity.services import drafts
from tests.conftest import PASSWORD, verified_staff_login
from tests.factories import request_create

from .conftest import draft_of


def _list_queries(client) -> int:
    client.get(reverse("request-list"))  # the session's idle timeout slides once a minute
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("request-list")).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_5_and_50_requests(signed_in, client_user):
    for _ in range(5):
        drafts.site_add(request=draft_of(client_user), name="London DC1")
    few = _list_queries(signed_in)
    for _ in range(45):
        drafts.site_add(request=draft_of(client_user), name="London DC1")
    assert _list_queries(signed_in) == few <= 6


def test_the_list_shows_newest_first_with_site_counts(signed_in, client_user):
    older = draft_of(client_user)
    newer = draft_of(client_user, environment=Environment.PRODUCTION)
    drafts.site_add(request=newer, name="A")
    drafts.site_add(request=newer, name="B")
    html = signed_in.get(reverse("request-list")).content.decode()
    assert html.index(newer.reference) < html.index(older.reference)
    assert '<td data-label="Sites">2</td>' in html


def test_withdraw_after_confirmation(signed_in, client_user):
    draft = draft_of(client_user)
    url = reverse("request-withdraw", kwargs={"reference": draft.reference})
    assert "Are you sure" in signed_in.get(url).content.decode()
    signed_in.post(url, {"comment": "Not needed after all."})
    draft.refresh_from_db()
    assert draft.status == RequestStatus.WITHDRAWN


def test_amending_an_active_request_opens_a_prefilled_draft(signed_in, client_user):
    active = request_create(
        organisation=client_user.organisation, created_by=client_user, status=RequestStatus.ACTIVE
    )
    page = signed_in.get(reverse("request-detail", kwargs={"reference": active.reference}))
    assert "Amend this connection" in page.content.decode()
    response = signed_in.post(reverse("request-amend", kwargs={"reference": active.reference}))
    amendment = ConnectivityRequest.objects.get(amends=active)
    assert response.url == reverse("request-tasks", kwargs={"reference": amendment.reference})
    assert amendment.sites.get().name == "London DC1"
    assert amendment.status == RequestStatus.DRAFT


def test_copy_to_production_applies_the_split_and_asks_for_a_check(signed_in, client_user):
    uat = request_create(organisation=client_user.organisation, created_by=client_user)
    response = signed_in.post(
        reverse("request-copy", kwargs={"reference": uat.reference}), follow=True
    )
    copy = ConnectivityRequest.objects.exclude(pk=uat.pk).get()
    assert copy.environment == Environment.PRODUCTION
    assert copy.status == RequestStatus.DRAFT
    vpns = list(copy.sites.get().vpns.all())
    assert [sorted(vpn.services) for vpn in vpns] == [["ehi", "web_services"], ["portal"]]
    assert all(str(vpn.peer_ip) == "81.2.69.160" for vpn in vpns)
    html = response.content.decode()
    assert f"Answers copied from UAT {uat.reference}" in html
    assert "check peer IPs, subnets and devices for production" in html


def test_copy_of_an_mtls_request_keeps_its_details(client_user):
    draft = draft_of(client_user, connection_type=ConnectionType.MTLS)
    drafts.mtls_save(
        request=draft,
        answers=drafts.document.Mtls(ehi_endpoint_url="https://ehi.example.com/ehi"),
    )
    copy = drafts.request_copy_to_production(request=draft, actor=client_user)
    assert copy.mtls.ehi_endpoint_url == "https://ehi.example.com/ehi"


@pytest.mark.parametrize("status", [RequestStatus.WITHDRAWN, RequestStatus.REJECTED])
def test_the_copy_service_itself_refuses_a_withdrawn_or_rejected_uat_request(client_user, status):
    """The page hides the button, and a POST straight to the service is refused too."""
    uat = request_create(
        organisation=client_user.organisation, created_by=client_user, status=status
    )
    with pytest.raises(ValidationError, match="cannot be copied to production"):
        drafts.request_copy_to_production(request=uat, actor=client_user)
    assert ConnectivityRequest.objects.count() == 1


def test_a_post_to_copy_a_withdrawn_request_copies_nothing(signed_in, client_user):
    uat = request_create(
        organisation=client_user.organisation,
        created_by=client_user,
        status=RequestStatus.WITHDRAWN,
    )
    response = signed_in.post(
        reverse("request-copy", kwargs={"reference": uat.reference}), follow=True
    )
    assert "cannot be copied to production" in response.content.decode()
    assert ConnectivityRequest.objects.count() == 1


def test_changes_requested_shows_thredd_comment_and_the_task_list(signed_in, client_user):
    request = request_create(
        organisation=client_user.organisation,
        created_by=client_user,
        status=RequestStatus.CHANGES_REQUESTED,
    )
    request.events.create(
        from_status=RequestStatus.IN_REVIEW,
        to_status=RequestStatus.CHANGES_REQUESTED,
        comment="Use a /24 for EHI, please.",
    )
    html = signed_in.get(
        reverse("request-detail", kwargs={"reference": request.reference})
    ).content.decode()
    assert "Use a /24 for EHI, please." in html
    assert 'data-testid="task-list"' in html
    assert "Configuration files" in html


def test_staff_invite_a_client_user_who_sets_a_password(
    client, thredd_engineer, organisation, django_capture_on_commit_callbacks
):
    verified_staff_login(client, thredd_engineer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("client-invite"),
            {"organisation": organisation.pk, "email": "New.Person@acme-payments.example"},
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@acme-payments.example")
    assert user.organisation == organisation
    assert not user.has_usable_password()
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/password-reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    invitee = Client()
    form = invitee.get("/" + path, follow=True)
    assert form.status_code == 200
    response = invitee.post(
        form.redirect_chain[-1][0],
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 302
    signed_in = invitee.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.url == reverse("home")


def test_client_users_cannot_invite(signed_in):
    assert signed_in.get(reverse("client-invite")).status_code == 403
