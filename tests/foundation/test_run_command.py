"""`make run`'s server part on the embedded PostgreSQL, from an empty data folder."""

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from connectivity.demo import DEMO_ENGINEER, DEMO_ORGANISATIONS, demo_load
from connectivity.models import Organisation, User
from tests.conftest import BASE_DIR, free_port, wait_until


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _fetch(url: str) -> tuple[int, dict, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _start(port: int, environment: dict, log_path):
    return subprocess.Popen(
        [sys.executable, "-m", "thredd_onboard.run", "--port", str(port), "--no-reload"],
        cwd=BASE_DIR,
        env=environment,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_for_start(process, log) -> None:
    wait_until(
        lambda: process.poll() is not None or "Quit the server" in log.read_text(),
        timeout=180,
        message="the portal to start",
    )


def _stop(process, *, how: str = "ctrl-c") -> None:
    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)  # as a user at the terminal would
    else:
        process.terminate()  # SIGTERM to `make run`'s process alone, as a service manager does
    process.wait(timeout=60)


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_run_serves_sign_in_on_the_embedded_database_and_restarts_cleanly(tmp_path):
    """Start the portal twice on a new embedded data folder: both starts serve the sign-in,
    and each stop, by Ctrl-C or by a SIGTERM to the first process alone, leaves no server
    holding the port."""
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["EMBEDDED_PGDATA"] = str(tmp_path / "pgdata")
    for attempt, how in ((1, "ctrl-c"), (2, "sigterm")):
        port = free_port()
        log = tmp_path / f"run-{attempt}.log"
        process = _start(port, environment, log)
        try:
            _wait_for_start(process, log)
            assert process.poll() is None, log.read_text()
            status, headers, _ = _fetch(f"http://127.0.0.1:{port}/")
            assert status == 302
            assert headers["Location"].startswith("/sign-in/")
            status, _, body = _fetch(f"http://127.0.0.1:{port}/sign-in/")
            assert status == 200
            assert "Sign in" in body
        finally:
            _stop(process, how=how)
        wait_until(lambda port=port: _port_is_free(port), timeout=30, message="the port to be free")
        output = log.read_text()
        assert "Using the embedded PostgreSQL" in output
        assert DEMO_ENGINEER in output
        for _, _, email in DEMO_ORGANISATIONS:
            assert email in output


@pytest.mark.django_db
def test_demo_load_is_idempotent():
    """Loading the demo twice neither fails nor duplicates anything."""
    first = demo_load()
    counts = (Organisation.objects.count(), User.objects.count())
    second = demo_load()
    assert first == second
    assert (Organisation.objects.count(), User.objects.count()) == counts == (2, 3)
    assert User.objects.get(email=DEMO_ENGINEER).is_staff
    client_user = User.objects.get(email=DEMO_ORGANISATIONS[0][2])
    assert client_user.organisation.name == DEMO_ORGANISATIONS[0][0]
