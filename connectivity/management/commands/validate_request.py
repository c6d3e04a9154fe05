"""Check a request document against Thredd's rules and print the findings as JSON."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from connectivity.choices import Environment
from connectivity.constants import DEFAULT_THREDD_BGP_ASN
from connectivity.document import parse_json
from connectivity.findings import Finding, error, has_errors
from connectivity.models import Organisation
from connectivity.rules import validate_document
from connectivity.selectors.findings import document_findings


class Command(BaseCommand):
    help = (
        "Validate a connectivity request document (JSON, REFERENCE §3). Prints the findings "
        "as a JSON list; exits 1 if any is an error, 0 otherwise. Use - to read standard input."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="path of the JSON document, or - for standard input")
        parser.add_argument(
            "--organisation",
            metavar="SLUG",
            help="judge availability as this organisation (its own allocations do not clash)",
        )
        parser.add_argument(
            "--offline",
            action="store_true",
            help="check only the rules that need no database",
        )

    def handle(self, *args, **options) -> None:
        findings = self._findings(options)
        self.stdout.write(json.dumps([finding.as_dict() for finding in findings], indent=2))
        if has_errors(findings):
            sys.exit(1)

    def _findings(self, options) -> list[Finding]:
        try:
            text = self._read(options["file"])
        except OSError as exc:
            reason = f"Cannot read {options['file']}: {exc.strerror}."
            return [error("document_invalid", "", reason)]
        doc, findings = parse_json(text)
        if doc is None:
            return findings
        # An unknown environment is already an error, and must never reach a query.
        known = doc.environment in Environment.values
        if not options["offline"] and known and _database_answers():
            return findings + document_findings(
                doc, organisation_id=self._organisation_id(options["organisation"])
            )
        if not options["offline"] and known:
            self.stderr.write("No database answered: reserved ranges and allocations not checked.")
        return findings + validate_document(doc, thredd_asn=DEFAULT_THREDD_BGP_ASN)

    @staticmethod
    def _read(path: str) -> bytes:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as document:
            return document.read()

    @staticmethod
    def _organisation_id(slug: str | None) -> int | None:
        if slug is None:
            return None
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(f"No organisation has the slug {slug!r}.")
        return organisation.pk


def _database_answers() -> bool:
    try:
        connection.ensure_connection()
    except DatabaseError:
        return False
    return True
