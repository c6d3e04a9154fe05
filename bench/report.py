"""Write BENCHMARKS.md: the machine, each measurement with its spread, the targets met or not."""

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection

from bench.approvals import ApprovalResult
from bench.availability import ENVIRONMENTS, GENERATED_PREFIX, PRIVATE_SPACE, AvailabilityResult
from bench.pages import CONNECTIONS, CONTEXT, WORKERS, PageResult, ceiling_of, with_targets
from bench.rendering import RenderingResult
from connectivity.management.scale import ScaleReport

AVAILABILITY_MS = 1.0
AVAILABILITY_GROWTH = 1.5  # median at the largest size over the median at the smallest
AVAILABILITY_RATIO = 50
PAGE_SHARE = 0.40
PAGE_P95_MS = 100
RENDER_MS = 20
APPROVAL_S = 1.0
SEEDED_SIZES_DO_NOT_FIT = ", where the seeded sizes, mostly /24 to /26, would not fit"


@dataclass(frozen=True)
class Results:
    """Everything one `make bench` run measured."""

    seed: ScaleReport
    availability: AvailabilityResult
    pages: list[PageResult]
    profiles: dict[str, str]
    rendering: RenderingResult
    approvals: ApprovalResult
    rounds: int
    seconds: int
    total_seconds: float


