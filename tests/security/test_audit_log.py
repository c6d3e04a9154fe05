"""The audit log: transitions, downloads, sign-ins and denied access, readable by staff only."""

from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from connectivity.choices import RequestStatus
from connectivity.models import AuditAction, AuditEntry, Tunnel
from connectivity.services import workflow
from tests.conftest import PASSWORD, verified_staff_login
from tests.factories import request_create

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chromium/130"


def test_a_transition_through_a_page_records_who_what_where_and_when(
    client, organisation, client_user
):
    draft = request_create(organisation=organisation, created_by=client_user)
    client.force_login(client_user)
    before = timezone.now()
    response = client.post(
        reverse("request-check", args=[draft.reference]),
        REMOTE_ADDR="203.0.113.9",
        headers={"user-agent": BROWSER},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.TRANSITION)
    assert entry.actor == client_user
    assert entry.actor_email == client_user.email
    assert entry.organisation == organisation
    assert (entry.object_type, entry.object_id) == (
        "connectivity.ConnectivityRequest",
        str(draft.pk),
    )
    assert entry.object_reference == draft.reference
    assert entry.detail.endswith("draft → submitted")
    assert entry.ip_address == "203.0.113.9"
    assert entry.user_agent == BROWSER
    assert before <= entry.created_at <= timezone.now()
    assert entry.created_at.utcoffset() == timedelta(0)  # stored and read in UTC


def test_every_transition_is_recorded_even_without_a_page(
    organisation, client_user, thredd_engineer
):
    submitted = request_create(
        organisation=organisation, created_by=client_user, status=RequestStatus.SUBMITTED
    )
    workflow.request_transition("start_review", request=submitted, actor=thredd_engineer)
    workflow.request_transition(
        "reject", request=submitted, actor=thredd_engineer, comment="Not needed"
    )
    entries = AuditEntry.objects.filter(action=AuditAction.TRANSITION).order_by("id")
    assert [entry.detail.rsplit(": ", 1)[1] for entry in entries] == [
        "submitted → in_review",
        "in_review → rejected",
    ]
    assert {entry.actor for entry in entries} == {thredd_engineer}
    assert {entry.organisation for entry in entries} == {organisation}
    assert {entry.ip_address for entry in entries} == {None}  # no request: no address


def test_downloads_and_denied_access_are_recorded(client, rendered, client_user, other_client_user):
    client.force_login(client_user)
    assert client.get(reverse("artifact-zip", args=[rendered.reference])).status_code == 200
    download = AuditEntry.objects.get(action=AuditAction.DOWNLOAD)
    assert download.actor == client_user
    assert download.object_reference == rendered.reference
    assert download.detail == f"{rendered.reference}-configuration.zip"
    assert download.organisation == rendered.organisation

    assert client.get(reverse("review-queue")).status_code == 403
    denied = AuditEntry.objects.get(action=AuditAction.ACCESS_DENIED)
    assert (denied.actor, denied.path, denied.detail) == (client_user, "/review/", "GET")

    client.force_login(other_client_user)
    assert client.get(reverse("request-detail", args=[rendered.reference])).status_code == 404
    probe = AuditEntry.objects.get(action=AuditAction.NOT_FOUND)
    assert probe.actor == other_client_user
    assert probe.organisation == other_client_user.organisation


def test_no_secret_reaches_the_audit_log(client, rendered, client_user, thredd_engineer):
    client.post(reverse("login"), {"username": client_user.email, "password": PASSWORD + "x"})
    client.post(reverse("login"), {"username": client_user.email, "password": PASSWORD})
    client.get(reverse("artifact-zip", args=[rendered.reference]))
    workflow.request_transition("activate", request=rendered, actor=thredd_engineer)
    psks = list(Tunnel.objects.values_list("psk", flat=True))
    assert len(psks) == 6
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM connectivity_auditentry")
        rows = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "sign_in_failed" in rows
    assert "download" in rows
    for secret in [*psks, PASSWORD]:
        assert secret not in rows


def test_staff_read_and_filter_the_log_and_nobody_else_can(
    client, organisation, other_organisation, client_user, other_client_user, thredd_engineer
):
    engineer = thredd_engineer
    AuditEntry.objects.create(
        action=AuditAction.DOWNLOAD,
        actor=client_user,
        actor_email=client_user.email,
        organisation=organisation,
        object_reference="CR-2026-00001",
    )
    old = AuditEntry.objects.create(
        action=AuditAction.SIGN_IN,
        actor=other_client_user,
        actor_email=other_client_user.email,
        organisation=other_organisation,
    )
    AuditEntry.objects.filter(pk=old.pk).update(
        created_at=timezone.now().astimezone(UTC) - timedelta(days=10)
    )
    url = reverse("audit-log")
    client.force_login(client_user)
    assert client.get(url).status_code == 403

    verified_staff_login(client, engineer)

    def shown(**filters) -> list[str]:
        response = client.get(url, filters)
        assert response.status_code == 200
        return [entry.actor_email for entry in response.context["page"].object_list]

    assert set(shown()) >= {client_user.email, other_client_user.email}
    assert shown(action="download") == [client_user.email]
    assert shown(organisation=other_organisation.pk) == [other_client_user.email]
    assert shown(actor="borealis") == [other_client_user.email]
    assert shown(reference="00001") == [client_user.email]
    today = timezone.now().astimezone(UTC).date()
    assert other_client_user.email not in shown(since=today.isoformat())
    assert shown(until=(today - timedelta(days=5)).isoformat()) == [other_client_user.email]


def test_the_admin_shows_the_log_read_only(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root@thredd.example", "x" * 16)
    verified_staff_login(client, admin)
    entry = AuditEntry.objects.create(action=AuditAction.SIGN_IN, actor_email="a@b.example")
    assert client.get(reverse("admin:connectivity_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:connectivity_auditentry_add")).status_code == 403
    assert (
        client.post(reverse("admin:connectivity_auditentry_delete", args=[entry.pk])).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-02-30", "yesterday"])
def test_an_out_of_range_date_is_a_form_error_not_a_500(client, thredd_engineer, value):
    verified_staff_login(client, thredd_engineer)
    for name in ("since", "until"):
        response = client.get(reverse("audit-log"), {name: value})
        assert response.status_code == 200, (name, value)
