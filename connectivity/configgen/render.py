"""Fill the target templates with a context, in a Jinja2 sandbox that fails on any gap.

StrictUndefined makes a missing value an error instead of a blank in a file a client pastes
into a firewall; the sandbox keeps templates from reaching anything but the context. Every
file starts with the shared header (REFERENCE §4), which lists the REPLACE_ME_ markers the
file's body uses.
"""

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from connectivity.choices import ConnectionType
from connectivity.configgen.context import ConfigContext, ThreddSide, build_context
from connectivity.configgen.keywords import KeywordMissing, keyword
from connectivity.configgen.targets import (
    TEMPLATE_VERSION,
    XML,
    Kind,
    Target,
    get_target,
    targets_of_kind,
)
from connectivity.configgen.values import TunnelValues
from connectivity.document import RequestDocument

TEMPLATES_DIR = Path(__file__).parent / "templates"
MARKER_PATTERN = re.compile(r"REPLACE_ME_[A-Z0-9_]+")

_environment = SandboxedEnvironment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


class RenderError(Exception):
    """A target cannot be rendered for this context; the message says why."""


@dataclass(frozen=True, slots=True)
class RenderedFile:
    """One generated file: its name, its text and the SHA-256 of that text."""

    target_key: str
    name: str
    content: str
    checksum: str


def _kind_of(context: ConfigContext) -> str:
    if context.vpn is not None:
        return Kind.VPN
    return Kind.TGW if context.tgw is not None else Kind.MTLS


def _check_fits(target: Target, context: ConfigContext) -> None:
    reason = target.misfit(
        kind=_kind_of(context),
        ikev1=context.vpn is not None and context.vpn.ikev1,
        bgp=context.vpn is not None and context.vpn.bgp is not None,
    )
    if reason:
        raise RenderError(reason)
    if target.platform is None or context.vpn is None:
        return
    # The device's capability table, the one the rules read: a file never offers what the
    # device cannot negotiate, even for a context the rules did not judge.
    row = target.platform.ike[context.vpn.ike_version]
    for tunnel in context.vpn.tunnels:
        for number, phase in ((1, tunnel.phase1), (2, tunnel.phase2)):
            for name in ("encryption", "integrity", "dh_groups"):
                refused = [v for v in getattr(phase, name) if v not in row.allowed(number, name)]
                if refused:
                    raise RenderError(
                        f"{target.label} cannot negotiate {', '.join(map(str, refused))} in "
                        f"phase {number} with IKEv{context.vpn.ike_version}."
                    )


def render_target(target_key: str, context: ConfigContext) -> tuple[RenderedFile, ...]:
    """Render every file of one target (most have one; ipsec.conf and mTLS have several).

    Raises KeyError for an unknown target and RenderError when the target does not fit the
    context (IKEv1 or BGP where the device has none) or a template needs a missing value.
    """
    target = get_target(target_key)
    _check_fits(target, context)
    return tuple(_render_file(target, file, context) for file in target.files)


def _render_file(target: Target, file, context: ConfigContext) -> RenderedFile:
    values = {
        "header": context.header,
        "site_subnets": context.site_subnets,
        "vpn": context.vpn,
        "tgw": context.tgw,
        "mtls": context.mtls,
        "target": target,
        "kw": partial(keyword, target.keywords),
        "comment": file.comment,
    }
    try:
        body = _environment.get_template(file.template).render(values)
        header = _environment.get_template("_header.j2").render(
            values | ({"comment": " "} if file.comment == XML else {}),
            template_version=TEMPLATE_VERSION,
            markers=sorted(set(MARKER_PATTERN.findall(body))),
        )
        if file.comment == XML:
            # One XML comment holds the header; "--" may not appear inside it.
            header = f"<!--\n{header.replace('--', '- -').rstrip()}\n-->\n\n"
    except KeywordMissing as exc:
        raise RenderError(str(exc)) from None
    except TemplateError as exc:
        raise RenderError(f"{file.template} could not be rendered: {exc}") from exc
    content = header + body
    return RenderedFile(
        target_key=target.key,
        name=file.name.format(stem=context.header.file_stem),
        content=content,
        checksum=hashlib.sha256(content.encode()).hexdigest(),
    )


def render_thredd_side(context: ConfigContext) -> RenderedFile:
    """Render Thredd's strongSwan file for the VPN of `context`: the mirror of the client's."""
    (rendered,) = render_target("thredd_swanctl", context)
    return rendered


def render_all(context: ConfigContext) -> tuple[RenderedFile, ...]:
    """Render every client target that fits `context` (every device for a VPN), for previews."""
    kind = _kind_of(context)
    files: list[RenderedFile] = []
    for target in targets_of_kind(kind):
        if target.fits(
            kind=kind,
            ikev1=context.vpn is not None and context.vpn.ikev1,
            bgp=context.vpn is not None and context.vpn.bgp is not None,
        ):
            files += render_target(target.key, context)
    return tuple(files)


# Which context of a request: (site index, VPN index) for a VPN, (site index, None) for a TGW
# site, (None, None) for an mTLS request.
ContextKey = tuple[int | None, int | None]


def context_keys(doc: RequestDocument) -> list[ContextKey]:
    """Return the key of every context of `doc`: one per VPN, per TGW site, or one for mTLS."""
    if doc.connection_type == ConnectionType.MTLS:
        return [(None, None)]
    if doc.connection_type == ConnectionType.AWS_TGW:
        return [(index, None) for index in range(len(doc.sites))]
    return [
        (site_index, vpn_index)
        for site_index, site in enumerate(doc.sites)
        for vpn_index in range(len(site.vpns))
    ]


def request_contexts(
    doc: RequestDocument,
    *,
    thredd: ThreddSide,
    request_reference: str,
    generated_at: datetime,
    tunnel_values: Mapping[ContextKey, Sequence[TunnelValues]],
    peering_attachment_ids: Mapping[int, str] = {},
    keys: Sequence[ContextKey] | None = None,
) -> dict[ContextKey, ConfigContext]:
    """Return the contexts of a request, by key: all of them, or only those of `keys`.

    The one way a request becomes contexts: the approved files (`services.artifacts`), the
    previews of `render_config` and the benchmark all come through here. `tunnel_values`
    holds each VPN's approved (or previewed) PSKs and inside /30s and AWS's outside address
    of each tunnel; `peering_attachment_ids` the ID of Thredd's peering attachment to each
    TGW site, by site index.
    """
    return {
        (site_index, vpn_index): build_context(
            doc,
            thredd=thredd,
            request_reference=request_reference,
            generated_at=generated_at,
            site_index=site_index,
            vpn_index=vpn_index,
            tunnel_values=tunnel_values.get((site_index, vpn_index), ()),
            peering_attachment_id=peering_attachment_ids.get(site_index, ""),
        )
        for site_index, vpn_index in (context_keys(doc) if keys is None else keys)
    }
