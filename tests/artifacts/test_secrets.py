"""A PSK appears only inside downloaded files: never in mail, pages, logs, Celery messages or
the database's plain text."""

import io
import logging
import zipfile
from datetime import timedelta

from django.core import mail
from django.db import connection
from django.db.models import F
from django.urls import reverse

from connectivity.choices import RequestStatus
from connectivity.models import Artifact, OutboundEmail, Tunnel
from connectivity.services import workflow
from connectivity.services.notifications import outbound_email_send
from connectivity.tasks import artifact_render_task, artifact_sweep
from tests.conftest import verified_staff_login
from tests.factories import request_create

from .conftest import approve, three_vpns


def _psks() -> list[str]:
    psks = list(Tunnel.objects.values_list("psk", flat=True))
    assert len(psks) == 6
    assert all(len(psk) >= 8 for psk in psks)
    return psks


def _assert_no_psk(text: str, where: str) -> None:
    for psk in _psks():
        assert psk not in text, f"a PSK leaked into {where}"


def test_a_psk_appears_in_downloaded_files_only(
    client,
    caplog,
    organisation,
    client_user,
    thredd_engineer,
    thredd_uat,
    broker_queue,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    connectivity_request = request_create(
        organisation=organisation,
        created_by=client_user,
        status=RequestStatus.SUBMITTED,
        sites=three_vpns(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_transition(
            "start_review", request=connectivity_request, actor=thredd_engineer
        )
        approve(connectivity_request, thredd_engineer)
        Artifact.objects.update(created_at=F("created_at") - timedelta(minutes=2))
        assert artifact_sweep() == 3

    # Celery messages, as they sit in Redis: ids only.
    for raw in broker_queue.messages():
        _assert_no_psk(raw.decode(), "a Celery message")
    tasks = broker_queue.tasks()
    names = [name for name, _, _ in tasks]
    assert names.count("connectivity.artifact_render") >= 3
    assert names.count("connectivity.email_send") == OutboundEmail.objects.count()
    for name, args, kwargs in tasks:
        assert kwargs == {}
        assert all(isinstance(arg, int) for arg in args), name
        # The worker's part, in-process.
        if name == "connectivity.artifact_render":
            artifact_render_task(*args)
        else:
            outbound_email_send(email_id=args[0])
    assert set(Artifact.objects.values_list("status", flat=True)) == {"ready"}

    # Mail: the outbox rows and what was delivered.
    assert mail.outbox
    for email in OutboundEmail.objects.all():
        _assert_no_psk(email.subject + email.text_body + email.html_body, "an outbox email")
    for message in mail.outbox:
        bodies = [message.body, *(content for content, _ in message.alternatives)]
        _assert_no_psk(message.subject + "".join(bodies), "a delivered email")

    # Pages of the client and of staff.
    reference = connectivity_request.reference
    progress = reverse("artifact-progress", args=[reference])
    for user, page in [
        (client_user, reverse("request-detail", args=[reference])),
        (thredd_engineer, reverse("review-detail", args=[reference])),
    ]:
        if user.is_staff:
            verified_staff_login(client, user)
        else:
            client.force_login(user)
        for url in (page, progress):
            html = client.get(url).content.decode()
            assert reference in html or "3 of 3 files ready" in html, url
            _assert_no_psk(html, url)

    # Logs of approval, publishing, rendering and delivery.
    assert "is ready" in caplog.text
    _assert_no_psk(caplog.text, "the logs")

    # The database holds only Fernet tokens.
    with connection.cursor() as cursor:
        cursor.execute("SELECT psk FROM connectivity_tunnel")
        tokens = [token for (token,) in cursor.fetchall()]
        cursor.execute("SELECT content FROM connectivity_artifact")
        tokens += [token for (token,) in cursor.fetchall()]
    assert len(tokens) == 9
    for token in tokens:
        assert token.startswith("gAAAAA")
        _assert_no_psk(token, "a database column")

    # And the downloaded files do carry them: the search above looked for the right thing.
    client.force_login(client_user)
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("artifact-zip", args=[reference])).content)
    )
    text = "".join(archive.read(name).decode() for name in archive.namelist())
    for psk in _psks():
        assert psk in text
