"""What the outside security and fault probe found, each closed and kept closed.

Races run in threads against PostgreSQL; mail faults against a real SMTP sink that is down.
"""

import contextlib
import copy
import json
import random
import socket
import threading
import time
from ipaddress import IPv4Network
from pathlib import Path

import pytest
import yaml
from django.contrib.admin.sites import site as admin_site
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, connection, connections
from django.urls import reverse

from connectivity import rules
from connectivity.checks import psk_encryption_keys_check
from connectivity.choices import RequestStatus
from connectivity.document import Contact
from connectivity.mfa import SLID_AT_KEY, SLIDE_EVERY_SECONDS
from connectivity.models import (
    Authenticator,
    ConnectivityRequest,
    OutboundEmail,
    OutboundEmailStatus,
    Site,
)
from connectivity.services import drafts, workflow
from connectivity.services.notifications import outbound_email_send
from tests.conftest import BASE_DIR, PASSWORD, totp_code, verified_staff_login
from tests.documents import parsed, request_document, valid_vpn_document
from tests.factories import request_create, subnets_confirm

pytestmark = pytest.mark.django_db


# --- Client subnets may not cover Thredd's own or special ranges -----------------------------


@pytest.mark.parametrize(
    "cidr",
    ["127.0.0.0/24", "169.254.0.0/22", "192.0.2.0/24", "224.0.0.0/24", "198.18.0.0/24"],
)
def test_special_purpose_ranges_are_never_a_clients(cidr):
    (finding,) = rules.check_subnet(cidr, "sites[0].subnets[0].cidr")
    assert (finding.severity, finding.code) == ("error", "subnet_reserved")
    assert "can never be a client's network" in finding.message


def test_public_space_is_allowed_with_a_warning():
    findings = rules.check_subnet("81.2.69.0/24", "cidr")
    assert [(f.severity, f.code) for f in findings] == [("warning", "subnet_not_private")]


# --- Approval refuses errors; saves and submission serialise ---------------------------------


