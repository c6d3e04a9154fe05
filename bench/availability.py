"""Measure the availability check at 10,000, 100,000 and 1,000,000 allocations.

The check is the project's own (`availability_findings`, what the site page, submission,
check your answers and approval ask of every subnet), for one /24, timed end to end from
Python as the portal pays for it: one query, against the allocation table and the GiST
indexes of its exclusion constraints (with Thredd's reserved and service ranges).

Every size is made in one transaction, rolled back at the end, so the seeded data, the
table's files and its sequence are left as they were. The table is emptied (TRUNCATE, which a
rollback undoes whole, leaving no dead rows behind), the exclusion constraints are dropped and
their indexes created again on the empty table from their own definitions
(`pg_get_indexdef`: the same names, column, operator class and conditions), and the table is
filled to the largest size: every seeded allocation, then /29s spread evenly over the free
private space of each environment after the seeded networks (500,000 allocations per
environment leave at most ~35 addresses each: /24s no longer fit). Each smaller size is made
from it in a savepoint (emptied again, filled with a random sample of the seeded allocations,
or all of them) and rolled back to it. So each index grows row by row, as in production; only
the constraints' per-row overlap check is left out (it would take minutes at 1,000,000 rows),
and the networks are checked not to overlap by sorting them instead. ANALYZE follows each
fill, as autovacuum would.

The sizes are measured in turn, `ROUNDS` rounds of `CHECKS_PER_ROUND` checks each, so that a
change in the machine's load touches every size alike. At the largest size the same calls
are then made with `enable_indexscan` and `enable_bitmapscan` off, which leaves PostgreSQL a
sequential scan of every allocation: what the check would cost without the GiST indexes.
"""

import random
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Network

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.stats import Summary
from connectivity.choices import Environment
from connectivity.models import Allocation, ReservedRange, ServiceRange
from connectivity.selectors.availability import PRIVATE_BLOCKS, availability_findings

SIZES = (10_000, 100_000, 1_000_000)
ROUNDS = 8
CHECKS_PER_ROUND = 50  # at each size, each round: 400 checks per size in all
WARM_UP = 20  # checks run, untimed, before each round's at each size
SAMPLES_WITHOUT_INDEX = 60
GENERATED_PREFIX = 29  # the networks added past the seeded ones
TABLE = Allocation._meta.db_table
PRIVATE_SPACE = sum(block.num_addresses for block in PRIVATE_BLOCKS)  # in each environment
ENVIRONMENTS = len(Environment)

Probe = tuple[str, IPv4Network, int]  # environment, network, organisation asking


@dataclass(frozen=True)
class SizeResult:
    """Timings (ms) with the index at one number of allocations, and the plan of one probe."""

    allocations: int
    made_of: str  # what the table held
    with_index: Summary
    taken: float  # the share of the probes that overlap an allocation
    plan: str
    plan_probe_taken: bool  # whether the probe of the plan overlaps an allocation


@dataclass(frozen=True)
class AvailabilityResult:
    """Timings at every size, smallest first; at the largest, also with index scans off."""

    sizes: list[SizeResult]
    rounds: int
    without_index: Summary
    plan_without_index: str

    @property
    def smallest(self) -> SizeResult:
        return self.sizes[0]

    @property
    def largest(self) -> SizeResult:
        return self.sizes[-1]

    @property
    def growth(self) -> float:
        """Return the median at the largest size over the median at the smallest."""
        return self.largest.with_index.median / self.smallest.with_index.median

    @property
    def ratio(self) -> float:
        """Return how many times faster the indexed check is at the largest size, by medians."""
        return self.without_index.median / self.largest.with_index.median


def _probes(count: int, rng: random.Random) -> list[Probe]:
    """Return (environment, /24, organisation id) probes: half from an allocation's /24.

    The organisation asking is one that holds nothing, as for a new client: the query keeps
    its `exclude`, and every overlapping allocation is found. The other half are random
    /24s of 10.0.0.0/8, free or taken as the data has it.
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


def _is_taken(probe: Probe) -> bool:
    """Run the portal's check of one subnet; say whether another organisation holds it."""
    environment, network, organisation_id = probe
    findings = availability_findings(
        [("probe", network)], environment=environment, organisation_id=organisation_id
    )
    return any(finding.code == "subnet_unavailable" for finding in findings)


def _time_checks(probes: list[Probe]) -> list[float]:
    """Return the time of each check, in milliseconds."""
    timings = []
    for probe in probes:
        started = time.perf_counter()
        _is_taken(probe)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _plan(probe: Probe) -> str:
    """Return EXPLAIN ANALYZE of the exact SQL the check runs for `probe`."""
    with CaptureQueriesContext(connection) as captured:
        _is_taken(probe)
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _index_scans_off() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")


# --- Making the table hold a given number of allocations, in the transaction -------------


