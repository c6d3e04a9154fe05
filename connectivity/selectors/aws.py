"""Thredd's side of a request as its pages show it: AWS's tunnel addresses, states and IDs."""

from dataclasses import dataclass
from datetime import datetime
from ipaddress import IPv4Network

from connectivity.choices import (
    DOWNLOADABLE_STATUSES,
    AwsStatus,
    ConnectionType,
    TunnelState,
    services_label,
)
from connectivity.models import (
    AwsPeeringAttachment,
    AwsVpnConnection,
    ConnectivityRequest,
    Site,
    Vpn,
)


@dataclass(frozen=True, slots=True)
class TunnelSide:
    """One tunnel as both ends see it: AWS's outside address, the inside /30, the state."""

    number: int
    thredd_outside_ip: str
    inside_cidr: str
    thredd_inside_ip: str
    client_inside_ip: str
    state: str
    state_label: str
    state_since: datetime | None
    state_detail: str

    @property
    def up(self) -> bool:
        return self.state == TunnelState.UP


@dataclass(frozen=True, slots=True)
class VpnSide:
    """Thredd's side of one client VPN: its AWS VPN connection and its two tunnels."""

    vpn: Vpn
    where: str
    services: str
    connection: AwsVpnConnection | None
    tunnels: tuple[TunnelSide, ...]

    @property
    def ready(self) -> bool:
        return self.connection is not None and self.connection.status == AwsStatus.READY

    @property
    def all_up(self) -> bool:
        return bool(self.tunnels) and all(tunnel.up for tunnel in self.tunnels)


@dataclass(frozen=True, slots=True)
class PeeringSide:
    """Thredd's side of one Transit Gateway site: the peering attachment to the client's TGW."""

    site: Site
    peering: AwsPeeringAttachment | None


@dataclass(frozen=True, slots=True)
class AwsSide:
    """Everything the "Thredd's side" section of a request shows."""

    vpns: tuple[VpnSide, ...]
    peerings: tuple[PeeringSide, ...]

    @property
    def shown(self) -> bool:
        return bool(self.vpns or self.peerings)

    @property
    def all_tunnels_up(self) -> bool:
        """Say whether telemetry shows both tunnels of every VPN up: ready to go live."""
        return bool(self.vpns) and all(vpn.all_up for vpn in self.vpns)

    @property
    def in_progress(self) -> bool:
        rows = [side.connection for side in self.vpns] + [side.peering for side in self.peerings]
        return any(
            row is not None and row.status in {AwsStatus.PENDING, AwsStatus.PROVISIONING}
            for row in rows
        )


def _tunnel(tunnel) -> TunnelSide:
    inside = IPv4Network(tunnel.inside_cidr) if tunnel.inside_cidr else None
    thredd_inside, client_inside = (str(host) for host in inside.hosts()) if inside else ("", "")
    return TunnelSide(
        number=tunnel.number,
        thredd_outside_ip=tunnel.thredd_outside_ip or "",
        inside_cidr=str(inside or ""),
        thredd_inside_ip=thredd_inside,
        client_inside_ip=client_inside,
        state=tunnel.state,
        state_label=TunnelState(tunnel.state).label,
        state_since=tunnel.state_since,
        state_detail=tunnel.state_detail,
    )


def aws_side(request: ConnectivityRequest) -> AwsSide:
    """Return Thredd's side of `request` once it is approved (nothing to show before).

    `request` is read with `with_answers()`, which brings each VPN's connection and each
    site's peering attachment: this reads nothing more.
    """
    if request.status not in DOWNLOADABLE_STATUSES:
        return AwsSide(vpns=(), peerings=())
    sites = request.sites.all()
    return AwsSide(
        vpns=tuple(
            VpnSide(
                vpn=vpn,
                where=f"{site.name}, VPN {vpn.position + 1}",
                services=services_label(vpn.services),
                connection=getattr(vpn, "aws", None),
                tunnels=tuple(_tunnel(tunnel) for tunnel in vpn.tunnels.all()),
            )
            for site in sites
            for vpn in site.vpns.all()
        ),
        peerings=tuple(
            PeeringSide(site=site, peering=site.aws_peering)
            for site in sites
            if request.connection_type == ConnectionType.AWS_TGW
            and getattr(site, "aws_peering", None) is not None
        ),
    )
