"""Demo data for `make run`: one Thredd engineer and two client organisations.

Loading is idempotent (get-or-create on natural keys), so starting the portal twice neither
fails nor duplicates anything. The password is printed at start: these accounts exist only
on a developer's embedded database.
"""

from dataclasses import dataclass

from django.db import transaction

from connectivity.models import Organisation, User

DEMO_PASSWORD = "thredd-demo-2026"  # noqa: S105 - printed on purpose, demo database only


@dataclass(frozen=True)
class DemoSignIn:
    """A sign-in printed for newcomers."""

    role: str
    email: str
    organisation: str


DEMO_ORGANISATIONS = [
    ("Acme Payments", "acme-payments", "ada@acme-payments.example"),
    ("Borealis Cards", "borealis-cards", "ben@borealis-cards.example"),
]
DEMO_ENGINEER = "engineer@thredd.example"


@transaction.atomic
def demo_load() -> list[DemoSignIn]:
    """Create the demo organisations and users if missing; return the sign-ins."""
    sign_ins = [DemoSignIn("Thredd engineer", DEMO_ENGINEER, "Thredd")]
    _demo_user(DEMO_ENGINEER, is_staff=True, organisation=None, first_name="Grace")
    for name, slug, email in DEMO_ORGANISATIONS:
        organisation, _ = Organisation.objects.get_or_create(slug=slug, defaults={"name": name})
        _demo_user(email, is_staff=False, organisation=organisation, first_name=email[0].upper())
        sign_ins.append(DemoSignIn("Client user", email, organisation.name))
    return sign_ins


def _demo_user(email: str, *, is_staff: bool, organisation, first_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            DEMO_PASSWORD,
            is_staff=is_staff,
            organisation=organisation,
            first_name=first_name,
        )
    return user
