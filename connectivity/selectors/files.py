"""The "Configuration files" panel of a request: progress, downloads, other devices, history."""

from dataclasses import dataclass

from connectivity.choices import (
    DOWNLOADABLE_STATUSES,
    FINAL_STATUSES,
    AwsStatus,
    ConnectionType,
    IkeVersion,
    Routing,
)
from connectivity.configgen.targets import Target, get_target, other_device_targets
from connectivity.models import (
    Artifact,
    ArtifactStatus,
    ConnectivityRequest,
    Site,
    User,
    Vpn,
)

AWS_IN_PROGRESS = frozenset({AwsStatus.PENDING, AwsStatus.PROVISIONING})


def vpn_other_device_targets(vpn: Vpn) -> list[Target]:
    """Return the device targets, other than the client's, that can configure `vpn`."""
    return other_device_targets(
        vendor=vpn.device_vendor,
        platform=vpn.device_platform,
        ikev1=vpn.ike_version == IkeVersion.IKEV1,
        bgp=vpn.site.routing == Routing.BGP,
    )


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
    # Where Thredd's AWS side is not ready yet, so files are still to come: (where, status).
    awaiting_aws: tuple[tuple[str, str], ...] = ()

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
        return self.connectivity_request.status not in DOWNLOADABLE_STATUSES | FINAL_STATUSES

    @property
    def in_progress(self) -> bool:
        """Say whether a file is still being prepared, so the page keeps refreshing."""
        return any(row.artifact.status == ArtifactStatus.PENDING for row in self.rows) or any(
            status in AWS_IN_PROGRESS for _, status in self.awaiting_aws
        )


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

    `request` is read with `with_answers()`: its VPNs, and Thredd's AWS side of each, come
    from there.

    Earlier revisions (the `amends` chain) are listed as superseded versions, still
    downloadable; a revision that a later approved one replaces says by which. Files exist,
    and later revisions can replace them, only once Thredd has approved: before that no
    query is made for them.
    """
    downloadable = request.status in DOWNLOADABLE_STATUSES
    vpns = [vpn for site in request.sites.all() for vpn in site.vpns.all()]
    earlier = []
    revision = request.amends
    while revision is not None:
        earlier.append(Revision(revision, _rows(revision)))
        revision = revision.amends
    return RequestFiles(
        connectivity_request=request,
        rows=_rows(request) if downloadable else (),
        downloadable=downloadable,
        for_engineer=user.is_engineer,
        other_devices=tuple(
            DeviceChoice(vpn, _where(vpn.site, vpn), tuple(vpn_other_device_targets(vpn)))
            for vpn in vpns
        )
        if downloadable and request.connection_type == ConnectionType.IPSEC_VPN
        else (),
        earlier=tuple(earlier),
        superseded_by=request.amendments.filter(status__in=DOWNLOADABLE_STATUSES)
        .order_by("-created_at")
        .first()
        if downloadable
        else None,
        awaiting_aws=_awaiting_aws(request.sites.all(), vpns) if downloadable else (),
    )


def _awaiting_aws(sites: list[Site], vpns: list[Vpn]) -> tuple[tuple[str, str], ...]:
    """Return (where, status) of each VPN or TGW site whose AWS side is not ready yet."""
    connections = [(vpn, getattr(vpn, "aws", None)) for vpn in vpns]
    peerings = [(site, getattr(site, "aws_peering", None)) for site in sites]
    return tuple(
        [
            (_where(vpn.site, vpn), connection.status)
            for vpn, connection in connections
            if connection is not None and connection.status != AwsStatus.READY
        ]
        + [
            (site.name, peering.status)
            for site, peering in peerings
            if peering is not None and not peering.attachment_id
        ]
    )
