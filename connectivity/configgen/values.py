"""Make the per-tunnel values Thredd supplies on approval: pre-shared keys and inside /30s.

Pure functions: they read what is already used and return new values, and the caller (the
approval service, or `render_config` for a preview) decides whether to keep them. REFERENCE §5
gives the rules: a PSK is 8-64 characters of `A-Za-z0-9._`, not starting with 0, and a
generated one is 32 characters from a CSPRNG; an inside CIDR is a /30 of 169.254.0.0/16,
unique per Thredd gateway, never one of AWS's reserved /30s.
"""

import secrets
import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network

from connectivity import constants as limits
from connectivity.choices import ConnectionType
from connectivity.document import RequestDocument

GENERATED_PSK_LENGTH = 32
PSK_ALPHABET = string.ascii_letters + string.digits + "._"


@dataclass(frozen=True, slots=True)
class TunnelValues:
    """The approved secret and inside addresses of one tunnel: what a template needs beyond the
    request document."""

    psk: str
    inside_cidr: str


def generate_psk(length: int = GENERATED_PSK_LENGTH) -> str:
    """Return a new pre-shared key of `length` characters that meets AWS's rule."""
    first = secrets.choice(PSK_ALPHABET.replace("0", ""))
    return first + "".join(secrets.choice(PSK_ALPHABET) for _ in range(length - 1))


def next_inside_cidrs(
    used: Collection[IPv4Network | str], count: int = 1
) -> tuple[IPv4Network, ...]:
    """Return the `count` lowest /30s of 169.254.0.0/16 that are neither used nor reserved.

    `used` is every inside CIDR already taken on one Thredd gateway. Raises ValueError when
    the range is exhausted (16,377 tunnels on one gateway).
    """
    taken = {IPv4Network(cidr) for cidr in used} | limits.RESERVED_INSIDE_CIDRS
    found: list[IPv4Network] = []
    for candidate in limits.INSIDE_CIDR_RANGE.subnets(new_prefix=limits.INSIDE_CIDR_PREFIX):
        if candidate not in taken:
            found.append(candidate)
            if len(found) == count:
                return tuple(found)
    raise ValueError(f"No free inside /30 is left in {limits.INSIDE_CIDR_RANGE} on this gateway.")


def plan_tunnel_values(
    doc: RequestDocument,
    *,
    used_inside_cidrs: Mapping[int, Collection[IPv4Network | str]] | None = None,
) -> dict[tuple[int, int], tuple[TunnelValues, ...]]:
    """Return both tunnels' values for every VPN of `doc`, keyed by (site index, VPN index).

    A PSK or inside CIDR the client chose is kept; the rest is generated. Tunnel n lands on
    Thredd gateway n, so `used_inside_cidrs` maps a gateway position (1, 2) to the /30s already
    used there; no two tunnels of the request share a /30, the client's own choices included.
    Requests without VPNs give an empty plan.
    """
    if doc.connection_type != ConnectionType.IPSEC_VPN:
        return {}
    used: dict[int, set[IPv4Network]] = {
        position: {IPv4Network(cidr) for cidr in (used_inside_cidrs or {}).get(position, ())}
        for position in range(1, limits.MAX_TUNNELS_PER_VPN + 1)
    }
    # Every tunnel of one request needs a /30 of its own (the client's device holds them
    # all), on top of being free on its Thredd gateway.
    in_request = {
        IPv4Network(tunnel.inside_cidr)
        for site in doc.sites
        for vpn in site.vpns
        for tunnel in vpn.tunnels
        if tunnel.inside_cidr
    }
    plan = {}
    for site_index, site in enumerate(doc.sites):
        for vpn_index, vpn in enumerate(site.vpns):
            values = []
            for position in range(1, limits.MAX_TUNNELS_PER_VPN + 1):
                chosen = vpn.tunnels[position - 1] if position <= len(vpn.tunnels) else None
                inside = chosen.inside_cidr if chosen and chosen.inside_cidr else None
                if inside is None:
                    (network,) = next_inside_cidrs(used[position] | in_request)
                    in_request.add(network)
                    inside = str(network)
                psk = chosen.psk if chosen and chosen.psk else generate_psk()
                values.append(TunnelValues(psk=psk, inside_cidr=inside))
            plan[site_index, vpn_index] = tuple(values)
    return plan
