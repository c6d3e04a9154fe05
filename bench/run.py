"""Run every benchmark and write BENCHMARKS.md: `python -m bench.run` (what `make bench` does).

1. (Re)create the database `thredd_bench` (BENCH_DATABASE_URL) and migrate it, collect the
   static files, seed it with `seed_scale` (defaults: Thredd's scale).
2. Measure the availability check (at 10,000, 100,000 and 1,000,000 allocations), the
   pages under gunicorn and wrk against a minimal signed-in page, rendering, and approval
   to files ready with a worker on Redis (BENCH_REDIS_URL, database 9 by default, so the
   tests' queues on database 0 are left alone).
3. Write BENCHMARKS.md at the root of the checkout.

Everything runs in the production profile (`bench.settings`: the portal's settings, plus the
ceiling page the pages are measured against), with a throw-away secret key and PSK key, and
mail to an SMTP sink in this process.
"""

import argparse
import os
import secrets
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
LOGS = BASE_DIR / "var" / "bench"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/thredd_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def recreate_database(url: str) -> None:
    """Drop and create the database named in `url`, through its server's `postgres` one."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class SmtpSink:
    """Accept and drop every message: the worker's mail goes somewhere real and quick."""

    async def handle_DATA(self, server, session, envelope) -> str:
        return "250 Message accepted"


def production_environment(smtp_port: int) -> dict[str, str]:
    """Return the environment of every process of the run: the production profile."""
    from cryptography.fernet import Fernet

    return {
        **os.environ,
        # The portal's settings plus the ceiling page (bench/settings.py).
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "PSK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "LOG_LEVEL": "WARNING",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per page")
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--output", type=Path, default=BASE_DIR / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    started = time.monotonic()
    LOGS.mkdir(parents=True, exist_ok=True)

    from aiosmtpd.controller import Controller

    sink = Controller(SmtpSink(), hostname="127.0.0.1", port=_free_port())
    sink.start()
    environment = production_environment(sink.port)
    os.environ.update(environment)
    print(f"Recreating {DATABASE_URL}", flush=True)
    recreate_database(DATABASE_URL)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import report
    from bench.approvals import Worker, measure_approvals
    from bench.availability import measure_availability
    from bench.pages import (
        Gunicorn,
        benchmark_pages,
        ceiling_of,
        measure_pages,
        profile,
        with_targets,
    )
    from bench.rendering import measure_rendering
    from connectivity.management.scale import seed_scale

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    print("Seeding (seed_scale)", flush=True)
    seed = seed_scale(organisations=args.organisations, requests=args.requests)
    print("\n".join(seed.lines()), flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have, long before a page is asked

    print("1. Availability check", flush=True)
    availability = measure_availability()
    print("2. Pages under gunicorn and wrk", flush=True)
    server = Gunicorn(port=_free_port(), environment=environment, log=LOGS / "gunicorn.log")
    pages = benchmark_pages()
    with server:
        page_results = measure_pages(server, pages, rounds=args.rounds, seconds=args.seconds)
    ceiling = ceiling_of(page_results)
    profiles = {
        result.page.name: profile(result.page)
        for result in with_targets(page_results)
        if result.share_of(ceiling) < report.PAGE_SHARE or result.p95.median > report.PAGE_P95_MS
    }
    print("3. Rendering", flush=True)
    rendering = measure_rendering()
    print("4. Approval to files ready", flush=True)
    with Worker(environment=environment, log=LOGS / "worker.log"):
        approvals = measure_approvals()
    sink.stop()

    results = report.Results(
        seed=seed,
        availability=availability,
        pages=page_results,
        profiles=profiles,
        rendering=rendering,
        approvals=approvals,
        rounds=args.rounds,
        seconds=args.seconds,
        total_seconds=time.monotonic() - started,
    )
    report.write(results, args.output)
    print(f"Wrote {args.output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
