"""Load the demo organisations and users (idempotent) and print how to sign in."""

from django.core.management.base import BaseCommand

from connectivity.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load demo organisations and users for a local portal and print the demo sign-ins."

    def handle(self, *args, **options) -> None:
        sign_ins = demo_load()
        self.stdout.write(self.style.SUCCESS(f"Demo sign-ins (password for all: {DEMO_PASSWORD})"))
        for sign_in in sign_ins:
            self.stdout.write(f"  {sign_in.role:<16} {sign_in.email:<32} {sign_in.organisation}")
