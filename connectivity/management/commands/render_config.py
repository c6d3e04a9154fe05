"""Render a request document's configuration files with preview values, for a look before approval.

PSKs and inside /30s are generated for the preview and saved nowhere. What AWS gives only once
Thredd creates the connections, each tunnel's outside address and each TGW site's peering
attachment ID, is illustrative, and behaves as AWS's does: every tunnel of every VPN has its
own address, every site its own attachment. Thredd's service ranges and ASN come from the
environment's ThreddSettings when the database has them, otherwise from illustrative values.
Every file's header says "PREVIEW".
"""

import json
import sys
from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from connectivity.choices import ConnectionType
from connectivity.configgen.context import (
    ContextError,
    ThreddSide,
    preview_thredd_side,
)
from connectivity.configgen.render import (
    RenderError,
    context_keys,
    render_all,
    render_target,
    render_thredd_side,
    request_contexts,
)
from connectivity.configgen.targets import TARGETS_BY_KEY
from connectivity.configgen.values import (
    TunnelValues,
    illustrative_outside_ips,
    plan_tunnel_values,
)
from connectivity.document import RequestDocument, parse_json
from connectivity.findings import has_errors
from connectivity.models import ThreddSettings
from connectivity.rules import validate_document

PREVIEW_REFERENCE = "PREVIEW"


class Command(BaseCommand):
    help = (
        "Render configuration files for a request document (JSON) with preview values: "
        "generated PSKs and inside /30s that are not saved, and illustrative AWS outside "
        "addresses and peering attachment IDs."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the request document; - reads standard input")
        parser.add_argument(
            "--target",
            required=True,
            help=f"a target key or 'all': {', '.join(TARGETS_BY_KEY)}",
        )
        parser.add_argument("--out", required=True, type=Path, help="the folder to write to")
        parser.add_argument(
            "--thredd-side", action="store_true", help="also write Thredd's strongSwan file"
        )
        parser.add_argument("--site", type=int, help="only this site (counted from 1)")

    def handle(self, *args, file, target, out, thredd_side, site, **options):
        if target != "all" and target not in TARGETS_BY_KEY:
            raise CommandError(
                f"No target {target!r}. Choose 'all' or one of: {', '.join(TARGETS_BY_KEY)}."
            )
        doc = self._read(file)
        stored = self._stored_thredd_side(doc.environment)
        # Every file of this command is a preview (its PSKs are saved nowhere), so the header
        # says so even when Thredd's values are the real ones.
        thredd = replace(stored or preview_thredd_side(doc.environment or "uat"), preview=True)
        findings = validate_document(doc, thredd_asn=thredd.bgp_asn)
        if has_errors(findings):
            self._print_findings(findings)
            raise CommandError("The request has errors (listed above); fix them and try again.")
        keys = context_keys(doc)
        if site is not None:
            if not 1 <= site <= len(doc.sites):
                raise CommandError(f"--site must be 1 to {len(doc.sites)}, not {site}.")
            keys = [key for key in keys if key[0] == site - 1]
        try:
            contexts = request_contexts(
                doc,
                thredd=thredd,
                request_reference=PREVIEW_REFERENCE,
                generated_at=timezone.now(),
                tunnel_values=_preview_tunnel_values(doc),
                peering_attachment_ids=_preview_peering_attachment_ids(doc),
                keys=keys,
            ).values()
            files = []
            for context in contexts:
                if target == "all":
                    files += render_all(context)
                else:
                    files += render_target(target, context)
                if thredd_side and context.vpn is not None:
                    files.append(render_thredd_side(context))
        except ContextError as exc:
            self._print_findings(exc.findings)
            raise CommandError(str(exc)) from None
        except RenderError as exc:
            raise CommandError(str(exc)) from None
        out.mkdir(parents=True, exist_ok=True)
        for rendered in files:
            (out / rendered.name).write_text(rendered.content)
            self.stdout.write(f"{out / rendered.name}  sha256 {rendered.checksum}")
        if doc.connection_type != ConnectionType.MTLS:
            self.stderr.write(
                "AWS's outside addresses and peering attachment IDs in these files are "
                "illustrative: AWS gives the real ones when Thredd creates the connections."
            )
        if stored is None:
            self.stderr.write(
                f"No Thredd settings for {doc.environment} in the database: the files use "
                "illustrative Thredd values and say PREVIEW in their header."
            )

    def _read(self, file: str):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        doc, findings = parse_json(text)
        if doc is None:
            self._print_findings(findings)
            raise CommandError(f"{file} is not a request document Thredd can read.")
        if has_errors(findings):  # unknown keys: what validate_request refuses, refused here
            self._print_findings(findings)
            raise CommandError(f"{file} has keys Thredd does not know (listed above).")
        return doc

    def _print_findings(self, findings) -> None:
        if findings:
            self.stderr.write(json.dumps([finding.as_dict() for finding in findings], indent=2))

    def _stored_thredd_side(self, environment: str | None) -> ThreddSide | None:
        try:
            settings = (
                ThreddSettings.objects.prefetch_related("service_ranges")
                .filter(environment=environment)
                .first()
            )
        except DatabaseError:
            settings = None
        return None if settings is None else ThreddSide.from_settings(settings)


def _preview_tunnel_values(
    doc: RequestDocument,
) -> dict[tuple[int, int], tuple[TunnelValues, ...]]:
    """Return every VPN's planned PSKs and inside /30s with illustrative AWS outside addresses.

    The plan is approval's own (unique /30s across the request); the addresses are distinct
    for every tunnel of every VPN, as AWS's are.
    """
    addresses = illustrative_outside_ips(doc)
    return {
        key: tuple(
            replace(values, thredd_outside_ip=address)
            for values, address in zip(tunnels, addresses[key], strict=True)
        )
        for key, tunnels in plan_tunnel_values(doc).items()
    }


def _preview_peering_attachment_ids(doc: RequestDocument) -> dict[int, str]:
    """Return an illustrative peering attachment ID for every site of `doc`: AWS's form, its
    17 hex digits the site's number, so each site has its own and none looks like a real one."""
    return {index: f"tgw-attach-{index + 1:017x}" for index in range(len(doc.sites))}
