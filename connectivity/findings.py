"""Findings: what a rule says about one field of a request (REFERENCE §2)."""

from collections.abc import Iterable
from dataclasses import dataclass

from connectivity.choices import Severity


@dataclass(frozen=True, slots=True)
class Finding:
    """One error or warning about the field at `field`, a path into the request document."""

    severity: Severity
    code: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the finding in the JSON shape of REFERENCE §2."""
        return {
            "severity": str(self.severity),
            "code": self.code,
            "field": self.field,
            "message": self.message,
        }


def error(code: str, field: str, message: str) -> Finding:
    """Return an error finding: it blocks submission."""
    return Finding(Severity.ERROR, code, field, message)


def warning(code: str, field: str, message: str) -> Finding:
    """Return a warning finding: it is shown and kept but does not block."""
    return Finding(Severity.WARNING, code, field, message)


def has_errors(findings: Iterable[Finding]) -> bool:
    """Say whether any of `findings` is an error."""
    return any(finding.severity == Severity.ERROR for finding in findings)
