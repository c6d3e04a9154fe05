"""Start the portal for a newcomer: database, migrations, demo data, web server.

`make run` calls this. With no DATABASE_URL it uses the embedded PostgreSQL (see
`embedded.py`); with no CELERY_BROKER_URL tasks run in-process; with no EMAIL_HOST mail is
printed here; without AWS_PROVISIONING an engineer records Thredd's AWS side, with illustrative
values one click away. The demo data is loaded idempotently and the demo sign-ins are printed.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys

from thredd_onboard.embedded import BASE_DIR, environment_with_database


def main(argv: list[str]) -> int:
    """Prepare the database and serve the portal until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    parser.add_argument("--no-reload", action="store_true", help="do not restart on code changes")
    options = parser.parse_args(argv)

    environment = environment_with_database()
    # Without AWS, an engineer records Thredd's AWS side by hand; the demo offers made-up
    # values (documentation addresses) so the whole journey can be walked.
    environment.setdefault("AWS_ILLUSTRATIVE_VALUES", "true")
    # Links in mail lead to where this server answers, on whatever port it was given; an
    # address set in the environment (a proxy in front, say) wins.
    environment.setdefault("PORTAL_BASE_URL", f"http://127.0.0.1:{options.port}")
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    for step in (["migrate", "--noinput"], ["seed_demo"]):
        if subprocess.call([*manage, *step], env=environment) != 0:  # noqa: S603
            print(f"`manage.py {' '.join(step)}` failed: see the messages above.", file=sys.stderr)
            return 1
    print(f"\nThe portal is at http://127.0.0.1:{options.port}/ (Ctrl-C stops it).\n", flush=True)
    command = [*manage, "runserver", f"127.0.0.1:{options.port}"]
    if options.no_reload:
        command.append("--noreload")
    return _serve(command, environment)


def _serve(command: list[str], environment: dict[str, str]) -> int:
    """Run the web server until it stops, or until this process is told to stop.

    The server gets its own process group, and Ctrl-C (SIGINT) or a SIGTERM sent to this
    process alone (a service manager, `kill`) is passed on to the whole group: runserver's
    autoreloader serves from a child process, which would otherwise outlive its parent and
    keep the port. Then the embedded PostgreSQL stops as this process exits.
    """
    server = subprocess.Popen(command, env=environment, start_new_session=True)  # noqa: S603
    stopping = []

    def stop(signum: int, frame) -> None:
        stopping.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = server.wait()
    return 0 if stopping else status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
