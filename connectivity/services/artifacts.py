"""The render outbox: the configuration files of an approved request, pending until rendered.

Approval calls `artifacts_create_pending` in its transaction: every file the client is owed
gets a pending row. After commit a Celery task calls `artifact_render` per row; the periodic
sweep (`artifacts_due`) hands out again whatever is still pending, so a broker that was down
or a worker that died loses nothing. Rendered files are stored encrypted in the database
(they hold PSKs), so any web node can serve them (`services.downloads`). The render that
makes the last of them ready tells the client's people, once per approval, that their files
are ready.

A stored artifact's content is a JSON list of `{"name", "content"}` objects, one per file of
its target: most targets have one file, `ipsec_conf`, `libreswan` and `mtls_bundle` several,
and those download as a zip.
"""

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from connectivity import tasks
from connectivity.choices import DOWNLOADABLE_STATUSES, AwsStatus, ConnectionType, RequestStatus
from connectivity.configgen.context import ConfigContext, ContextError, ThreddSide
from connectivity.configgen.render import (
    RenderedFile,
    RenderError,
    render_target,
    request_contexts,
)
from connectivity.configgen.targets import Kind, device_target, targets_of_kind
from connectivity.configgen.values import TunnelValues
from connectivity.models import (
    Artifact,
    ArtifactStatus,
    AwsPeeringAttachment,
    ConnectivityRequest,
    RequestEvent,
    Site,
    ThreddSettings,
    User,
    Vpn,
)
from connectivity.selectors.requests import request_answers, request_to_document

from . import notifications
from .outbox import attempt_started

logger = logging.getLogger(__name__)

# How long a pending artifact waits before the sweep hands it out again: longer than the
# render task's own retries (connectivity.tasks.artifact_render_task) take.
RENDER_AGAIN_AFTER = timedelta(minutes=1)
# Renders started without finishing (the worker died, or hit its time limit) before the
# artifact is failed for staff to look at, rather than handed out for ever.
MAX_RENDER_ATTEMPTS = 5

KIND_OF_CONNECTION = {
    ConnectionType.IPSEC_VPN: Kind.VPN,
    ConnectionType.AWS_TGW: Kind.TGW,
    ConnectionType.MTLS: Kind.MTLS,
}


# Pending artifacts ---------------------------------------------------------------------


def _deliverables(
    request: ConnectivityRequest, *, awaiting_aws: bool = False
) -> list[tuple[Site | None, Vpn | None, str]]:
    """Return the (site, VPN, target) of every file the client of `request` can be given now,
    or, with `awaiting_aws`, every file they are owed in the end.

    A VPN's file names AWS's tunnel addresses and a TGW site's the peering attachment, so
    each is owed once Thredd's side in AWS is ready; the mTLS bundle at once.
    """
    kind = KIND_OF_CONNECTION[request.connection_type]
    if kind == Kind.MTLS:
        return [(None, None, target.key) for target in targets_of_kind(kind)]
    if kind == Kind.TGW:
        sites = request.sites.all()
        if not awaiting_aws:
            # The attachment's ID is all the files need: they are how the client accepts it.
            sites = sites.filter(
                aws_peering__status__in=[AwsStatus.PROVISIONING, AwsStatus.READY]
            ).exclude(aws_peering__attachment_id="")
        return [(site, None, target.key) for site in sites for target in targets_of_kind(kind)]
    vpns = Vpn.objects.filter(site__request=request).select_related("site")
    if not awaiting_aws:
        vpns = vpns.filter(aws__status=AwsStatus.READY)
    return [
        (vpn.site, vpn, device_target(vpn.device_vendor, vpn.device_platform).key) for vpn in vpns
    ]


@transaction.atomic
def artifacts_create_pending(*, request: ConnectivityRequest) -> list[Artifact]:
    """Create a pending artifact for every file the client is owed now; return the new ones.

    One per VPN for the client's device, CloudFormation and Terraform per TGW site, the
    endpoint bundle for mTLS. Call it in the approval transaction, and again when Thredd's
    AWS side of a VPN or site is ready, and enqueue the rendering of each returned artifact
    after commit. Running it again creates nothing new.
    """
    created = []
    for site, vpn, target in _deliverables(request):
        artifact, new = Artifact.objects.get_or_create(
            request=request, site=site, vpn=vpn, target=target
        )
        if new:
            created.append(artifact)
    return created


