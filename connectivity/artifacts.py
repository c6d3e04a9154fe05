"""Configuration artifacts of an approved request: tunnel values, rendering and downloads.

Approval calls `tunnel_values_assign` and `artifacts_create_pending` in its transaction: every
tunnel gets its PSK and inside /30, and every file the client is owed gets a pending row (the
outbox of rendering). After commit a Celery task calls `artifact_render` per row; the periodic
sweep (`artifacts_due`) hands out again whatever is still pending, so a broker that was down
or a worker that died loses nothing. Rendered files are stored encrypted in the database (they
hold PSKs), so any web node can serve them; each download is recorded.

A stored artifact's content is a JSON list of `{"name", "content"}` objects, one per file of
its target: most targets have one file, `ipsec_conf`, `libreswan` and `mtls_bundle` several,
and those download as a zip.
"""

import hashlib
import io
import json
import logging
import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from ipaddress import IPv4Network

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from connectivity.audit import audit_record
from connectivity.availability import AllocationConflict
from connectivity.choices import ConnectionType, IkeVersion, RequestStatus, Routing
from connectivity.configgen.context import ConfigContext, ContextError, ThreddSide, build_context
from connectivity.configgen.render import RenderedFile, RenderError, render_target
from connectivity.configgen.targets import (
    Kind,
    Target,
    get_target,
    target_for_device,
    targets_of_kind,
)
from connectivity.configgen.values import TunnelValues, generate_psk, next_inside_cidrs
from connectivity.constants import MAX_TUNNELS_PER_VPN
from connectivity.document import request_to_document
from connectivity.models import (
    Artifact,
    ArtifactDownload,
    ArtifactStatus,
    AuditAction,
    ConnectivityRequest,
    InsideAllocation,
    RequestEvent,
    Site,
    ThreddSettings,
    Tunnel,
    User,
    Vpn,
)
from connectivity.review import with_answers

logger = logging.getLogger(__name__)

# Statuses in which the client may download: Thredd has approved the answers the files hold.
DOWNLOADABLE_STATUSES = frozenset({RequestStatus.APPROVED, RequestStatus.ACTIVE})
# How long a pending artifact waits before the sweep hands it out again: longer than the
# render task's own retries (connectivity.tasks.artifact_render_task) take.
RENDER_AGAIN_AFTER = timedelta(minutes=1)
# Renders started without finishing (the worker died, or hit its time limit) before the
# artifact is failed for staff to look at, rather than handed out for ever.
MAX_RENDER_ATTEMPTS = 5
# A device whose platform left the catalogue still gets every parameter, in plain text.
GENERIC_TARGET = "text"
ZIP_CONTENT_TYPE = "application/zip"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
UNSAFE_FILE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")

KIND_OF_CONNECTION = {
    ConnectionType.IPSEC_VPN: Kind.VPN,
    ConnectionType.AWS_TGW: Kind.TGW,
    ConnectionType.MTLS: Kind.MTLS,
}


class ArtifactUnavailable(Exception):
    """Say why a file cannot be downloaded now (not approved, not ready, no such device)."""


@dataclass(frozen=True, slots=True)
class Download:
    """A file to hand to the browser: a safe name, its bytes and their content type."""

    file_name: str
    content: bytes
    content_type: str


# Tunnel values -------------------------------------------------------------------------


