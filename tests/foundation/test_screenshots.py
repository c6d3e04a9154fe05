"""`make screenshots` exists, is listed by `make help`, and shoots pages that exist."""

import subprocess

from django.urls import get_resolver

from tests.conftest import BASE_DIR
from tests.urlmap import url_patterns
from thredd_onboard.screenshots import OUTPUT, PAGES


def _make(*arguments: str) -> str:
    result = subprocess.run(
        ["make", "--no-print-directory", *arguments],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_screenshots_runs_the_script_and_is_in_the_help():
    assert "python -m thredd_onboard.screenshots" in _make("-n", "screenshots")
    assert "make screenshots" in _make("help")
    phony = " ".join(
        line for line in (BASE_DIR / "Makefile").read_text().split("\n\n") if ".PHONY" in line
    )
    assert "screenshots" in phony.split()


def test_every_screenshot_is_of_a_page_of_the_url_map():
    names = {name for name, _, _ in url_patterns(get_resolver().url_patterns)}
    assert set(PAGES.values()) - names == set()
    assert len(PAGES) >= 10


def test_the_screenshots_are_not_committed():
    assert OUTPUT.relative_to(BASE_DIR).parts[0] == "var"
    assert "var/" in (BASE_DIR / ".gitignore").read_text().splitlines()
