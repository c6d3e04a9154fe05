"""Draw one site's connection to Thredd as an SVG picture, on the server.

The client's subnets on the left, each VPN or attachment with the services it carries in the
middle, Thredd on the right; a line joins each subnet to the VPNs carrying its service. Every
text is escaped: site names and subnets are the client's own words.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from connectivity.choices import (
    ConnectionType,
    Environment,
    SubnetPurpose,
    choice_label,
    service_labels,
)
from connectivity.document import Site

WIDTH = 760
ROW = 64
BOX_HEIGHT = 48
MARGIN = 16
COLUMNS = {"subnets": (16, 210), "carriers": (290, 240), "thredd": (610, 134)}


# Each box's fill, border and text colour, as SVG presentation attributes rather than page
# CSS: the picture then looks the same on the page (no inline style, which the Content
# Security Policy refuses) and in the setup form's PDF, whose SVG renderer reads no page CSS.
BOX_COLOURS = {
    "topology-subnet": ("#e7f1ff", "#0d6efd", "#212529"),
    "topology-carrier": ("#fff", "#1d1a3f", "#212529"),
    "topology-thredd": ("#1d1a3f", "#1d1a3f", "#fff"),
}


def _box(x: int, y: int, width: int, lines: list[str], css: str) -> str:
    fill, stroke, ink = BOX_COLOURS[css]
    texts = "".join(
        f'<text x="{x + 10}" y="{y + 20 + 16 * number}" fill="{ink}">{escape(line)}</text>'
        for number, line in enumerate(lines)
    )
    return (
        f'<rect class="{css}" x="{x}" y="{y}" width="{width}" height="{BOX_HEIGHT}" rx="6" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>{texts}'
    )


def centre(position: int) -> int:
    """Return the vertical middle of the box in row `position`."""
    return MARGIN + position * ROW + BOX_HEIGHT // 2


def _line(x1: int, y1: int, x2: int, y2: int) -> str:
    return (
        f'<line class="topology-link" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" '
        'stroke="#6c757d" stroke-width="2"/>'
    )


def site_topology_svg(
    site: Site, *, environment: str, connection_type: str, index: int
) -> SafeString:
    """Return an accessible SVG of `site`'s subnets, VPNs or attachments, and Thredd."""
    noun = "VPN" if connection_type == ConnectionType.IPSEC_VPN else "Attachment"
    carriers = site.vpns if connection_type == ConnectionType.IPSEC_VPN else site.attachments
    rows = max(len(site.subnets), len(carriers), 1)
    height = rows * ROW + 2 * MARGIN

    parts = []
    sx, sw = COLUMNS["subnets"]
    cx, cw = COLUMNS["carriers"]
    tx, tw = COLUMNS["thredd"]
    thredd_y = height // 2 - BOX_HEIGHT // 2
    for position, carrier in enumerate(carriers):
        lines = [f"{noun} {position + 1}: " + ", ".join(service_labels(carrier.services))]
        peer = getattr(carrier, "peer_ip", None)
        if peer:
            lines.append(f"peer {peer}")
        parts.append(_line(cx + cw, centre(position), tx, height // 2))
        for subnet_position, subnet in enumerate(site.subnets):
            if subnet.purpose in carrier.services:
                parts.append(_line(sx + sw, centre(subnet_position), cx, centre(position)))
        parts.append(_box(cx, centre(position) - BOX_HEIGHT // 2, cw, lines, "topology-carrier"))
    for position, subnet in enumerate(site.subnets):
        lines = [
            subnet.cidr or "subnet not entered",
            choice_label(SubnetPurpose, subnet.purpose, missing="purpose not chosen"),
        ]
        parts.append(_box(sx, centre(position) - BOX_HEIGHT // 2, sw, lines, "topology-subnet"))
    parts.append(
        _box(tx, thredd_y, tw, ["Thredd", Environment(environment).label], "topology-thredd")
    )

    title_id = f"topology-title-{index}"
    description = (
        f"{site.name or 'This site'}: {len(site.subnets)} subnet(s) reach Thredd through "
        f"{len(carriers)} {noun}(s)."
    )
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<svg class="topology" role="img" aria-labelledby="{title_id}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" font-size="13" '
        'font-family="system-ui, DejaVu Sans, sans-serif" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(description)}</title>{"".join(parts)}</svg>'
    )