def _lock_inside_cidrs(environment: str) -> None:
    """Hold, until the transaction ends, the right to hand out inside /30s in `environment`.

    "Next free" without a lock hands out duplicates (REFERENCE §6): two approvals would both
    read the same free /30. The unique constraint on InsideAllocation stays the last guard.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"connectivity.inside_cidr.{environment}"],
        )


@transaction.atomic
def tunnel_values_assign(*, request: ConnectivityRequest) -> None:
    """Give both tunnels of every VPN of `request` a PSK and an inside /30; call on approval.

    A PSK or inside CIDR the client chose is kept, the rest is generated (REFERENCE §5): a
    32-character PSK from a CSPRNG, and the lowest /30 free on the tunnel's Thredd gateway
    (tunnel n lands on gateway n) that no other tunnel of the request uses (the request's
    rules want every tunnel's /30 its own), recorded as an InsideAllocation. An amendment
    takes over the /30s of the revision it amends, as it takes over its subnets; since an
    amendment starts as a copy of that revision, its unchanged VPNs keep their PSKs and /30s
    and only new VPNs get new values. Running it again changes nothing. Raises
    AllocationConflict, with nothing stored, when a /30 the client chose is taken on its
    gateway.
    """
    vpns = list(
        Vpn.objects.filter(site__request=request)
        .order_by("site__position", "site_id", "position", "id")
        .prefetch_related("tunnels")
    )
    if not vpns:
        return
    _lock_inside_cidrs(request.environment)
    if request.amends_id is not None:
        InsideAllocation.objects.filter(tunnel__vpn__site__request_id=request.amends_id).delete()
    used: dict[int, set[IPv4Network]] = defaultdict(set)
    for position, network in (
        InsideAllocation.objects.filter(environment=request.environment)
        .exclude(tunnel__vpn__site__request=request)
        .values_list("gateway_position", "network")
    ):
        used[position].add(network)
    in_request = {
        tunnel.inside_cidr for vpn in vpns for tunnel in vpn.tunnels.all() if tunnel.inside_cidr
    }
    for vpn in vpns:
        stored = {tunnel.number: tunnel for tunnel in vpn.tunnels.all()}
        for number in range(1, MAX_TUNNELS_PER_VPN + 1):
            tunnel = stored.get(number) or Tunnel(vpn=vpn, number=number)
            if tunnel.inside_cidr is None:
                (tunnel.inside_cidr,) = next_inside_cidrs(used[number] | in_request)
                in_request.add(tunnel.inside_cidr)
            elif tunnel.inside_cidr in used[number]:
                raise AllocationConflict(
                    f"Tunnel {number} of {vpn} asks for inside CIDR {tunnel.inside_cidr}, which "
                    f"another tunnel already uses on Thredd gateway {number}: ask the client to "
                    "choose another /30 or leave it empty for Thredd to allocate."
                )
            tunnel.psk = tunnel.psk or generate_psk()
            tunnel.full_clean()
            tunnel.save()
            InsideAllocation.objects.update_or_create(
                tunnel=tunnel,
                defaults={
                    "environment": request.environment,
                    "gateway_position": number,
                    "network": tunnel.inside_cidr,
                },
            )


# Pending artifacts ---------------------------------------------------------------------


def _device_target(vpn: Vpn) -> Target:
    """Return the target of the device the client chose for `vpn`."""
    return target_for_device(vpn.device_vendor, vpn.device_platform) or get_target(GENERIC_TARGET)


def _deliverables(request: ConnectivityRequest) -> list[tuple[Site | None, Vpn | None, str]]:
    """Return the (site, VPN, target) of every file the client of `request` is owed."""
    kind = KIND_OF_CONNECTION[request.connection_type]
    if kind == Kind.MTLS:
        return [(None, None, target.key) for target in targets_of_kind(kind)]
    sites = request.sites.prefetch_related("vpns")
    if kind == Kind.TGW:
        return [(site, None, target.key) for site in sites for target in targets_of_kind(kind)]
    return [(site, vpn, _device_target(vpn).key) for site in sites for vpn in site.vpns.all()]


@transaction.atomic
def artifacts_create_pending(*, request: ConnectivityRequest) -> list[Artifact]:
    """Create a pending artifact for every file the client is owed; return the new ones.

    One per VPN for the client's device, CloudFormation and Terraform per TGW site, the
    endpoint bundle for mTLS. Call it in the approval transaction and enqueue the rendering
    of each returned artifact after commit. Running it again creates nothing.
    """
    created = []
    for site, vpn, target in _deliverables(request):
        artifact, new = Artifact.objects.get_or_create(
            request=request, site=site, vpn=vpn, target=target
        )
        if new:
            created.append(artifact)
    return created


# Rendering -----------------------------------------------------------------------------


def _approved_at(request: ConnectivityRequest) -> datetime:
    """Return when `request` was approved: the time every file's header gives."""
    approved_at = (
        RequestEvent.objects.filter(request=request, to_status=RequestStatus.APPROVED)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    if approved_at is None:
        raise ContextError(f"{request.reference} has not been approved: nothing to render.")
    return approved_at


def _thredd_side(environment: str) -> ThreddSide:
    """Return Thredd's values for `environment` from its ThreddSettings."""
    try:
        settings = ThreddSettings.objects.prefetch_related("gateways", "service_ranges").get(
            environment=environment
        )
    except ThreddSettings.DoesNotExist:
        raise ContextError(
            f"Thredd has no settings for {environment}: add them in the administration "
            "(Thredd settings), then retry."
        ) from None
    return ThreddSide.from_settings(settings)


def _context(
    request: ConnectivityRequest, *, site: Site | None = None, vpn: Vpn | None = None
) -> ConfigContext:
    """Return the context of one VPN, one TGW site, or an mTLS request, from the database.

    Everything comes from stored rows, the time from the approval event, so rendering the
    same artifact again gives the same bytes.
    """
    request = with_answers(ConnectivityRequest.objects.filter(pk=request.pk)).get()
    sites = list(request.sites.all())
    site_index = [item.pk for item in sites].index(site.pk) if site else None
    vpn_index = tunnel_values = None
    if vpn is not None:
        vpns = list(sites[site_index].vpns.all())
        vpn_index = [item.pk for item in vpns].index(vpn.pk)
        tunnel_values = tuple(
            TunnelValues(psk=tunnel.psk or "", inside_cidr=str(tunnel.inside_cidr or ""))
            for tunnel in vpns[vpn_index].tunnels.all()
        )
    return build_context(
        request_to_document(request),
        thredd=_thredd_side(request.environment),
        request_reference=request.reference,
        generated_at=_approved_at(request),
        site_index=site_index,
        vpn_index=vpn_index,
        tunnel_values=tunnel_values or (),
    )


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


def _unpack(content: str) -> list[tuple[str, str]]:
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
        if artifact.attempts >= MAX_RENDER_ATTEMPTS:
            return _failed(
                artifact,
                f"Rendering started {artifact.attempts} times without finishing: a worker "
                "died or hit its time limit each time. See the worker logs, then retry.",
            )
        artifact.attempts += 1
        artifact.save(update_fields=["attempts"])
    with transaction.atomic():
        artifact = _locked(artifact_id)
        if artifact.status != ArtifactStatus.PENDING:
            return artifact  # another worker finished it while this one waited for the lock
        try:
            context = _context(artifact.request, site=artifact.site, vpn=artifact.vpn)
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
    logger.info("Artifact %s of request %s is ready", artifact.pk, artifact.request_id)
    return artifact


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
    from connectivity import tasks, workflow  # both import this module

    if not workflow.is_engineer(actor):
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


# Downloads -----------------------------------------------------------------------------


def safe_file_name(name: str) -> str:
    """Return `name` reduced to ASCII letters, digits, dot, dash and underscore."""
    return UNSAFE_FILE_NAME_CHARACTERS.sub("-", name).strip(".-") or "configuration"


def _zipped(files: Sequence[tuple[str, str]], *, made_at: datetime) -> bytes:
    """Return a zip of `files`, stamped `made_at`, so the same files give the same bytes."""
    buffer = io.BytesIO()
    stamp = made_at.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            entry = zipfile.ZipInfo(safe_file_name(name), date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16  # they hold PSKs: readable by the owner only
            archive.writestr(entry, text)
    return buffer.getvalue()


def _download(files: Sequence[tuple[str, str]], *, zip_name: str, made_at: datetime) -> Download:
    """Return one file as it is, or several as a zip named `zip_name`."""
    if len(files) == 1:
        ((name, text),) = files
        return Download(safe_file_name(name), text.encode(), TEXT_CONTENT_TYPE)
    return Download(safe_file_name(zip_name), _zipped(files, made_at=made_at), ZIP_CONTENT_TYPE)


def _check_downloadable(request: ConnectivityRequest) -> None:
    if request.status not in DOWNLOADABLE_STATUSES:
        raise ArtifactUnavailable(
            f"{request.reference} is {request.get_status_display()}: its files can be "
            "downloaded once Thredd approves it."
        )


def _recorded(
    download: Download, *, request: ConnectivityRequest, user: User, artifact=None
) -> Download:
    ArtifactDownload.objects.create(
        artifact=artifact, request=request, file_name=download.file_name, user=user
    )
    audit_record(action=AuditAction.DOWNLOAD, actor=user, obj=request, detail=download.file_name)
    return download


def artifact_download(*, artifact: Artifact, user: User) -> Download:
    """Return a ready artifact for `user` to download (a zip when it has several files).

    Records who downloaded which file and when. Raises ArtifactUnavailable unless the
    request is approved or active and the file is ready. Who may see the request is the
    caller's to check (`visible_to`).
    """
    _check_downloadable(artifact.request)
    if artifact.status != ArtifactStatus.READY:
        raise ArtifactUnavailable(f"{artifact.target} of {artifact.request} is not ready yet.")
    download = _download(
        _unpack(artifact.content), zip_name=artifact.file_name, made_at=artifact.rendered_at
    )
    return _recorded(download, request=artifact.request, user=user, artifact=artifact)


def request_zip_download(*, request: ConnectivityRequest, user: User) -> Download:
    """Return a zip of every ready file of `request`, and record the download."""
    _check_downloadable(request)
    ready = list(request.artifacts.filter(status=ArtifactStatus.READY).order_by("id"))
    if not ready:
        raise ArtifactUnavailable(f"No file of {request.reference} is ready yet.")
    files = [file for artifact in ready for file in _unpack(artifact.content)]
    download = Download(
        safe_file_name(f"{request.reference}-configuration.zip"),
        _zipped(files, made_at=max(artifact.rendered_at for artifact in ready)),
        ZIP_CONTENT_TYPE,
    )
    return _recorded(download, request=request, user=user)


def target_fits(target: Target, *, vpn: Vpn) -> bool:
    """Say whether `target` can configure `vpn`: IKEv1 and BGP need a device that has them."""
    ikev1 = vpn.ike_version == IkeVersion.IKEV1
    bgp = vpn.site.routing == Routing.BGP
    return (target.supports_ikev1 or not ikev1) and (target.supports_bgp or not bgp)


def other_device_targets(*, vpn: Vpn) -> list[Target]:
    """Return the device targets, other than the client's, that can configure `vpn`."""
    chosen = _device_target(vpn).key
    return [
        target
        for target in targets_of_kind(Kind.VPN)
        if target.key != chosen and target_fits(target, vpn=vpn)
    ]


def device_download(*, vpn: Vpn, target_key: str, user: User) -> Download:
    """Render `vpn`'s files for another device on demand and record the download.

    Nothing is stored: the inputs are the approved rows, so the same choice renders the same
    file every time. Raises ArtifactUnavailable for an unknown target or one that cannot
    configure this VPN.
    """
    request = vpn.site.request
    _check_downloadable(request)
    if target_key not in {target.key for target in other_device_targets(vpn=vpn)}:
        raise ArtifactUnavailable(f"There is no device {target_key!r} for {vpn}.")
    try:
        context = _context(request, site=vpn.site, vpn=vpn)
        files = render_target(target_key, context)
    except (ContextError, RenderError) as exc:
        raise ArtifactUnavailable(str(exc)) from None
    download = _download(
        [(file.name, file.content) for file in files],
        zip_name=f"{context.header.file_stem}-{target_key.replace('_', '-')}.zip",
        made_at=_approved_at(request),
    )
    return _recorded(download, request=request, user=user)


# What the request pages show -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArtifactRow:
    """One artifact as listed: what it is for and where."""

    artifact: Artifact
    label: str
    where: str


@dataclass(frozen=True, slots=True)
class DeviceChoice:
    """The other devices a VPN's files can be rendered for."""

    vpn: Vpn
    where: str
    targets: tuple[Target, ...]


@dataclass(frozen=True, slots=True)
class Revision:
    """An earlier revision of the request and its files, superseded by a later approval."""

    connectivity_request: ConnectivityRequest
    rows: tuple[ArtifactRow, ...]

    @property
    def downloadable(self) -> bool:
        return self.connectivity_request.status in DOWNLOADABLE_STATUSES


@dataclass(frozen=True, slots=True)
class RequestFiles:
    """Everything the "Configuration files" section of a request shows."""

    connectivity_request: ConnectivityRequest
    rows: tuple[ArtifactRow, ...]
    downloadable: bool
    for_engineer: bool
    other_devices: tuple[DeviceChoice, ...]
    earlier: tuple[Revision, ...]
    superseded_by: ConnectivityRequest | None

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def ready_count(self) -> int:
        return sum(row.artifact.status == ArtifactStatus.READY for row in self.rows)

    @property
    def failed_count(self) -> int:
        return sum(row.artifact.status == ArtifactStatus.FAILED for row in self.rows)

    @property
    def awaiting_approval(self) -> bool:
        """Say whether files may still come: Thredd has not decided on the request yet."""
        return self.connectivity_request.status not in {
            *DOWNLOADABLE_STATUSES,
            RequestStatus.REJECTED,
            RequestStatus.WITHDRAWN,
        }

    @property
    def in_progress(self) -> bool:
        """Say whether a file is still being prepared, so the page keeps refreshing."""
        return any(row.artifact.status == ArtifactStatus.PENDING for row in self.rows)


def _where(site: Site | None, vpn: Vpn | None) -> str:
    if vpn is not None:
        return f"{site.name}, VPN {vpn.position + 1}"
    return site.name if site is not None else "Whole request"


def _rows(request: ConnectivityRequest) -> tuple[ArtifactRow, ...]:
    artifacts = request.artifacts.select_related("site", "vpn").order_by(
        "site__position", "vpn__position", "target"
    )
    return tuple(
        ArtifactRow(
            artifact, get_target(artifact.target).label, _where(artifact.site, artifact.vpn)
        )
        for artifact in artifacts
    )


def request_files(*, request: ConnectivityRequest, user: User) -> RequestFiles:
    """Return what `user` sees of `request`'s configuration files: progress, downloads, history.

    Earlier revisions (the `amends` chain) are listed as superseded versions, still
    downloadable; a revision that a later approved one replaces says by which.
    """
    from connectivity.workflow import is_engineer  # the workflow module imports this one

    downloadable = request.status in DOWNLOADABLE_STATUSES
    vpns = (
        Vpn.objects.filter(site__request=request)
        .select_related("site")
        .order_by("site__position", "position")
        if downloadable and request.connection_type == ConnectionType.IPSEC_VPN
        else []
    )
    earlier = []
    revision = request.amends
    while revision is not None:
        earlier.append(Revision(revision, _rows(revision)))
        revision = revision.amends
    return RequestFiles(
        connectivity_request=request,
        rows=_rows(request),
        downloadable=downloadable,
        for_engineer=is_engineer(user),
        other_devices=tuple(
            DeviceChoice(vpn, _where(vpn.site, vpn), tuple(other_device_targets(vpn=vpn)))
            for vpn in vpns
        ),
        earlier=tuple(earlier),
        superseded_by=request.amendments.filter(status__in=DOWNLOADABLE_STATUSES)
        .order_by("-created_at")
        .first(),
    )
