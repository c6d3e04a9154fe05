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


# Every /30 of the inside range, lowest first: the order tunnels are given them in.
_INSIDE_CANDIDATES = tuple(limits.INSIDE_CIDR_RANGE.subnets(new_prefix=limits.INSIDE_CIDR_PREFIX))


class InsideCidrTaken(ValueError):
    """A /30 the client chose is already used by another tunnel on its Thredd gateway."""

    def __init__(self, *, site_index: int, vpn_index: int, number: int, network: str) -> None:
        super().__init__(
            f"Tunnel {number} of VPN {vpn_index + 1} at site {site_index + 1} asks for inside "
            f"CIDR {network}, which another tunnel already uses on Thredd gateway {number}: ask "
            "the client to choose another /30 or leave it empty for Thredd to allocate."
        )


class InsideCidrPool:
    """Hand out the lowest free inside /30s of one environment, per Thredd gateway.

    `used` maps a gateway position (1, 2) to the /30s already taken there; AWS's reserved
    /30s are never handed out. Handing out is a forward scan from where the last one ended,
    so planning thousands of tunnels (the benchmark seed) stays linear.
    """

    def __init__(self, used: Mapping[int, Collection[IPv4Network | str]] | None = None) -> None:
        used = used or {}
        self._taken = {
            position: {IPv4Network(cidr) for cidr in used.get(position, ())}
            | limits.RESERVED_INSIDE_CIDRS
            for position in range(1, limits.MAX_TUNNELS_PER_VPN + 1)
        }
        self._cursor = dict.fromkeys(self._taken, 0)

    def is_taken(self, position: int, network: IPv4Network) -> bool:
        """Say whether `network` is already used on gateway `position`."""
        return network in self._taken[position]

    def take(self, position: int, *, avoiding: Collection[IPv4Network] = ()) -> IPv4Network:
        """Return the lowest /30 free on gateway `position` and not in `avoiding`; keep it.

        Raises ValueError when the range is exhausted (16,377 tunnels on one gateway).
        """
        taken = self._taken[position]
        cursor = self._cursor[position]
        while cursor < len(_INSIDE_CANDIDATES) and _INSIDE_CANDIDATES[cursor] in taken:
            cursor += 1
        self._cursor[position] = cursor
        for candidate in _INSIDE_CANDIDATES[cursor:]:
            if candidate not in taken and candidate not in avoiding:
                taken.add(candidate)
                return candidate
        raise ValueError(
            f"No free inside /30 is left in {limits.INSIDE_CIDR_RANGE} on gateway {position}."
        )


def plan_tunnel_values(
    doc: RequestDocument,
    *,
    used_inside_cidrs: Mapping[int, Collection[IPv4Network | str]] | None = None,
) -> dict[tuple[int, int], tuple[TunnelValues, ...]]:
    """Return both tunnels' values for every VPN of `doc`, keyed by (site index, VPN index).

    The one planner of tunnel values: approval stores its plan, `render_config` previews it.
    A PSK or inside CIDR the client chose (or an amendment carried over) is kept; the rest is
    generated. Tunnel n lands on Thredd gateway n, so `used_inside_cidrs` maps a gateway
    position (1, 2) to the /30s already used there by other requests; no two tunnels of the
    request share a /30 (the client's device holds them all). Raises InsideCidrTaken when a
    chosen /30 is used on its gateway. Requests without VPNs give an empty plan.
    """
    if doc.connection_type != ConnectionType.IPSEC_VPN:
        return {}
    pool = InsideCidrPool(used_inside_cidrs)
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
                if chosen and chosen.inside_cidr:
                    inside = chosen.inside_cidr
                    if pool.is_taken(position, IPv4Network(inside)):
                        raise InsideCidrTaken(
                            site_index=site_index,
                            vpn_index=vpn_index,
                            number=position,
                            network=inside,
                        )
                else:
                    network = pool.take(position, avoiding=in_request)
                    in_request.add(network)
                    inside = str(network)
                psk = chosen.psk if chosen and chosen.psk else generate_psk()
                values.append(TunnelValues(psk=psk, inside_cidr=inside))
            plan[site_index, vpn_index] = tuple(values)
    return plan
