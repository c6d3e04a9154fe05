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


def _check_fits(target: Target, context: ConfigContext, *, kind: str) -> None:
    if _kind_of(context) != kind:
        raise RenderError(f"{target.label} needs a {kind} context, not a {_kind_of(context)} one.")
    if kind != Kind.VPN:
        return
    if context.vpn.ikev1 and not target.supports_ikev1:
        raise RenderError(f"{target.label} is offered with IKEv2 only.")
    if context.vpn.bgp is not None and not target.supports_bgp:
        raise RenderError(f"{target.label} cannot run BGP over the tunnel.")


def render_target(target_key: str, context: ConfigContext) -> tuple[RenderedFile, ...]:
    """Render every file of one target (most have one; ipsec.conf and mTLS have several).

    Raises KeyError for an unknown target and RenderError when the target does not fit the
    context (IKEv1 or BGP where the device has none) or a template needs a missing value.
    """
    target = get_target(target_key)
    kind = Kind.VPN if target.kind == Kind.THREDD_SIDE else target.kind
    _check_fits(target, context, kind=kind)
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
            values,
            template_version=TEMPLATE_VERSION,
            markers=sorted(set(MARKER_PATTERN.findall(body))),
        )
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
        try:
            _check_fits(target, context, kind=kind)
        except RenderError:
            continue
        files += render_target(target.key, context)
    return tuple(files)


def request_contexts(
    doc: RequestDocument,
    *,
    thredd: ThreddSide,
    request_reference: str,
    generated_at: datetime,
    tunnel_values: Mapping[tuple[int, int], Sequence[TunnelValues]],
) -> list[ConfigContext]:
    """Return the contexts of a whole request: one per VPN, per TGW site, or one for mTLS."""
    common = {
        "thredd": thredd,
        "request_reference": request_reference,
        "generated_at": generated_at,
    }
    if doc.connection_type == ConnectionType.MTLS:
        return [build_context(doc, **common)]
    if doc.connection_type == ConnectionType.AWS_TGW:
        return [build_context(doc, site_index=index, **common) for index in range(len(doc.sites))]
    return [
        build_context(
            doc,
            site_index=site_index,
            vpn_index=vpn_index,
            tunnel_values=tunnel_values[site_index, vpn_index],
            **common,
        )
        for site_index, site in enumerate(doc.sites)
        for vpn_index in range(len(site.vpns))
    ]


def render_request(
    doc: RequestDocument,
    *,
    thredd: ThreddSide,
    request_reference: str,
    generated_at: datetime,
    tunnel_values: Mapping[tuple[int, int], Sequence[TunnelValues]],
) -> tuple[RenderedFile, ...]:
    """Render the files a client receives for an approved request.

    Each VPN gets the target of the device the client chose; a TGW site gets CloudFormation
    and Terraform; an mTLS request the endpoint bundle. Thredd's own files are separate
    (`render_thredd_side`).
    """
    files: list[RenderedFile] = []
    for context in request_contexts(
        doc,
        thredd=thredd,
        request_reference=request_reference,
        generated_at=generated_at,
        tunnel_values=tunnel_values,
    ):
        if context.vpn is None:
            for target in targets_of_kind(_kind_of(context)):
                files += render_target(target.key, context)
            continue
        files += render_target(context.vpn.device_target, context)
    return tuple(files)
