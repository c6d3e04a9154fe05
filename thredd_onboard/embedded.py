"""Run a command against the embedded PostgreSQL when no DATABASE_URL is given.

`python -m thredd_onboard.embedded -- COMMAND...` starts a private PostgreSQL 16 from the
`pgserver` wheel under `var/pgdata` (created on first use, reused afterwards), creates the
portal's database in it, runs COMMAND with DATABASE_URL pointing at it, and stops the
server when COMMAND ends. With DATABASE_URL already set it simply runs COMMAND, so the same
`make` targets work on a laptop, in CI and against a real server.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
# EMBEDDED_PGDATA lets a test run the whole embedded path on a throw-away folder.
DATA_DIR = Path(os.environ.get("EMBEDDED_PGDATA", BASE_DIR / "var" / "pgdata"))
RUNTIME_DIR = BASE_DIR / "var" / "run"
DATABASE_NAME = "thredd_onboard"


def embedded_database_url() -> tuple[str, object]:
    """Start (or join) the embedded server and return its URL and the server handle."""
    # pgserver keeps its lock file in the user's runtime folder; CI and root shells have none,
    # so give it a private one in the checkout rather than a warning and a shared /tmp path.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        RUNTIME_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        RUNTIME_DIR.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(RUNTIME_DIR)
    import pgserver  # imported here: only the embedded default needs it

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(DATA_DIR, cleanup_mode="stop")
    # DATABASE_NAME is this module's constant, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}", server


def environment_with_database() -> dict[str, str]:
    """Return os.environ plus a DATABASE_URL, starting the embedded server if none is set.

    The server stays up until this interpreter exits (pgserver's cleanup_mode="stop").
    """
    environment = dict(os.environ)
    if not environment.get("DATABASE_URL"):
        environment["DATABASE_URL"] = _joined_url()
    return environment


def use_embedded_unless_configured() -> bool:
    """Point this process's DATABASE_URL at the embedded server unless a database is named.

    For `manage.py` on a fresh clone: with no DATABASE_URL in the environment or in .env,
    and off production (which must name its database), commands run on the same embedded
    PostgreSQL as `make run`, started or joined here and stopped when the last user exits.
    Says whether it did so.
    """
    import environ  # the settings' own reader, so .env counts exactly as it does there

    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    if os.environ.get("DATABASE_URL") or os.environ.get("DJANGO_ENV") == "production":
        return False
    os.environ["DATABASE_URL"] = _joined_url()
    return True


def migrate_if_behind() -> None:
    """Apply the migrations the database lacks, quietly, as `make run` does at each start.

    Django must be set up. A database that is up to date costs one read of its migration
    table: nothing is run and nothing printed.
    """
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("Applying migrations to the embedded PostgreSQL.", file=sys.stderr, flush=True)
        call_command("migrate", interactive=False, verbosity=0)


def _joined_url() -> str:
    """Start or join the embedded server for the life of this interpreter; return its URL."""
    url, server = embedded_database_url()
    _servers.append(server)
    # On standard error: a command's own output (JSON, a document) stays clean to pipe.
    print(f"Using the embedded PostgreSQL under {DATA_DIR}", file=sys.stderr, flush=True)
    return url


_servers: list[object] = []


def main(argv: list[str]) -> int:
    """Run argv with a database, embedded unless DATABASE_URL is set."""
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: python -m thredd_onboard.embedded -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    environment = environment_with_database()
    try:
        return subprocess.call(argv, env=environment)  # noqa: S603 - argv is the caller's own command
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
