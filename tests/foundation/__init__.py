"""Tests of the foundation: settings, the run command, the worker, compose."""

import os
import subprocess
import sys

from tests.conftest import BASE_DIR


def settings_value(expression: str, **environment: str) -> str:
    """Return what `expression` prints once Django's settings load with `environment` added.

    A fresh interpreter per call: the settings module reads the environment once.
    """
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "thredd_onboard.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
