"""Every target's output, compared byte for byte with a reviewed golden file.

Regenerate after an intended template change, then review the diff:
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/configgen/test_golden.py
"""

import os
import re
from pathlib import Path

import pytest

from tests.configgen.cases import CASES

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def joined(files) -> str:
    """Return a target's files as one text, each under a `==> name <==` line."""
    return "".join(f"==> {file.name} <==\n{file.content}" for file in files)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_output_matches_golden_file(case):
    path = GOLDEN / f"{case.name}.txt"
    text = joined(case.render())
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"No golden file {path.name}: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == path.read_text()


def test_every_golden_file_has_a_case():
    assert {path.stem for path in GOLDEN.glob("*.txt")} == {case.name for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_output_has_no_gaps(case):
    """No file prints None, template syntax, an empty quoted value or an empty assignment."""
    for file in case.render():
        assert not re.search(r"\bNone\b", file.content), file.name
        assert "{{" not in file.content, file.name
        assert "{%" not in file.content, file.name
        assert '""' not in file.content, file.name
        assert not re.search(r"(?m)^\s*[\w.-]+\s*=\s*$", file.content), file.name
        assert not re.search(r"(?m)\[\s*\]", file.content), file.name
        # Every header opens the same way: a comment mark, or an XML comment (pfSense).
        assert re.match(r"(\S|<!--\n ) Thredd connectivity configuration", file.content)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_header_lists_the_markers_used(case):
    for file in case.render():
        header, _, body = file.content.partition("\n\n")
        used = set(re.findall(r"REPLACE_ME_[A-Z0-9_]+", body))
        listed = set(re.findall(r"REPLACE_ME_[A-Z0-9_]+", header))
        assert used == listed, file.name
        for needed in ("Request reference", "Environment", "Generated", "Template", "Verify"):
            assert needed in header, (file.name, needed)
