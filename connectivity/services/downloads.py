"""Downloads of configuration files: a ready artifact, a request's zip, another device's file.

Each download is checked (approved or active, file ready), packaged (one file as it is,
several as a zip with owner-only permissions, as they hold PSKs) and recorded, with an audit
entry. Who may see the request is the caller's to check (`visible_to`).
"""

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import PermissionDenied

from connectivity.choices import DOWNLOADABLE_STATUSES
from connectivity.configgen.context import ContextError
from connectivity.configgen.render import RenderError, render_target
from connectivity.models import (
    Artifact,
    ArtifactDownload,
    ArtifactStatus,
    AuditAction,
    ConnectivityRequest,
    User,
    Vpn,
)
from connectivity.selectors.files import vpn_other_device_targets

from .artifacts import approved_at, stored_context, unpack
from .audit import audit_record

THREDD_SIDE_TARGET = "thredd_swanctl"
ZIP_CONTENT_TYPE = "application/zip"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
UNSAFE_FILE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


class ArtifactUnavailable(Exception):
    """Say why a file cannot be downloaded now (not approved, not ready, no such device)."""


@dataclass(frozen=True, slots=True)
class Download:
    """A file to hand to the browser: a safe name, its bytes and their content type."""

    file_name: str
    content: bytes
    content_type: str


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
        unpack(artifact.content), zip_name=artifact.file_name, made_at=artifact.rendered_at
    )
    return _recorded(download, request=artifact.request, user=user, artifact=artifact)


def request_zip_download(*, request: ConnectivityRequest, user: User) -> Download:
    """Return a zip of every ready file of `request`, and record the download."""
    _check_downloadable(request)
    ready = list(request.artifacts.filter(status=ArtifactStatus.READY).order_by("id"))
    if not ready:
        raise ArtifactUnavailable(f"No file of {request.reference} is ready yet.")
    files = [file for artifact in ready for file in unpack(artifact.content)]
    download = Download(
        safe_file_name(f"{request.reference}-configuration.zip"),
        _zipped(files, made_at=max(artifact.rendered_at for artifact in ready)),
        ZIP_CONTENT_TYPE,
    )
    return _recorded(download, request=request, user=user)


def device_download(*, vpn: Vpn, target_key: str, user: User) -> Download:
    """Render `vpn`'s files for another device on demand and record the download.

    Nothing is stored: the inputs are the approved rows, so the same choice renders the same
    file every time. Raises ArtifactUnavailable for an unknown target or one that cannot
    configure this VPN.
    """
    request = vpn.site.request
    _check_downloadable(request)
    if target_key not in {target.key for target in vpn_other_device_targets(vpn)}:
        raise ArtifactUnavailable(f"There is no device {target_key!r} for {vpn}.")
    try:
        context = stored_context(request, site=vpn.site, vpn=vpn)
        files = render_target(target_key, context)
    except (ContextError, RenderError) as exc:
        raise ArtifactUnavailable(str(exc)) from None
    download = _download(
        [(file.name, file.content) for file in files],
        zip_name=f"{context.header.file_stem}-{target_key.replace('_', '-')}.zip",
        made_at=approved_at(request),
    )
    return _recorded(download, request=request, user=user)


def thredd_side_download(*, vpn: Vpn, user: User) -> Download:
    """Render Thredd's side of `vpn` (strongSwan, mirroring AWS) for an engineer; record it.

    Engineers use it to test a client's file against Thredd's values without AWS. Nothing
    is stored: the inputs are the approved rows and AWS's recorded addresses.
    """
    if not user.is_engineer:
        raise PermissionDenied("Only Thredd engineers can download Thredd's side.")
    request = vpn.site.request
    _check_downloadable(request)
    try:
        context = stored_context(request, site=vpn.site, vpn=vpn)
        files = render_target(THREDD_SIDE_TARGET, context)
    except (ContextError, RenderError) as exc:
        raise ArtifactUnavailable(str(exc)) from None
    download = _download(
        [(file.name, file.content) for file in files],
        zip_name=f"{context.header.file_stem}-thredd-side.zip",
        made_at=approved_at(request),
    )
    return _recorded(download, request=request, user=user)
