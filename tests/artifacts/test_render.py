"""Artifacts: pending rows on approval, rendering stored encrypted, idempotent, failures, sweep."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import F

from connectivity.models import Artifact, ArtifactStatus, ServiceRange, Tunnel
from connectivity.services import artifacts
from connectivity.tasks import artifact_render_task, artifact_sweep

from .conftest import (
    MTLS_CHANGES,
    TGW_CHANGES,
    render_all,
    stored_files,
    three_vpns,
)

READY, PENDING, FAILED = ArtifactStatus.READY, ArtifactStatus.PENDING, ArtifactStatus.FAILED


def _a_while_passes() -> None:
    """Age every artifact past the sweep's delay, as if the clock moved on."""
    Artifact.objects.update(created_at=F("created_at") - timedelta(minutes=2))


@pytest.mark.parametrize(
    ("changes", "targets"),
    [
        ({"sites": three_vpns()}, ["asa", "fortios", "ipsec_conf"]),
        (TGW_CHANGES, ["tgw_cloudformation", "tgw_terraform"]),
        (MTLS_CHANGES, ["mtls_bundle"]),
    ],
    ids=["ipsec_vpn", "aws_tgw", "mtls"],
)
def test_approval_creates_one_pending_row_per_file_the_client_is_owed(
    approved_request, changes, targets
):
    connectivity_request = approved_request(**changes)

    rows = connectivity_request.artifacts.all()
    assert sorted(row.target for row in rows) == targets
    assert {row.status for row in rows} == {PENDING}
    assert artifacts.artifacts_create_pending(request=connectivity_request) == []
    assert connectivity_request.artifacts.count() == len(targets)


@pytest.mark.parametrize(
    "changes", [{"sites": three_vpns()}, TGW_CHANGES, MTLS_CHANGES], ids=["vpn", "tgw", "mtls"]
)
def test_every_stored_file_is_complete_and_safe(approved_request, changes):
    connectivity_request = approved_request(**changes)

    rendered = render_all(connectivity_request)

    for artifact in rendered:
        assert artifact.status == READY, artifact.failure_reason
        assert artifact.attempts == 1
        assert artifact.rendered_at is not None
        files = stored_files(artifact)
        assert files
        for name, text in files.items():
            assert re.fullmatch(r"[a-z0-9.-]+", name), name
            assert connectivity_request.reference in text
            assert not re.search(r"\bNone\b", text), name
            assert "{{" not in text, name
            assert "{%" not in text, name
            assert '""' not in text, name
            assert not re.search(r"(?m)^\s*[\w.-]+\s*=\s*$", text), name
            # Plain printable ASCII: nothing a terminal or a device CLI would interpret.
            assert re.fullmatch(r"[\x20-\x7e\n]*", text), name


def test_a_vpn_file_holds_both_tunnels_values(approved_request):
    connectivity_request = approved_request(sites=three_vpns())

    for artifact in render_all(connectivity_request):
        text = "\n".join(stored_files(artifact).values())
        for tunnel in Tunnel.objects.filter(vpn=artifact.vpn):
            assert tunnel.psk in text
            assert str(tunnel.inside_cidr.network_address + 2) in text  # the client's inside IP
            assert tunnel.thredd_outside_ip in text  # AWS's address of this very tunnel
        others = Tunnel.objects.filter(vpn__site__request=connectivity_request).exclude(
            vpn=artifact.vpn
        )
        for tunnel in others:
            assert tunnel.thredd_outside_ip not in text


def test_a_device_with_several_files_is_stored_as_one_artifact(approved_request):
    connectivity_request = approved_request(sites=three_vpns())

    (artifact,) = [a for a in render_all(connectivity_request) if a.target == "ipsec_conf"]

    assert artifact.file_name.endswith("-vpn2-ipsec-conf.zip")
    assert sorted(name.rsplit("-", 1)[-1] for name in stored_files(artifact)) == [
        "ipsec.conf",
        "ipsec.secrets",
    ]


def test_rendering_again_gives_the_same_checksum_and_no_second_row(approved_request):
    connectivity_request = approved_request(sites=three_vpns())
    first = {a.pk: (a.checksum, a.content) for a in render_all(connectivity_request)}

    # A ready artifact is left alone: a redelivered task does nothing.
    for artifact_id in first:
        assert artifacts.artifact_render(artifact_id=artifact_id).attempts == 1
    # Rendered from scratch, the same inputs give the same bytes.
    connectivity_request.artifacts.update(status=PENDING, checksum="", content=None)
    again = {a.pk: (a.checksum, a.content) for a in render_all(connectivity_request)}

    assert again == first
    assert connectivity_request.artifacts.count() == 3


def test_the_task_renders_by_id_and_reports_the_status(approved_request):
    artifact = approved_request().artifacts.get()

    assert artifact_render_task(artifact.pk) == READY

    artifact.refresh_from_db()
    assert artifact.status == READY


def test_a_refused_render_fails_with_the_reason_and_renders_after_a_retry(
    approved_request, thredd_uat, thredd_engineer, client_user, django_capture_on_commit_callbacks
):
    artifact = approved_request().artifacts.get()
    ehi = thredd_uat.service_ranges.get(service="ehi")
    ehi.delete()

    failed = artifacts.artifact_render(artifact_id=artifact.pk)

    assert failed.status == FAILED
    assert "have no range for EHI" in failed.failure_reason
    assert failed.content is None
    # A refusal is final until someone acts: rendering again does nothing.
    assert artifacts.artifact_render(artifact_id=artifact.pk).attempts == 1

    with pytest.raises(PermissionDenied):
        artifacts.artifact_retry(artifact=failed, actor=client_user)
    ServiceRange.objects.create(settings=thredd_uat, service="ehi", network=ehi.network)
    with django_capture_on_commit_callbacks() as callbacks:
        retried = artifacts.artifact_retry(artifact=failed, actor=thredd_engineer)
    assert (retried.status, retried.failure_reason, retried.attempts) == (PENDING, "", 0)
    assert len(callbacks) == 1  # the render is enqueued after commit

    ready = artifacts.artifact_render(artifact_id=artifact.pk)
    assert ready.status == READY
    assert str(ehi.network) in next(iter(stored_files(ready).values()))


def test_missing_thredd_settings_say_what_to_add(approved_request, thredd_uat):
    artifact = approved_request().artifacts.get()
    thredd_uat.delete()

    failed = artifacts.artifact_render(artifact_id=artifact.pk)

    assert failed.status == FAILED
    assert failed.failure_reason.startswith("Thredd has no settings for uat")


def test_an_artifact_whose_renders_never_finish_is_failed_for_staff(approved_request):
    artifact = approved_request().artifacts.get()
    Artifact.objects.filter(pk=artifact.pk).update(attempts=artifacts.MAX_RENDER_ATTEMPTS)

    failed = artifacts.artifact_render(artifact_id=artifact.pk)

    assert failed.status == FAILED
    assert "started 5 times without finishing" in failed.failure_reason


def test_the_sweep_hands_out_what_is_pending_too_long(approved_request, broker_queue):
    connectivity_request = approved_request(sites=three_vpns())
    ids = sorted(connectivity_request.artifacts.values_list("id", flat=True))

    assert artifact_sweep() == 0  # just created: their own tasks are on the way

    _a_while_passes()
    assert artifacts.artifacts_due() == ids
    assert artifact_sweep() == 3
    assert broker_queue.tasks() == [("connectivity.artifact_render", [i], {}) for i in ids]
    for artifact_id in ids:
        artifact_render_task(artifact_id)  # the worker's part
    assert artifact_sweep() == 0
