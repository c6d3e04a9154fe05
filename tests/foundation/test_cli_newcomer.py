"""Issue 17, point 13: `manage.py` for a newcomer on a fresh clone, with no DATABASE_URL.

Each command runs in a subprocess as a newcomer types it, on an embedded PostgreSQL of its
own (EMBEDDED_PGDATA in a temporary folder, so neither `make run`'s server under var/pgdata
nor the suite's database is touched), and must stop that server when it ends.
"""

import json
import logging
import os
import subprocess
import sys

import pytest

from tests.conftest import BASE_DIR
from tests.documents import request_document


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory):
    """Return (environment, folder): a shell with no database named, and a scratch folder."""
    folder = tmp_path_factory.mktemp("newcomer")
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_ENV"}
    }
    environment["EMBEDDED_PGDATA"] = str(folder / "pgdata")
    return environment, folder


def _manage(newcomer, *args: str) -> subprocess.CompletedProcess:
    environment, folder = newcomer
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # The command stopped the server it started: nothing is left running on its data folder.
    assert not (folder / "pgdata" / "postmaster.pid").exists(), result.stderr
    return result


def _no_noise(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert "DATABASE_URL" not in output
    assert "AXES" not in output
    assert " INFO " not in output  # no log line at all, the embedded server's included
    assert "Traceback" not in output


def test_check_runs_on_the_embedded_database(newcomer):
    result = _manage(newcomer, "check")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "Using the embedded PostgreSQL" in result.stderr
    _no_noise(result)


def test_validate_request_judges_a_sample_document(newcomer):
    _, folder = newcomer
    sample = folder / "request.json"
    sample.write_text(json.dumps(request_document()))
    result = _manage(newcomer, "validate_request", str(sample))
    assert result.returncode == 0, result.stdout + result.stderr
    # Standard output is the findings alone, fit to pipe into another tool.
    findings = json.loads(result.stdout)
    assert [finding for finding in findings if finding["severity"] == "error"] == []
    _no_noise(result)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("missing.json", None, "Cannot read"),
        ("broken.json", '{"environment": "uat",', "JSON"),
    ],
)
def test_validate_request_says_what_is_wrong_with_a_bad_file(newcomer, name, content, says):
    _, folder = newcomer
    path = folder / name
    if content is not None:
        path.write_text(content)
    result = _manage(newcomer, "validate_request", str(path))
    assert result.returncode != 0
    messages = " ".join(finding["message"] for finding in json.loads(result.stdout))
    assert says in messages
    _no_noise(result)


def test_axes_keeps_its_warnings_and_drops_only_its_greeting():
    assert not logging.getLogger("axes.apps").isEnabledFor(logging.INFO)
    assert logging.getLogger("axes.handlers.database").isEnabledFor(logging.WARNING)
    assert logging.getLogger("axes.apps").isEnabledFor(logging.WARNING)