def test_approval_refuses_a_request_whose_answers_have_errors(
    organisation, client_user, thredd_engineer
):
    engineer = thredd_engineer
    sites = request_document()["sites"]
    sites[0]["vpns"][0]["peer_ip"] = None  # as the probe's race left it
    broken = request_create(
        organisation=organisation,
        created_by=client_user,
        status=RequestStatus.IN_REVIEW,
        sites=sites,
    )
    subnets_confirm(request=broken, engineer=engineer)
    with pytest.raises(workflow.TransitionError, match="Its answers have 1 error"):
        workflow.request_transition("approve", request=broken, actor=engineer)
    broken.refresh_from_db()
    assert broken.status == RequestStatus.IN_REVIEW


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_a_submission_never_leaves_a_submitted_request_with_errors(
    organisation, client_user
):
    """Thread A blanks the peer address while thread B submits, ten times over."""
    for _ in range(10):
        draft = request_create(organisation=organisation, created_by=client_user)
        site = draft.sites.get()
        broken = copy.deepcopy(request_document()["sites"][0])
        broken["vpns"][0]["peer_ip"] = None
        answers = parsed(request_document(sites=[broken])).sites[0]
        barrier = threading.Barrier(2)

        def save(answers=answers, site=site, barrier=barrier):
            try:
                barrier.wait(timeout=10)
                with contextlib.suppress(ValidationError):  # refused once submitted
                    drafts.site_save(site=site, answers=answers)
            finally:
                connections.close_all()

        def submit(draft=draft, barrier=barrier):
            try:
                barrier.wait(timeout=10)
                workflow.request_transition("submit", request=draft, actor=client_user)
            except workflow.TransitionError:
                pass
            finally:
                connections.close_all()

        threads = [threading.Thread(target=save), threading.Thread(target=submit)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        draft.refresh_from_db()
        peer = draft.sites.get().vpns.get().peer_ip
        if draft.status == RequestStatus.SUBMITTED:
            assert peer is not None  # submitted answers are the checked ones
        else:
            assert peer is None  # the save came first; the submission saw the error


@pytest.mark.django_db(transaction=True)
def test_four_add_site_posts_at_once_make_one_site(organisation, client_user):
    draft = drafts.draft_create(
        organisation=organisation,
        actor=client_user,
        environment="uat",
        connection_type="ipsec_vpn",
        services=["web_services", "ehi", "portal"],
    )
    barrier = threading.Barrier(4)
    outcomes = []

    def add():
        try:
            barrier.wait(timeout=10)
            drafts.site_add(request=draft, name="London DC1")
            outcomes.append("added")
        except Exception as exc:  # the refused ones say why
            outcomes.append(str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Site.objects.filter(request=draft).count() == 1
    assert outcomes.count("added") == 1
    assert all("already has a site called London DC1" in o for o in outcomes if o != "added")


# --- Sizes are capped; overlaps are found in one sweep ---------------------------------------


def test_a_request_of_too_many_sites_or_subnets_is_refused_with_the_limit():
    data = valid_vpn_document()
    data["sites"][0]["subnets"] = [
        {"cidr": f"10.{n // 256}.{n % 256}.0/24", "purpose": "ehi"} for n in range(1500)
    ]
    findings = rules.validate_document(parsed(data))
    assert any("at most 16 subnets" in finding.message for finding in findings)
    many = valid_vpn_document()
    many["sites"] = [dict(copy.deepcopy(many["sites"][0]), name=f"Site {n}") for n in range(25)]
    assert any("at most 20 sites" in f.message for f in rules.validate_document(parsed(many)))


def test_the_overlap_sweep_agrees_with_comparing_every_pair():
    rng = random.Random(7)
    pairs = []
    for n in range(400):
        prefix = rng.choice([22, 23, 24, 25, 26])
        address = f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(256)}"
        pairs.append((f"s[{n}]", str(IPv4Network(f"{address}/{prefix}", strict=False))))
    networks = [IPv4Network(cidr) for _, cidr in pairs]
    expected = {
        pairs[j][0]
        for j in range(len(pairs))
        if any(networks[i].overlaps(networks[j]) for i in range(j))
    }
    found = {finding.field for finding in rules.check_subnet_overlap(pairs)}
    assert found == expected


# --- The admin cannot move a sent request to another organisation ----------------------------


def test_the_admin_keeps_a_sent_requests_organisation(
    rf, organisation, other_organisation, client_user
):
    admin = admin_site._registry[ConnectivityRequest]
    draft = request_create(organisation=organisation, created_by=client_user)
    sent = request_create(
        organisation=organisation, created_by=client_user, status=RequestStatus.APPROVED
    )
    assert "organisation" not in admin.get_readonly_fields(rf.get("/"), draft)
    assert "organisation" in admin.get_readonly_fields(rf.get("/"), sent)


# --- Mail of accounts goes through the outbox ------------------------------------------------


def test_an_invitation_with_smtp_down_is_kept_and_sent_later(
    client, thredd_engineer, other_organisation, smtp_sink
):
    verified_staff_login(client, thredd_engineer)
    response = client.post(
        reverse("client-invite"),
        {"organisation": other_organisation.pk, "email": "new.user@borealis-cards.example"},
    )
    assert response.status_code == 302
    email = OutboundEmail.objects.get(recipient="new.user@borealis-cards.example")
    assert email.status == OutboundEmailStatus.PENDING  # the server was down
    assert email.request is None
    smtp_sink.start()
    assert outbound_email_send(email_id=email.pk) == OutboundEmailStatus.SENT
    assert smtp_sink.delivered_to() == ["new.user@borealis-cards.example"]


def test_a_reset_answers_alike_and_never_waits_on_a_hung_mail_server(
    client, client_user, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """A server that accepts the connection and never speaks: the page must not wait on it."""
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": hung.getsockname()[1], "timeout": 5},
        }
    }
    queued = []
    monkeypatch.setattr(
        "connectivity.services.notifications.email_send.delay", lambda pk: queued.append(pk)
    )
    try:
        timings = {}
        for email in (client_user.email, "nobody@example.com"):
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(reverse("password_reset"), {"email": email})
            timings[email] = time.monotonic() - started
            assert response.status_code == 302
        assert max(timings.values()) < 1  # neither waited for the hung server
        (row,) = OutboundEmail.objects.all()
        assert row.recipient == client_user.email
        assert queued == [row.pk]
    finally:
        hung.close()


