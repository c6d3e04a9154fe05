"""Demo data for `make run`: one Thredd engineer and two client organisations.

Loading is idempotent (get-or-create on natural keys), so starting the portal twice neither
fails nor duplicates anything. The password is printed at start: these accounts exist only
on a developer's embedded database. Staff sign in with a second factor, so the demo
engineer comes with an enrolled authenticator whose secret is printed too (made once, the
same on every start).
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from connectivity.choices import Environment, Service
from connectivity.mfa import AUTHENTICATOR_NAME, confirmed_device
from connectivity.models import (
    Authenticator,
    Organisation,
    PortalCertificateAuthority,
    ReservedRange,
    ServiceRange,
    ThreddSettings,
    User,
)
from connectivity.services.certificates import portal_ca_create

DEMO_PASSWORD = "thredd-demo-2026"  # noqa: S105 - printed on purpose, demo database only


@dataclass(frozen=True)
class DemoSignIn:
    """A sign-in printed for newcomers."""

    role: str
    email: str
    organisation: str
    authenticator: Authenticator | None = None


DEMO_ORGANISATIONS = [
    ("Acme Payments", "acme-payments", "ada@acme-payments.example"),
    ("Borealis Cards", "borealis-cards", "ben@borealis-cards.example"),
]
# Ada also invites her colleagues, so `make run` shows the client admin's pages; Ben does not.
DEMO_CLIENT_ADMINS = {"ada@acme-payments.example"}
DEMO_ENGINEER = "engineer@thredd.example"
THREDD_ENGINEERS_GROUP = "Thredd engineers"  # made by migration 0005 on every database

# Illustrative values for Thredd's side of each environment; staff edit the real ones in the
# admin. The AWS identifiers are made up and point at nothing.
DEMO_THREDD = {
    Environment.UAT: {
        "aws": {
            "aws_account_id": "111122223333",
            "aws_region": "eu-west-2",
            "transit_gateway_id": "tgw-0a1b2c3d4e5f60001",
            "transit_gateway_route_table_id": "tgw-rtb-0a1b2c3d4e5f60001",
        },
        "reserved": [("10.0.0.0/16", "Thredd UAT core"), ("172.16.0.0/20", "Thredd UAT AWS VPCs")],
        "services": {
            Service.WEB_SERVICES: "10.240.1.0/24",
            Service.EHI: "10.240.2.0/24",
            Service.PORTAL: "10.240.3.0/24",
        },
    },
    Environment.PRODUCTION: {
        "aws": {
            "aws_account_id": "444455556666",
            "aws_region": "eu-west-2",
            "transit_gateway_id": "tgw-0a1b2c3d4e5f60002",
            "transit_gateway_route_table_id": "tgw-rtb-0a1b2c3d4e5f60002",
        },
        "reserved": [("10.1.0.0/16", "Thredd production core")],
        "services": {
            Service.WEB_SERVICES: "10.250.1.0/24",
            Service.EHI: "10.250.2.0/24",
            Service.PORTAL: "10.250.3.0/24",
        },
    },
}


@transaction.atomic
def demo_load() -> list[DemoSignIn]:
    """Create the demo organisations and users if missing; return the sign-ins."""
    for environment, facts in DEMO_THREDD.items():
        _demo_thredd_settings(environment, facts)
        if not PortalCertificateAuthority.objects.filter(environment=environment).exists():
            # The demo's issuing CA: it signs mTLS clients' CSRs and is in the trust chain.
            portal_ca_create(environment=environment)
    engineer = _demo_user(DEMO_ENGINEER, is_staff=True, organisation=None, first_name="Grace")
    engineer.groups.add(_engineers_group())
    sign_ins = [DemoSignIn("Thredd engineer", DEMO_ENGINEER, "Thredd", _authenticator(engineer))]
    for name, slug, email in DEMO_ORGANISATIONS:
        organisation, _ = Organisation.objects.get_or_create(slug=slug, defaults={"name": name})
        user = _demo_user(
            email, is_staff=False, organisation=organisation, first_name=email[0].upper()
        )
        if email in DEMO_CLIENT_ADMINS and not user.is_client_admin:
            # A database seeded before the role existed gets it on the next start.
            user.is_client_admin = True
            user.save(update_fields=["is_client_admin"])
        role = "Client admin" if user.is_client_admin else "Client user"
        sign_ins.append(DemoSignIn(role, email, organisation.name))
    return sign_ins


def _engineers_group() -> Group:
    # Migration 0005 makes the group; a flushed test database has lost it, so make sure.
    group, _ = Group.objects.get_or_create(name=THREDD_ENGINEERS_GROUP)
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="connectivity", codename="review_connectivityrequest"
        )
    )
    return group


def _authenticator(user: User) -> Authenticator:
    """Return the user's enrolled authenticator, enrolling one (a random secret) the first time."""
    device = confirmed_device(user)
    if device is None:
        device = Authenticator.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True)
    return device


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


def _demo_thredd_settings(environment: Environment, facts: dict) -> None:
    thredd, created = ThreddSettings.objects.get_or_create(
        environment=environment, defaults=facts["aws"]
    )
    if not created:
        return  # staff may have edited them: leave their values alone
    for network, description in facts["reserved"]:
        ReservedRange.objects.create(settings=thredd, network=network, description=description)
    for service, network in facts["services"].items():
        ServiceRange.objects.create(settings=thredd, service=service, network=network)
