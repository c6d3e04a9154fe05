"""Rules about the request as a whole: environment, connection type, services, contacts."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from connectivity import constants as limits
from connectivity.choices import (
    ConnectionType,
    ContactRole,
    Environment,
    Service,
)
from connectivity.document import (
    VALUE_INVALID,
    Contact,
    join_path,
)
from connectivity.findings import Finding, error

from .base import alternatives, check_choice, indexed


def check_environment(value: str | None, field: str = "environment") -> list[Finding]:
    """Check the environment is UAT or production."""
    return check_choice(
        value, field, choices=Environment, code="environment_invalid", noun="environment"
    )


def check_connection_type(value: str | None, field: str = "connection_type") -> list[Finding]:
    """Check the connection type is one of the three Thredd offers."""
    return check_choice(
        value, field, choices=ConnectionType, code="connection_type_invalid", noun="connection type"
    )


def check_services(values: Sequence[str], field: str, *, noun: str = "request") -> list[Finding]:
    """Check a list of services names only Thredd's services, and at least one of them."""
    if not values:
        return [
            error(
                VALUE_INVALID,
                field,
                f"Select at least one service for this {noun} ({alternatives(Service.labels)}).",
            )
        ]
    return [
        finding
        for index, value in enumerate(values)
        for finding in check_choice(
            value, indexed(field, index), choices=Service, code=VALUE_INVALID, noun="service"
        )
    ]


def check_contacts(contacts: Sequence[Contact], field: str = "contacts") -> list[Finding]:
    """Check each contact's email and role, and that a technical contact can be emailed."""
    findings: list[Finding] = []
    if len(contacts) > limits.MAX_CONTACTS_PER_REQUEST:
        return [
            error(
                VALUE_INVALID,
                field,
                f"List at most {limits.MAX_CONTACTS_PER_REQUEST} contacts: the people Thredd "
                "should call about this connection.",
            )
        ]
    reachable_technical = False
    for index, contact in enumerate(contacts):
        path = indexed(field, index)
        email_findings = _check_email(contact.email, join_path(path, "email"))
        findings += email_findings
        findings += check_choice(
            contact.role,
            join_path(path, "role"),
            choices=ContactRole,
            code=VALUE_INVALID,
            noun="contact role",
        )
        if contact.role == ContactRole.TECHNICAL and contact.email and not email_findings:
            reachable_technical = True
    if not reachable_technical:
        findings.append(
            error(
                "contact_required",
                field,
                "Add a technical contact with an email address: Thredd's engineers write to "
                "them about this connection.",
            )
        )
    return findings


def _check_email(value: str | None, field: str) -> list[Finding]:
    if value is None or value == "":
        return []
    try:
        EmailValidator()(value)
    except ValidationError:
        return [
            error(
                "contact_email_invalid",
                field,
                "Enter an email address such as ada@example.com; this one cannot receive mail.",
            )
        ]
    return []