def artifacts_refresh(
    *, request: ConnectivityRequest, site: Site | None = None, vpn: Vpn | None = None
) -> list[Artifact]:
    """Queue the files of a VPN or TGW site whose AWS side has just become ready.

    New files are created pending; files it already had (rendered with values AWS has since
    replaced, as when an engineer records them again) go back to pending, so the client's
    download always names AWS's current values. Rendering is enqueued after commit.
    """
    artifacts = artifacts_create_pending(request=request)
    stale = Artifact.objects.filter(request=request, site=site, vpn=vpn).exclude(
        status=ArtifactStatus.PENDING
    )
    for artifact in stale:
        artifact.status = ArtifactStatus.PENDING
        artifact.attempts = 0
        artifact.failure_reason = ""
        artifact.save(update_fields=["status", "attempts", "failure_reason"])
        artifacts.append(artifact)
    for artifact in artifacts:
        transaction.on_commit(partial(tasks.artifact_render_task.delay, artifact.pk), robust=True)
    return artifacts


# Contexts ------------------------------------------------------------------------------


def approval_event(request: ConnectivityRequest) -> RequestEvent | None:
    """Return the event that approved `request`, or None while it is not approved."""
    return (
        RequestEvent.objects.filter(request=request, to_status=RequestStatus.APPROVED)
        .order_by("-created_at", "-id")
        .first()
    )


def approved_at(request: ConnectivityRequest) -> datetime:
    """Return when `request` was approved: the time every file's header gives."""
    approval = approval_event(request)
    if approval is None:
        raise ContextError(f"{request.reference} has not been approved: nothing to render.")
    return approval.created_at


def _thredd_side(environment: str) -> ThreddSide:
    """Return Thredd's values for `environment` from its ThreddSettings."""
    try:
        settings = ThreddSettings.objects.prefetch_related("service_ranges").get(
            environment=environment
        )
    except ThreddSettings.DoesNotExist:
        raise ContextError(
            f"Thredd has no settings for {environment}: add them in the administration "
            "(Thredd settings), then retry."
        ) from None
    return ThreddSide.from_settings(settings)


def stored_context(
    request: ConnectivityRequest, *, site: Site | None = None, vpn: Vpn | None = None
) -> ConfigContext:
    """Return the context of one VPN, one TGW site, or an mTLS request, from stored rows.

    Everything comes from stored rows, the time from the approval event, so rendering the
    same artifact again gives the same bytes.
    """
    request = request_answers(request)
    sites = list(request.sites.all())
    site_index = [item.pk for item in sites].index(site.pk) if site else None
    vpn_index = None
    tunnel_values = {}
    peering_attachment_ids = {}
    if vpn is not None:
        vpns = list(sites[site_index].vpns.all())
        vpn_index = [item.pk for item in vpns].index(vpn.pk)
        tunnel_values[site_index, vpn_index] = tuple(
            TunnelValues(
                psk=tunnel.psk or "",
                inside_cidr=str(tunnel.inside_cidr or ""),
                thredd_outside_ip=tunnel.thredd_outside_ip or "",
            )
            for tunnel in vpns[vpn_index].tunnels.all()
        )
    elif site is not None:
        peering = AwsPeeringAttachment.objects.filter(site=site).first()
        peering_attachment_ids[site_index] = peering.attachment_id if peering else ""
    key = (site_index, vpn_index)
    return request_contexts(
        request_to_document(request),
        thredd=_thredd_side(request.environment),
        request_reference=request.reference,
        generated_at=approved_at(request),
        tunnel_values=tunnel_values,
        peering_attachment_ids=peering_attachment_ids,
        keys=[key],
    )[key]


# Rendering -----------------------------------------------------------------------------


def _failure_reason(exc: ContextError | RenderError) -> str:
    """Say, for staff, why rendering failed and what each finding asks to fix."""
    findings = getattr(exc, "findings", ())
    return "\n".join([str(exc), *(f"{f.field or 'request'}: {f.message}" for f in findings)])


