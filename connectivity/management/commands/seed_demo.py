"""Load the demo organisations and users (idempotent) and print how to sign in, second
factor included."""

from django.core.management.base import BaseCommand

from connectivity.demo import DEMO_PASSWORD, DemoSignIn, demo_load
from connectivity.mfa import secret_text


class Command(BaseCommand):
    help = "Load demo organisations and users for a local portal and print the demo sign-ins."

    def handle(self, *args, **options) -> None:
        sign_ins = demo_load()
        self.stdout.write(self.style.SUCCESS(f"Demo sign-ins (password for all: {DEMO_PASSWORD})"))
        for sign_in in sign_ins:
            self.stdout.write(f"  {sign_in.role:<16} {sign_in.email:<32} {sign_in.organisation}")
        for sign_in in sign_ins:
            if sign_in.authenticator is not None:
                self._authenticator(sign_in)

    def _authenticator(self, sign_in: DemoSignIn) -> None:
        device = sign_in.authenticator
        secret = secret_text(device)
        self.stdout.write(
            f"\n{sign_in.email} also enters a code from an authenticator app. Add this account\n"
            f"to the app (Google Authenticator, 1Password, ...) with the key {secret}\n"
            f"(time-based), or open this link on the device:\n  {device.config_url}\n"
            f"Without an app: oathtool --totp -b {secret}"
        )