def _prepare(cursor) -> int:
    """Keep the seeded allocations aside, empty the table and give it plain copies of the
    exclusion constraints' indexes; return how many allocations were seeded."""
    # Foreign keys checked row by row: deferred checks would hold TRUNCATE back.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(
        f"CREATE TEMPORARY TABLE bench_seeded ON COMMIT DROP AS SELECT * FROM {TABLE}"  # noqa: S608 - the model's table
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_owners ON COMMIT DROP AS SELECT environment, "
        "row_number() OVER (PARTITION BY environment ORDER BY request_id) - 1 AS position, "
        "request_id, organisation_id FROM (SELECT DISTINCT environment, request_id, "
        "organisation_id FROM bench_seeded) AS owners"
    )
    cursor.execute(
        "SELECT conname, pg_get_indexdef(conindid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'x' ORDER BY conname",
        [TABLE],
    )
    exclusions = cursor.fetchall()
    cursor.execute(f"TRUNCATE {TABLE}")
    for name, index in exclusions:
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
        cursor.execute(index)  # the constraint's own index, on the empty table
    cursor.execute("SELECT count(*) FROM bench_seeded")
    (seeded,) = cursor.fetchone()
    return seeded


def _fill(cursor, total: int, seeded: int) -> str:
    """Fill the empty table with `total` allocations; say what they are."""
    kept = min(total, seeded)
    cursor.execute(
        f"INSERT INTO {TABLE} SELECT * FROM (SELECT * FROM bench_seeded "  # noqa: S608
        "ORDER BY md5(id::text) LIMIT %s) AS sample ORDER BY id",
        [kept],
    )
    made_of = "the seeded ones" if kept == seeded else f"a random {kept:,} of the seeded ones"
    if total > kept:
        _add_generated(cursor, total - kept)
        made_of += f" and {total - kept:,} /{GENERATED_PREFIX}s added past them"
    cursor.execute(
        "SELECT count(*) FROM (SELECT network && lead(network) OVER "  # noqa: S608
        f"(PARTITION BY environment ORDER BY network) AS clash FROM {TABLE}) AS pairs "
        "WHERE clash"
    )
    (overlapping,) = cursor.fetchone()
    if overlapping:
        raise RuntimeError(f"{overlapping} allocations overlap the next one: fix the generator.")
    cursor.execute(f"ANALYZE {TABLE}")
    return made_of


def _thredd_ranges(environment: str) -> list[tuple[int, int]]:
    """Return Thredd's reserved and service ranges of `environment` as [first, last] pairs."""
    networks = [
        *ReservedRange.objects.filter(settings__environment=environment).values_list(
            "network", flat=True
        ),
        *ServiceRange.objects.filter(settings__environment=environment).values_list(
            "network", flat=True
        ),
    ]
    return sorted((int(n.network_address), int(n.broadcast_address)) for n in networks)


