"""Measure the availability check at scale: with the GiST index, and with index scans off.

The query is the project's own (`subnet_is_taken`, what submission, form saves and the
client's "Check availability" ask for each subnet), timed end to end from Python as the
portal pays for it. The same calls are then made in a transaction with `enable_indexscan` and
`enable_bitmapscan` off, which leaves PostgreSQL a sequential scan of every allocation:
what the check would cost without the exclusion constraints' GiST indexes.
"""

import random
import time
from dataclasses import dataclass
from ipaddress import IPv4Network

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.stats import Summary
from connectivity.choices import Environment
from connectivity.models import Allocation
from connectivity.selectors.availability import PRIVATE_BLOCKS, subnet_is_taken

SAMPLES_WITH_INDEX = 400
SAMPLES_WITHOUT_INDEX = 60


@dataclass(frozen=True)
class AvailabilityResult:
    """Timings (ms) with and without the index, and the plans PostgreSQL chose for each."""

    allocations: int
    with_index: Summary
    without_index: Summary
    plan_with_index: str
    plan_without_index: str

    @property
    def ratio(self) -> float:
        """Return how many times faster the indexed check is, by medians."""
        return self.without_index.median / self.with_index.median


def _probes(count: int, rng: random.Random) -> list[tuple[str, IPv4Network, int]]:
    """Return (environment, /24, organisation id) probes: half overlap an allocation.

    The organisation asking is one that holds nothing, as for a new client: the query keeps
    its `exclude`, and every overlapping allocation is found.
    """
    taken = Allocation.objects.order_by("?").values_list("environment", "network")[: count // 2]
    probes = [
        (env, network.supernet(new_prefix=24) if network.prefixlen > 24 else network, 0)
        for env, network in taken
    ]
    ten = int(PRIVATE_BLOCKS[0].network_address)
    while len(probes) < count:
        network = IPv4Network((ten + (rng.randrange(2**16) << 8), 24))
        probes.append((rng.choice(list(Environment)), network, 0))
    rng.shuffle(probes)
    return probes


def _time_checks(probes) -> list[float]:
    timings = []
    for environment, network, organisation_id in probes:
        started = time.perf_counter()
        subnet_is_taken(
            environment=environment, network=network, excluding_organisation_id=organisation_id
        )
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _plan(probe) -> str:
    """Return EXPLAIN ANALYZE of the exact SQL the check runs for `probe`."""
    environment, network, organisation_id = probe
    with CaptureQueriesContext(connection) as captured:
        subnet_is_taken(
            environment=environment, network=network, excluding_organisation_id=organisation_id
        )
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _index_scans_off() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")


def measure_availability(seed: int = 9) -> AvailabilityResult:
    """Time the check on random /24s (half taken, half mostly free), both ways."""
    rng = random.Random(seed)  # noqa: S311 - choosing probes, not secrets
    probes = _probes(SAMPLES_WITH_INDEX, rng)
    _time_checks(probes[:50])  # warm the connection, the caches and the plan
    with_index = Summary.of(_time_checks(probes))
    plan_with_index = _plan(probes[0])
    with transaction.atomic():
        _index_scans_off()
        _time_checks(probes[:5])
        without_index = Summary.of(_time_checks(probes[:SAMPLES_WITHOUT_INDEX]))
        plan_without_index = _plan(probes[0])
    return AvailabilityResult(
        allocations=Allocation.objects.count(),
        with_index=with_index,
        without_index=without_index,
        plan_with_index=plan_with_index,
        plan_without_index=plan_without_index,
    )
