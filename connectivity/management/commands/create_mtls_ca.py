"""Create the mTLS issuing CA the portal holds for an environment (without AWS Private CA)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from connectivity.choices import Environment
from connectivity.services.certificates import portal_ca_create


class Command(BaseCommand):
    help = (
        "Create the portal's own mTLS issuing CA for an environment (its key encrypted at rest "
        "with PSK_ENCRYPTION_KEYS) and add its certificate to that environment's trust chain."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--environment", required=True, choices=Environment.values)

    def handle(self, *args, environment: str, **options) -> None:
        try:
            authority = portal_ca_create(environment=environment)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Created the {environment} issuing CA; its certificate (now in the trust chain):\n"
            f"{authority.certificate_pem}"
        )
