"""Make the per-tunnel values Thredd supplies on approval: pre-shared keys and inside /30s.

Pure functions: they read what is already used and return new values, and the caller (the
approval service, or `render_config` for a preview) decides whether to keep them. REFERENCE §5
gives the rules: a PSK is 8-64 characters of `A-Za-z0-9._`, not starting with 0, and a
generated one is 32 characters from a CSPRNG; an inside CIDR is a /30 of 169.254.0.0/16,
unique among every VPN connection on Thredd's transit gateway (one per environment), never
one of AWS's reserved /30s. Each tunnel's outside address is AWS's to give, when it creates
the VPN connection; previews use illustrative ones that behave like AWS's.
"""

import secrets
import string
from collections.abc import Collection
from dataclasses import dataclass
from ipaddress import IPv4Network

from connectivity import constants as limits
from connectivity.choices import ConnectionType
from connectivity.document import RequestDocument

GENERATED_PSK_LENGTH = 32
PSK_ALPHABET = string.ascii_letters + string.digits + "._"
# Where previews take AWS's outside addresses from: RFC 5737's TEST-NET-3, which no real
# AWS endpoint uses, so a preview cannot be mistaken for a file to apply.
ILLUSTRATIVE_OUTSIDE_RANGE = IPv4Network("203.0.113.0/24")


@dataclass(frozen=True, slots=True)
class TunnelValues:
    """What a tunnel's file needs beyond the request document: the approved PSK and inside
    /30, and AWS's outside address of the tunnel ("" until AWS has given it)."""

    psk: str
    inside_cidr: str
    thredd_outside_ip: str = ""


def generate_psk(length: int = GENERATED_PSK_LENGTH) -> str:
    """Return a new pre-shared key of `length` characters that meets AWS's rule."""
    first = secrets.choice(PSK_ALPHABET.replace("0", ""))
    return first + "".join(secrets.choice(PSK_ALPHABET) for _ in range(length - 1))


# Every /30 of the inside range, lowest first: the order tunnels are given them in.
_INSIDE_CANDIDATES = tuple(limits.INSIDE_CIDR_RANGE.subnets(new_prefix=limits.INSIDE_CIDR_PREFIX))


class InsideCidrTaken(ValueError):
    """A /30 the client chose is already used by another VPN connection on the transit gateway."""

    def __init__(self, *, site_index: int, vpn_index: int, number: int, network: str) -> None:
        super().__init__(
            f"Tunnel {number} of VPN {vpn_index + 1} at site {site_index + 1} asks for inside "
            f"CIDR {network}, which another VPN connection on Thredd's transit gateway already "
            "uses: ask the client to choose another /30 or leave it empty for Thredd to allocate."
        )


class InsideCidrPool:
    """Hand out the lowest free inside /30s of one transit gateway (one environment).

    `used` holds the /30s other VPN connections already have; AWS's reserved /30s are never
    handed out. Handing out is a forward scan from where the last one ended, so planning
    thousands of tunnels (the benchmark seed) stays linear.
    """

    def __init__(self, used: Collection[IPv4Network | str] = ()) -> None:
        self._taken = {IPv4Network(cidr) for cidr in used} | limits.RESERVED_INSIDE_CIDRS
        self._cursor = 0

    def is_taken(self, network: IPv4Network) -> bool:
        """Say whether `network` is already used on the transit gateway."""
        return network in self._taken

    def keep(self, network: IPv4Network) -> None:
        """Mark `network` as used (a /30 the client chose)."""
        self._taken.add(network)

    def take(self) -> IPv4Network:
        """Return the lowest free /30 and keep it.

        Raises ValueError when the range is exhausted (16,377 tunnels on one gateway).
        """
        while self._cursor < len(_INSIDE_CANDIDATES):
            candidate = _INSIDE_CANDIDATES[self._cursor]
            self._cursor += 1
            if candidate not in self._taken:
                self._taken.add(candidate)
                return candidate
        raise ValueError(
            f"No free inside /30 is left in {limits.INSIDE_CIDR_RANGE} on the transit gateway."
        )


def plan_tunnel_values(
    doc: RequestDocument, *, used_inside_cidrs: Collection[IPv4Network | str] = ()
) -> dict[tuple[int, int], tuple[TunnelValues, ...]]:
    """Return both tunnels' PSK and inside /30 for every VPN of `doc`, keyed by (site, VPN).

    The one planner of tunnel values: approval stores its plan, `render_config` previews it.
    A PSK or inside CIDR the client chose (or an amendment carried over) is kept; the rest is
    generated. `used_inside_cidrs` are the /30s other VPN connections on the transit gateway
    have; no two tunnels share one. Raises InsideCidrTaken when a chosen /30 is used already.
    Requests without VPNs give an empty plan. Outside addresses are AWS's, recorded later.
    """
    if doc.connection_type != ConnectionType.IPSEC_VPN:
        return {}
    pool = InsideCidrPool(used_inside_cidrs)
    chosen = {}
    for site_index, site in enumerate(doc.sites):
        for vpn_index, vpn in enumerate(site.vpns):
            for number, tunnel in enumerate(vpn.tunnels, start=1):
                if tunnel.inside_cidr:
                    network = IPv4Network(tunnel.inside_cidr)
                    if pool.is_taken(network):
                        raise InsideCidrTaken(
                            site_index=site_index,
                            vpn_index=vpn_index,
                            number=number,
                            network=tunnel.inside_cidr,
                        )
                    chosen[site_index, vpn_index, number] = network
    for network in chosen.values():
        pool.keep(network)
    plan = {}
    for site_index, site in enumerate(doc.sites):
        for vpn_index, vpn in enumerate(site.vpns):
            values = []
            for number in range(1, limits.MAX_TUNNELS_PER_VPN + 1):
                given = vpn.tunnels[number - 1] if number <= len(vpn.tunnels) else None
                inside = chosen.get((site_index, vpn_index, number)) or pool.take()
                psk = given.psk if given and given.psk else generate_psk()
                values.append(TunnelValues(psk=psk, inside_cidr=str(inside)))
            plan[site_index, vpn_index] = tuple(values)
    return plan


def illustrative_outside_ips(doc: RequestDocument) -> dict[tuple[int, int], tuple[str, str]]:
    """Return illustrative AWS outside addresses for both tunnels of every VPN of `doc`.

    They behave as AWS's do: every tunnel of every VPN has its own, so previews of two VPNs
    on one device show four distinct Thredd addresses. Taken in order from TEST-NET-3.
    """
    addresses = (str(host) for host in ILLUSTRATIVE_OUTSIDE_RANGE.hosts())
    return {
        (site_index, vpn_index): (next(addresses), next(addresses))
        for site_index, site in enumerate(doc.sites)
        for vpn_index in range(len(site.vpns))
    }