# --- Smaller ones -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/requests/CR-1%00/", "/review/CR-1%00/", "/requests/CR-1%00/files/all.zip"]
)
def test_a_nul_byte_in_a_reference_is_not_found(client, client_user, thredd_engineer, path):
    client.force_login(client_user)
    assert client.get(path).status_code == 404


def test_health_says_503_when_the_database_is_away(client, monkeypatch):
    assert client.get(reverse("health")).status_code == 200

    def away(*args, **kwargs):
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(connection, "cursor", away)
    response = client.get(reverse("health"))
    assert response.status_code == 503


def test_the_session_key_changes_when_the_second_factor_is_accepted(client, thredd_engineer):
    device = Authenticator.objects.create(user=thredd_engineer, name="phone", confirmed=True)
    client.post(reverse("login"), {"username": thredd_engineer.email, "password": PASSWORD})
    before = client.session.session_key
    client.post(reverse("mfa-verify"), {"token": totp_code(device)})
    assert client.session.session_key != before
    assert client.get(reverse("review-queue")).status_code == 200


def test_the_files_poll_does_not_keep_an_idle_session_alive(client, client_user, approved_request):
    request = approved_request()
    client.force_login(client_user)
    client.get(reverse("request-detail", kwargs={"reference": request.reference}))
    key = client.session.session_key
    expiry = Session.objects.get(session_key=key).expire_date
    time.sleep(1.1)
    client.get(
        reverse("artifact-progress", kwargs={"reference": request.reference}),
        HTTP_HX_REQUEST="true",
    )
    assert Session.objects.get(session_key=key).expire_date == expiry  # did not slide
    session = client.session  # a minute on, when the idle timeout slides again
    session[SLID_AT_KEY] -= SLIDE_EVERY_SECONDS
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=expiry)
    client.get(reverse("request-list"))
    assert Session.objects.get(session_key=key).expire_date > expiry  # a user's request does


def test_a_comment_lost_to_a_database_restart_says_so_and_keeps_the_text(
    client, client_user, monkeypatch
):
    request = request_create(organisation=client_user.organisation, created_by=client_user)
    client.force_login(client_user)

    def restart(**kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(workflow, "comment_create", restart)
    response = client.post(
        reverse("comment-add", kwargs={"reference": request.reference}),
        {"body": "Our change window is Tuesday 02:00."},
    )
    assert response.status_code == 503
    page = response.content.decode()
    assert "was not saved" in page
    assert "Our change window is Tuesday 02:00." in page


def test_render_config_refuses_unknown_keys_as_validate_request_does(tmp_path):
    data = valid_vpn_document()
    data["colour"] = "blue"
    path = tmp_path / "request.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="keys Thredd does not know"):
        call_command("render_config", str(path), "--target", "all", "--out", str(tmp_path / "o"))
    assert not (tmp_path / "o").exists()


def test_compose_sets_the_trusted_proxy_count():
    compose = yaml.safe_load(Path(BASE_DIR / "docker-compose.yml").read_text())
    environment = compose["x-portal"]["environment"]
    assert "DJANGO_TRUSTED_PROXY_COUNT" in environment


def test_production_refuses_the_public_development_psk_key(settings):
    settings.PRODUCTION = True
    settings.PSK_ENCRYPTION_KEYS = [settings.DEVELOPMENT_PSK_KEY]
    (error,) = psk_encryption_keys_check(None)
    assert error.id == "connectivity.E003"
    settings.PRODUCTION = False
    assert psk_encryption_keys_check(None) == []


@pytest.mark.django_db(transaction=True)
def test_two_contact_saves_at_once_leave_one_whole_list(organisation, client_user):
    draft = request_create(organisation=organisation, created_by=client_user)
    lists = [
        [
            Contact(
                name=f"{who} {n}", email=f"{who.lower()}{n}@acme-payments.example", role="technical"
            )
            for n in range(3)
        ]
        for who in ("Ada", "Ben")
    ]
    barrier = threading.Barrier(2)

    def save(contacts):
        try:
            barrier.wait(timeout=10)
            drafts.contacts_save(request=draft, contacts=contacts)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(contacts,)) for contacts in lists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    stored = sorted(draft.contacts.values_list("email", flat=True))
    assert stored in [sorted(c.email for c in contacts) for contacts in lists]
