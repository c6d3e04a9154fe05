"""Measure configuration rendering: every target for a two-site production VPN request.

The request is a seeded, approved one, so its contexts carry real PSKs and inside /30s;
every client device target that fits each VPN is rendered (`render_all`, what a preview
offers), many times over, and the time is divided by the files each render makes.
"""

import time
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from bench.stats import Summary
from connectivity.choices import ConnectionType, Environment, RequestStatus
from connectivity.configgen.context import ThreddSide
from connectivity.configgen.render import render_all, render_target, request_contexts
from connectivity.configgen.values import TunnelValues
from connectivity.models import ConnectivityRequest, ThreddSettings
from connectivity.selectors.requests import request_to_document

ROUNDS = 30


@dataclass(frozen=True)
class RenderingResult:
    """Milliseconds per file, over all targets and per target, for one request."""

    reference: str
    files_per_round: int
    per_file: Summary
    per_target: dict[str, Summary]


def _two_site_production_request() -> ConnectivityRequest:
    return (
        ConnectivityRequest.objects.annotate(site_total=Count("sites"))
        .filter(
            environment=Environment.PRODUCTION,
            connection_type=ConnectionType.IPSEC_VPN,
            status=RequestStatus.ACTIVE,
            site_total=2,
        )
        .with_answers()
        .first()
    )


def measure_rendering() -> RenderingResult:
    """Render every fitting target of every VPN of the request `ROUNDS` times; time each."""
    request = _two_site_production_request()
    thredd = ThreddSide.from_settings(
        ThreddSettings.objects.prefetch_related("service_ranges").get(
            environment=request.environment
        )
    )
    tunnel_values = {
        (site_index, vpn_index): tuple(
            TunnelValues(
                psk=tunnel.psk,
                inside_cidr=str(tunnel.inside_cidr),
                thredd_outside_ip=tunnel.thredd_outside_ip or "",
            )
            for tunnel in vpn.tunnels.all()
        )
        for site_index, site in enumerate(request.sites.all())
        for vpn_index, vpn in enumerate(site.vpns.all())
    }
    contexts = request_contexts(
        request_to_document(request),
        thredd=thredd,
        request_reference=request.reference,
        generated_at=request.updated_at,
        tunnel_values=tunnel_values,
    ).values()
    targets = [(context, file.target_key) for context in contexts for file in render_all(context)]
    targets = list(dict.fromkeys(targets))  # a target with several files renders once
    per_target: dict[str, list[float]] = defaultdict(list)
    per_file = []
    for _ in range(ROUNDS):
        for context, key in targets:
            started = time.perf_counter()
            files = render_target(key, context)
            milliseconds = (time.perf_counter() - started) * 1000 / len(files)
            per_target[key].append(milliseconds)
            per_file.extend([milliseconds] * len(files))
    return RenderingResult(
        reference=request.reference,
        files_per_round=len(per_file) // ROUNDS,
        per_file=Summary.of(per_file),
        per_target={key: Summary.of(values) for key, values in sorted(per_target.items())},
    )