def _free_runs(cursor, environment: str) -> list[tuple[int, int]]:
    """Return (first address, length) of the free runs of each private block past the
    environment's allocations, bar Thredd's own ranges, aligned to the generated size."""
    size = 1 << (32 - GENERATED_PREFIX)
    runs = []
    for block in PRIVATE_BLOCKS:
        cursor.execute(
            f"SELECT max(broadcast(network) - '0.0.0.0'::inet) FROM {TABLE} "  # noqa: S608
            "WHERE environment = %s AND network && %s::cidr",
            [environment, str(block)],
        )
        (last_taken,) = cursor.fetchone()
        first = int(block.network_address) if last_taken is None else last_taken + 1
        pieces, start = [], first
        for low, high in _thredd_ranges(environment):
            if high >= start and low <= int(block.broadcast_address):
                pieces.append((start, low - 1))
                start = max(start, high + 1)
        pieces.append((start, int(block.broadcast_address)))
        for low, high in pieces:
            low = -(-low // size) * size  # aligned up
            length = (high + 1 - low) // size * size
            if length > 0:
                runs.append((low, length))
    return runs


def _add_generated(cursor, count: int) -> None:
    """Add `count` /29 allocations, half per environment, spread evenly over the free runs.

    The k-th of n networks in a run of `length` addresses starts at k * length / n, rounded
    down to the network size: with length / n at least that size, no two overlap. Each is
    given to an allocated request of its environment (and its organisation), in turn; ids
    are set past the largest, so the table's sequence is never moved.
    """
    size = 1 << (32 - GENERATED_PREFIX)
    cursor.execute("SELECT COALESCE(max(id), 0) + 1 FROM bench_seeded")
    (next_id,) = cursor.fetchone()
    environments = list(Environment)
    for index, environment in enumerate(environments):
        wanted = count // len(environments) + (index < count % len(environments))
        runs = _free_runs(cursor, environment)
        free = sum(length for _, length in runs)
        if free < wanted * size:
            raise RuntimeError(f"{environment} has room for {free // size:,} /29s, not {wanted:,}.")
        cursor.execute("SELECT count(*) FROM bench_owners WHERE environment = %s", [environment])
        (owners,) = cursor.fetchone()
        shares = [wanted * length // free for _, length in runs]
        largest = max(range(len(runs)), key=lambda i: runs[i][1])
        shares[largest] += wanted - sum(shares)  # what rounding down left over
        for (first, length), n in zip(runs, shares, strict=True):
            if n == 0:
                continue
            if n * size > length:
                raise RuntimeError(
                    f"{n:,} /{GENERATED_PREFIX}s do not fit in {length:,} addresses."
                )
            cursor.execute(
                f"INSERT INTO {TABLE} "  # noqa: S608 - the model's table
                "(id, environment, network, created_at, organisation_id, request_id, subnet_id) "
                "SELECT %(id)s + k, %(environment)s, set_masklen(('0.0.0.0'::inet + "
                "(%(first)s::bigint + k::bigint * %(length)s::bigint / %(n)s / %(size)s "
                "* %(size)s))::cidr, %(prefix)s), now(), owner.organisation_id, "
                "owner.request_id, NULL "
                "FROM generate_series(0, %(n)s - 1) AS k JOIN bench_owners AS owner "
                "ON owner.environment = %(environment)s "
                "AND owner.position = (%(id)s + k) %% %(owners)s",
                {
                    "id": next_id,
                    "environment": environment,
                    "first": first,
                    "length": length,
                    "n": n,
                    "size": size,
                    "prefix": GENERATED_PREFIX,
                    "owners": owners,
                },
            )
            next_id += n


@contextmanager
def _at(cursor, total: int, base: int, seeded: int) -> Iterator[str | None]:
    """Make the table hold `total` allocations in a savepoint, rolled back to `base` on
    leaving; yield what they are (None when `total` is the base itself)."""
    if total == base:
        yield None
        return
    with transaction.atomic():
        cursor.execute(f"TRUNCATE {TABLE}")
        yield _fill(cursor, total, seeded)
        transaction.set_rollback(True)


def _plan_probe(probes: list[Probe]) -> tuple[Probe, bool]:
    """Return the first probe found free (the check's costliest answer), or else the first."""
    free = next((probe for probe in probes if not _is_taken(probe)), None)
    return (free, False) if free is not None else (probes[0], True)


def measure_availability(
    seed: int = 9, sizes: tuple[int, ...] = SIZES, rounds: int = ROUNDS
) -> AvailabilityResult:
    """Time the check on random /24s at every size, in turn; at the largest, also without
    the index. Everything happens in one transaction, rolled back at the end."""
    sizes = tuple(sorted(sizes))
    largest = sizes[-1]
    probes: dict[int, list[Probe]] = {}
    made_of: dict[int, str] = {}
    plans: dict[int, tuple[str, bool]] = {}
    taken: dict[int, float] = {}
    timings: dict[int, list[float]] = defaultdict(list)
    with transaction.atomic(), connection.cursor() as cursor:
        seeded = _prepare(cursor)
        made_of[largest] = _fill(cursor, largest, seeded)
        for round_ in range(rounds):
            for total in sizes:
                with _at(cursor, total, largest, seeded) as made:
                    if total not in probes:  # first round: the probes and the plan
                        made_of[total] = made or made_of[total]
                        held = Allocation.objects.count()
                        if held != total:
                            raise RuntimeError(f"The table holds {held:,}, not {total:,}.")
                        rng = random.Random(seed)  # noqa: S311 - choosing probes, not secrets
                        probes[total] = _probes(CHECKS_PER_ROUND * rounds, rng)
                        taken[total] = sum(map(_is_taken, probes[total])) / len(probes[total])
                        probe, probe_taken = _plan_probe(probes[total])
                        plans[total] = (_plan(probe), probe_taken)
                    batch = probes[total][round_::rounds]
                    _time_checks(batch[:WARM_UP])  # warm the caches and the connection
                    timings[total] += _time_checks(batch)
        for total in sizes:
            summary = Summary.of(timings[total])
            print(f"   {total:>9,} allocations: {summary.text(' ms', 3)}", flush=True)
        _index_scans_off()
        _time_checks(probes[largest][:5])
        without_index = _time_checks(probes[largest][:SAMPLES_WITHOUT_INDEX])
        probe, _ = _plan_probe(probes[largest])
        plan_without_index = _plan(probe)
        transaction.set_rollback(True)
    return AvailabilityResult(
        sizes=[
            SizeResult(
                allocations=total,
                made_of=made_of[total],
                with_index=Summary.of(timings[total]),
                taken=taken[total],
                plan=plans[total][0],
                plan_probe_taken=plans[total][1],
            )
            for total in sizes
        ],
        rounds=rounds,
        without_index=Summary.of(without_index),
        plan_without_index=plan_without_index,
    )
