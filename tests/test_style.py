"""The code base stays ruff-clean (lint and format), checked with every test run."""

import subprocess
import sys

import pytest

from tests.conftest import BASE_DIR


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command], cwd=BASE_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
