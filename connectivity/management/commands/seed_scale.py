"""Seed the database at Thredd's scale for benchmarks (bulk COPY, a minute or two)."""

from django.core.management.base import BaseCommand, CommandError

from connectivity.management.scale import AddressSpaceFull, seed_scale


class Command(BaseCommand):
    help = (
        "Create organisations, users and requests in every status with sites, subnets, "
        "allocations, events, comments and artifacts, fast. Use an empty database: the seed "
        "must be the only writer while it runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organisations", type=int, default=2_000)
        parser.add_argument("--requests", type=int, default=20_000)
        parser.add_argument(
            "--allocations",
            type=int,
            default=None,
            help="Allocated subnets to reach (default: five per request).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")

    def handle(self, *args, **options) -> None:
        try:
            report = seed_scale(
                organisations=options["organisations"],
                requests=options["requests"],
                allocations=options["allocations"],
                seed=options["seed"],
            )
        except (ValueError, AddressSpaceFull) as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
