"""Helpers every rule module shares: listing values, indexing paths, choice checks."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from connectivity.findings import Finding, error


def listing(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)


def alternatives(labels: Iterable[object], separator: str = ", ") -> str:
    """Return labels as a choice in plain words, such as "UAT or Production"; labels that hold
    commas themselves (device platforms) take "; " as `separator`."""
    words = [str(label) for label in labels]
    return (
        " or ".join([separator.join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)
    )


def indexed(path: str, index: int) -> str:
    return f"{path}[{index}]"


def in_document(values: Iterable[object]) -> str:
    """Say how a request document writes the choices, for a value a file got wrong: a person
    reads labels, but the file needs the values ("uat or production in a request document")."""
    return f"{alternatives(values)} in a request document"


def check_choice(
    value: str | None, field: str, *, choices: type, code: str, noun: str
) -> list[Finding]:
    """Refuse a value that is not one of `choices`, naming the choices allowed by their labels."""
    if value in choices.values:
        return []
    allowed = alternatives(choices.labels)
    if value is None or value == "":
        return [error(code, field, f"Select the {noun}: {allowed}.")]
    article = "an" if noun[0] in "aeiou" else "a"
    return [
        error(
            code,
            field,
            f"{value!r} is not {article} {noun} Thredd offers: select {allowed} "
            f"({in_document(choices.values)}).",
        )
    ]


def from_validation_error(exc: ValidationError, field: str) -> Finding:
    return error(str(exc.code), field, exc.messages[0])
