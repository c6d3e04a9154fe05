"""Helpers every rule module shares: listing values, indexing paths, choice checks."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from connectivity.findings import Finding, error


def listing(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)


def indexed(path: str, index: int) -> str:
    return f"{path}[{index}]"


def check_choice(
    value: str | None, field: str, *, choices: type, code: str, noun: str
) -> list[Finding]:
    """Refuse a value that is not one of `choices`, naming the values allowed."""
    if value in choices.values:
        return []
    allowed = listing(choices.values)
    if value is None or value == "":
        return [error(code, field, f"Choose the {noun}: one of {allowed}.")]
    return [
        error(code, field, f"{value!r} is not a {noun} Thredd offers: choose one of {allowed}.")
    ]


def from_validation_error(exc: ValidationError, field: str) -> Finding:
    return error(str(exc.code), field, exc.messages[0])