def _pack(files: Sequence[RenderedFile]) -> str:
    """Return the stored form of a target's files: canonical JSON, so its checksum is stable."""
    return json.dumps(
        [{"name": file.name, "content": file.content} for file in files],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def unpack(content: str) -> list[tuple[str, str]]:
    """Return the (name, text) of every file of a stored artifact."""
    return [(file["name"], file["content"]) for file in json.loads(content)]


def _locked(artifact_id: int) -> Artifact:
    return Artifact.objects.select_for_update(of=("self",)).get(pk=artifact_id)


def _failed(artifact: Artifact, reason: str) -> Artifact:
    artifact.status = ArtifactStatus.FAILED
    artifact.failure_reason = reason
    artifact.save(update_fields=["status", "failure_reason"])
    logger.warning("Artifact %s of request %s failed to render", artifact.pk, artifact.request_id)
    return artifact


def artifact_render(*, artifact_id: int) -> Artifact:
    """Render one pending artifact, store it encrypted and mark it ready, or failed with why.

    Idempotent: an artifact that is no longer pending is returned as it is, so a duplicated
    or redelivered task does nothing, and a ready file never changes under a client who has
    downloaded it. The inputs are stored rows only, so rendering again gives the same
    checksum. A request the generator refuses (RenderError, ContextError: Thredd's settings
    lack a gateway, say) fails at once with the reason for staff, who retry after fixing it;
    anything else propagates for the task to retry.
    """
    # The attempt is committed before rendering starts, so a worker killed mid-render still
    # counts it, and a file that kills every worker is failed instead of handed out for ever.
    with transaction.atomic():
        artifact = _locked(artifact_id)
        if artifact.status != ArtifactStatus.PENDING:
            return artifact
        if not attempt_started(
            artifact,
            limit=MAX_RENDER_ATTEMPTS,
            work="Rendering",
            cause="a worker died or hit its time limit each time",
            fail=_failed,
        ):
            return artifact
        artifact.save(update_fields=["attempts"])
    with transaction.atomic():
        artifact = _locked(artifact_id)
        if artifact.status != ArtifactStatus.PENDING:
            return artifact  # another worker finished it while this one waited for the lock
        try:
            context = stored_context(artifact.request, site=artifact.site, vpn=artifact.vpn)
            files = render_target(artifact.target, context)
        except (ContextError, RenderError) as exc:
            return _failed(artifact, _failure_reason(exc))
        content = _pack(files)
        artifact.content = content
        artifact.checksum = hashlib.sha256(content.encode()).hexdigest()
        artifact.file_name = (
            files[0].name
            if len(files) == 1
            else f"{context.header.file_stem}-{artifact.target.replace('_', '-')}.zip"
        )
        artifact.status = ArtifactStatus.READY
        artifact.failure_reason = ""
        artifact.rendered_at = timezone.now()
        artifact.save()
        _files_ready_mail(artifact.request_id)
    logger.info("Artifact %s of request %s is ready", artifact.pk, artifact.request_id)
    return artifact


def artifacts_all_ready(request: ConnectivityRequest) -> bool:
    """Say whether every file the client of `request` is owed exists and is rendered.

    Files still awaiting Thredd's AWS side count as not ready, so a request whose second
    VPN is still being set up in AWS is not "ready" when the first VPN's file is.
    """
    owed = {
        (site.pk if site else None, vpn.pk if vpn else None, target)
        for site, vpn, target in _deliverables(request, awaiting_aws=True)
    }
    statuses = {
        (site_id, vpn_id, target): status
        for site_id, vpn_id, target, status in request.artifacts.values_list(
            "site_id", "vpn_id", "target", "status"
        )
    }
    return (
        bool(owed)
        and owed <= statuses.keys()
        and all(status == ArtifactStatus.READY for status in statuses.values())
    )


def _files_ready_mail(request_id: int) -> None:
    """Tell the client's people, once per approval, when the last of their files is ready.

    Runs in the transaction that marks a file ready. The request's row is locked first, so
    renders finishing at the same moment take turns: under READ COMMITTED the second one to
    get the lock sees the first one's file ready, whichever finished first, so exactly one
    of them writes the mail, and the mail's topic (the approval) keeps later renders quiet.
    """
    request = ConnectivityRequest.objects.select_for_update().get(pk=request_id)
    if request.status not in DOWNLOADABLE_STATUSES or not artifacts_all_ready(request):
        return
    approval = approval_event(request)
    if approval is not None:
        notifications.files_ready_emails_create(request=request, approval=approval)


def artifacts_due() -> list[int]:
    """Return the ids of artifacts pending for longer than a render and its retries take.

    They were never handed to a worker (the broker was down at approval) or their worker
    died; handing one out twice is harmless, as rendering is idempotent.
    """
    cutoff = timezone.now() - RENDER_AGAIN_AFTER
    return list(
        Artifact.objects.filter(status=ArtifactStatus.PENDING, created_at__lt=cutoff)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    )


def artifact_retry(*, artifact: Artifact, actor: User) -> Artifact:
    """Put a failed artifact back to pending and render it again after commit (engineers only).

    Its attempts start again from zero; an artifact that is not failed is left as it is.
    """
    if not actor.is_engineer:
        raise PermissionDenied("Only Thredd engineers can retry a configuration file.")
    with transaction.atomic():
        locked = _locked(artifact.pk)
        if locked.status != ArtifactStatus.FAILED:
            return locked
        locked.status = ArtifactStatus.PENDING
        locked.failure_reason = ""
        locked.attempts = 0
        locked.save(update_fields=["status", "failure_reason", "attempts"])
        logger.info("Artifact %s put back to pending by user %s", locked.pk, actor.pk)
        transaction.on_commit(partial(tasks.artifact_render_task.delay, locked.pk), robust=True)
    return locked
