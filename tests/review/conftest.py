"""Fixtures of the review tests: Thredd engineers and requests waiting for them."""

import pytest
from django.contrib.auth.models import Permission

from connectivity.models import User
from tests.conftest import PASSWORD, verified_staff_login


def engineer_named(email: str) -> User:
    """Create a Thredd engineer: staff holding the review permission."""
    user = User.objects.create_user(email, PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="review_connectivityrequest"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def second_engineer(db):
    return engineer_named("alan@thredd.example")


@pytest.fixture
def staff_client(client, thredd_engineer):
    """Django's test client signed in as a Thredd engineer."""
    verified_staff_login(client, thredd_engineer)
    return client