def machine() -> list[tuple[str, str]]:
    """Return what the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor(),
    )
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    os_release = dict(
        line.split("=", 1)
        for line in Path("/etc/os-release").read_text().splitlines()
        if "=" in line
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    return [
        ("Date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", f"{model}, {os.cpu_count()} cores"),
        ("Memory", f"{memory_kb / 1024**2:.1f} GiB"),
        ("OS", f"{os_release.get('PRETTY_NAME', '').strip(chr(34))}, Linux {platform.release()}"),
        ("Python", platform.python_version()),
        ("PostgreSQL", postgres),
        (
            "Load generator",
            (wrk.stdout + wrk.stderr).splitlines()[0] if wrk.returncode < 2 else "wrk",
        ),
    ]


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def targets(results: Results) -> list[tuple[str, str, bool]]:
    """Return (target, measured, met) for every target of the issue."""
    a, r, ap = results.availability, results.rendering, results.approvals
    rows = [
        (
            f"availability check ≤ {AVAILABILITY_MS:g} ms median at {size.allocations:,} "
            "allocations",
            f"{size.with_index.median:.3f} ms",
            size.with_index.median <= AVAILABILITY_MS,
        )
        for size in a.sizes
    ]
    rows += [
        (
            f"availability check: median at {a.largest.allocations:,} allocations ≤ "
            f"{AVAILABILITY_GROWTH:g}x the median at {a.smallest.allocations:,}",
            f"{a.growth:.2f}x",
            a.growth <= AVAILABILITY_GROWTH,
        ),
        (
            f"availability check ≥ {AVAILABILITY_RATIO}x faster than without the index, at "
            f"{a.largest.allocations:,} allocations",
            f"{a.ratio:.1f}x",
            a.ratio >= AVAILABILITY_RATIO,
        ),
    ]
    ceiling = ceiling_of(results.pages)
    for page in with_targets(results.pages):
        share = page.share_of(ceiling)
        rows.append(
            (
                f"{page.page.name}: ≥ {PAGE_SHARE:.0%} of the signed-in ceiling's throughput",
                f"{share:.1%}",
                share >= PAGE_SHARE,
            )
        )
        rows.append(
            (
                f"{page.page.name}: p95 ≤ {PAGE_P95_MS} ms at {CONNECTIONS} clients",
                f"{page.p95.median:.1f} ms",
                page.p95.median <= PAGE_P95_MS,
            )
        )
    rows.append(
        (
            f"rendering ≤ {RENDER_MS} ms per file",
            f"{r.per_file.median:.2f} ms",
            r.per_file.median <= RENDER_MS,
        )
    )
    rows.append(
        (
            f"approval to files ready ≤ {APPROVAL_S:g} s median",
            f"{ap.commit_to_ready.median / 1000:.3f} s",
            ap.commit_to_ready.median / 1000 <= APPROVAL_S,
        )
    )
    return rows


def _execution_ms(plan: str) -> float:
    """Return the "Execution Time" of an EXPLAIN ANALYZE text."""
    line = next(line for line in plan.splitlines() if line.startswith("Execution Time"))
    return float(line.split(":")[1].split()[0])


def _buffers(plan: str) -> int:
    """Return the shared buffers the top node of an EXPLAIN (ANALYZE, BUFFERS) text read."""
    line = next(line for line in plan.splitlines() if "Buffers:" in line)
    return sum(int(part.split("=")[1]) for part in line.split() if "=" in part)


def _availability_notes(a) -> list[str]:
    notes = []
    slow = [size for size in a.sizes if size.with_index.median > AVAILABILITY_MS]
    for size in slow:
        notes.append(
            f"- **Availability check at {size.allocations:,} allocations.** From Python the "
            f"check costs {size.with_index.median:.3f} ms; PostgreSQL ran the probe of the plan "
            f"in {_execution_ms(size.plan):.3f} ms ({_buffers(size.plan)} buffers). The rest is "
            "paid on every call whatever the data: the check's Python (the statement, the "
            "findings), and the round trip on loopback to a server sharing the cores with this "
            "process."
        )
    if a.growth > AVAILABILITY_GROWTH:
        small, large = a.smallest, a.largest
        notes.append(
            f"- **Availability check, growth.** The median goes from "
            f"{small.with_index.median:.3f} ms at {small.allocations:,} allocations to "
            f"{large.with_index.median:.3f} ms at {large.allocations:,} ({a.growth:.2f}x). "
            f"PostgreSQL's own part: the probe of the plan read {_buffers(small.plan)} buffers "
            f"in {_execution_ms(small.plan):.3f} ms at {small.allocations:,} and "
            f"{_buffers(large.plan)} in {_execution_ms(large.plan):.3f} ms at "
            f"{large.allocations:,}."
        )
    if a.ratio < AVAILABILITY_RATIO:
        server = _execution_ms(a.largest.plan)
        server_seq = _execution_ms(a.plan_without_index)
        notes.append(
            f"- **Availability check, index against none.** At {a.largest.allocations:,} "
            f"allocations PostgreSQL runs the indexed query in {server:.3f} ms and the "
            f"sequential scan in {server_seq:.3f} ms ({server_seq / server:.0f}x, EXPLAIN "
            f"ANALYZE above). From Python the check costs {a.largest.with_index.median:.3f} ms: "
            "the rest is fixed per call, whatever the data (the check's Python and the loopback "
            f"round trip), and that fixed cost keeps the end-to-end ratio at "
            f"{a.ratio:.1f}x."
        )
    return notes


def reading(results: Results) -> str:
    """Say, from the figures, what stands in the way of each target not met."""
    ap = results.approvals
    notes = _availability_notes(results.availability)
    ceiling = ceiling_of(results.pages)
    # With every worker busy, each request holds one for WORKERS / throughput seconds.
    ceiling_ms = WORKERS * 1000 / ceiling.throughput.median
    for page in with_targets(results.pages):
        share = page.share_of(ceiling)
        low_share, slow = share < PAGE_SHARE, page.p95.median > PAGE_P95_MS
        if not (low_share or slow):
            continue
        page_ms = WORKERS * 1000 / page.throughput.median
        note = (
            f"- **{page.page.name}.** {share:.1%} of the ceiling, p95 {page.p95.median:.1f} ms. "
            f"With wrk keeping the {WORKERS} sync workers busy, each request of this page holds "
            f"a worker for {page_ms:.1f} ms, against {ceiling_ms:.1f} ms for the ceiling."
        )
        if low_share:
            note += (
                " The ceiling already pays for the session (read; saved again once a minute for "
                "the sliding idle timeout), the user and the second-factor device, one query of "
                "its own and the "
                f"base template: {ceiling.queries} queries in all. {PAGE_SHARE:.0%} of the "
                f"ceiling would allow {ceiling_ms / PAGE_SHARE:.1f} ms. What this page adds is "
                f"its own queries ({page.queries} in all, a number that does not grow with the "
                "data: tests/performance) and its own template, on "
                f"{os.cpu_count()} cores shared with wrk and PostgreSQL."
            )
        if slow:
            note += (
                f" With {CONNECTIONS} connections on {WORKERS} workers a request queues behind "
                f"about {CONNECTIONS // WORKERS - 1} others, so its latency is about "
                f"{CONNECTIONS // WORKERS} times {page_ms:.1f} ms "
                f"({CONNECTIONS // WORKERS * page_ms:.0f} ms; p50 measured "
                f"{page.p50.median:.1f} ms): p95 ≤ {PAGE_P95_MS} ms needs each request in well "
                f"under {PAGE_P95_MS * WORKERS / CONNECTIONS:.0f} ms."
            )
        notes.append(note + " The profile below shows where the time goes.")
    if ap.commit_to_ready.median / 1000 > APPROVAL_S:
        notes.append(
            f"- **Approval to files ready.** {ap.commit_to_ready.median:.0f} ms median for "
            f"{ap.files.median:.0f} files rendered one after another by one worker."
        )
    if results.rendering.per_file.median > RENDER_MS:
        notes.append("- **Rendering.** See the per-target table.")
    return "\n".join(notes) or "Every target is met."


def _plan_probe_text(taken: bool) -> str:
    if taken:
        return "the first probe: every probe was taken"
    return "the first probe found free, the costliest answer: no match ends the search early"


def _share_text(page: PageResult, ceiling: PageResult) -> str:
    return "(context)" if page.page.role == CONTEXT else f"{page.share_of(ceiling):.1%}"


def write(results: Results, path: Path) -> None:
    """Write the report to `path`, with the reading of any target not met."""
    a, r, ap, seed = results.availability, results.rendering, results.approvals, results.seed
    ceiling = ceiling_of(results.pages)
    health = next((p for p in results.pages if p.page.path == "/health/"), None)
    per_allocation = PRIVATE_SPACE * ENVIRONMENTS // a.largest.allocations
    out = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/run.py`); every figure below was measured in one run "
        f"on this machine, which took {results.total_seconds / 60:.1f} minutes. Do not edit by "
        "hand: run it again.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in machine()),
        "",
        "## Data",
        "",
        f"`seed_scale` with its defaults wrote {sum(seed.rows.values()):,} rows in "
        f"{seed.seconds:.1f} s (COPY, one transaction):",
        "",
        "| rows | count |",
        "| --- | ---: |",
        *(f"| {name} | {count:,} |" for name, count in seed.rows.items()),
        "",
        "## Targets",
        "",
        "| target | measured (median) | |",
        "| --- | ---: | --- |",
        *(f"| {name} | {value} | {_met(ok)} |" for name, value, ok in targets(results)),
        "",
        "## 1. Availability check",
        "",
        "`availability.availability_findings` for one /24, timed from Python as the portal "
        "calls it: one query, answered from the allocation table with its exclusion "
        "constraints' GiST indexes (and Thredd's reserved and service ranges). "
        f"{a.smallest.with_index.n} probes at each size: half are the /24 of a random "
        "allocation, half random /24s of 10.0.0.0/8, taken or free as the data has it (the "
        f"share found taken is shown). The sizes are measured in turn, {a.rounds} rounds of "
        f"{a.smallest.with_index.n // a.rounds} checks each, so that a change in the machine's "
        "load touches every size alike.",
        "",
        "Every size is made in one transaction, rolled back at the end: the seeded data are "
        "left as they were. The table is emptied (TRUNCATE), the exclusion constraints are "
        "dropped and their GiST indexes created again on the empty table from their own "
        "definitions (`pg_get_indexdef`: same names, column, operator class and conditions), "
        f"and the table is filled to {a.largest.allocations:,} allocations; each smaller size "
        "is made from it in a savepoint, emptied and filled again, and rolled back to it. So "
        "each index grows row by row as in production; only the constraints' per-row overlap "
        "check is left out (minutes at this size), and the networks are checked not to "
        "overlap by sorting them instead. Past the seeded allocations come "
        f"/{GENERATED_PREFIX}s spread evenly over each environment's free private space "
        f"({PRIVATE_SPACE / 1e6:.1f} million addresses per environment in all: ~"
        f"{per_allocation} per allocation at {a.largest.allocations:,}"
        f"{SEEDED_SIZES_DO_NOT_FIT if per_allocation < 128 else ''}"
        "). ANALYZE follows each fill. At "
        f"{a.largest.allocations:,} allocations the same calls are then made with "
        "`enable_indexscan` and `enable_bitmapscan` off: a sequential scan of every "
        "allocation, what the check would cost without the index.",
        "",
        "| allocations | made of | time per check | probes taken |",
        "| ---: | --- | ---: | ---: |",
        *(
            f"| {size.allocations:,} | {size.made_of} | {size.with_index.text(' ms', 3)} | "
            f"{size.taken:.0%} |"
            for size in a.sizes
        ),
        "",
        f"| at {a.largest.allocations:,} allocations | time per check |",
        "| --- | ---: |",
        f"| with the GiST index | {a.largest.with_index.text(' ms', 3)} |",
        f"| index scans off | {a.without_index.text(' ms', 3)} |",
        f"| ratio of medians | {a.ratio:.1f}x |",
        "",
        f"Growth of the median from {a.smallest.allocations:,} to {a.largest.allocations:,} "
        f"allocations: {a.growth:.2f}x.",
        "",
        f"Plan with the index at {a.largest.allocations:,} allocations (EXPLAIN ANALYZE of the "
        f"exact SQL, for {_plan_probe_text(a.largest.plan_probe_taken)}):",
        "",
        "```",
        a.largest.plan,
        "```",
        "",
        f"Plan with index scans off at {a.largest.allocations:,} allocations "
        f"(for {_plan_probe_text(a.largest.plan_probe_taken)}):",
        "",
        "```",
        a.plan_without_index,
        "```",
        "",
        "## 2. Pages under load",
        "",
        f"gunicorn, {WORKERS} sync workers, production profile, PostgreSQL on loopback; wrk "
        f"with {CONNECTIONS} connections, {results.rounds} rounds of {results.seconds} s per "
        "page, every page's rounds interleaved with the others'. Throughput, p50 and p95: "
        "median of the rounds (p5-p95 across rounds in brackets for throughput). Queries: SQL "
        "per request.",
        "",
        f"The ceiling is **{ceiling.page.name}** (`{ceiling.page.path}`, served only under "
        "`bench.settings`): the least a signed-in page of the portal does. A Thredd engineer's "
        "session with a verified second factor goes through the whole middleware stack (the "
        "session is read, and saved again once a minute for the sliding idle timeout; the user "
        "and the second-factor device are looked up), the view runs one query (the newest "
        "request's reference, by primary key) and renders `base.html` around a one-line "
        "body. Every signed-in page pays that much before its own queries and template, so a "
        "page's share of the ceiling is the part of its cost that is this common base; the rest "
        "is its own.",
        *(
            [
                "",
                f"The health view (`{health.page.path}`, as a load balancer asks: no cookie, "
                "no session, no database) is shown for context, with no target: the ceiling "
                "serves "
                f"{ceiling.throughput.median / health.throughput.median:.0%} of its throughput.",
            ]
            if health is not None
            else []
        ),
        "",
        "| page | requests/s | share of ceiling | p50 ms | p95 ms | queries |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {p.page.name} | {p.throughput.median:,.0f} ({p.throughput.p5:,.0f}-"
            f"{p.throughput.p95:,.0f}) | "
            f"{_share_text(p, ceiling)} | "
            f"{p.p50.median:.1f} | {p.p95.median:.1f} | {p.queries} |"
            for p in results.pages
        ),
        "",
        "## 3. Rendering",
        "",
        f"Every client target that fits each VPN of {r.reference}, a two-site production IPsec "
        f"request ({r.files_per_round} files per round): {r.per_file.text(' ms per file')}.",
        "",
        "| target | ms per file |",
        "| --- | ---: |",
        *(f"| {key} | {summary.text(' ms')} |" for key, summary in r.per_target.items()),
        "",
        "## 4. Approval to files ready",
        "",
        "Real Redis broker, one Celery worker process (`-c 1`), SMTP delivery to a local sink.",
        "",
        "| | |",
        "| --- | ---: |",
        f"| `request_approve` (transaction to commit) | {ap.approve_call.text(' ms', 1)} |",
        f"| commit → every file ready | {ap.commit_to_ready.text(' ms', 1)} |",
        f"| files per request | {ap.files.text('', 1)} |",
        f"| {ap.batch} approved at once: all files ready after | {ap.batch_seconds:.1f} s |",
        f"| approvals per second (that batch) | {ap.approvals_per_second:.1f} |",
        f"| artifacts not ready (failed) | {ap.failed} |",
        "",
        "## What stands in the way",
        "",
        reading(results),
        "",
    ]
    if results.profiles:
        out += ["### Profiles of the pages below target", ""]
        for name, text in results.profiles.items():
            out += [f"{name} (cProfile, in-process, by own time):", "", "```", text, "```", ""]
    path.write_text("\n".join(out))
