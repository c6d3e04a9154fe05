"""Fixtures of the client journey tests: a signed-in client and drafts to work on."""

import pytest

from connectivity.choices import ConnectionType, Environment, Service
from connectivity.services import drafts


@pytest.fixture
def signed_in(client, client_user):
    """Return Django's test client signed in as the organisation's user."""
    client.force_login(client_user)
    return client


def draft_of(user, *, environment=Environment.UAT, connection_type=ConnectionType.IPSEC_VPN):
    """Start a draft of `user`'s organisation asking for every service."""
    return drafts.draft_create(
        organisation=user.organisation,
        actor=user,
        environment=environment,
        connection_type=connection_type,
        services=list(Service.values),
    )


@pytest.fixture
def uat_draft(client_user):
    """Return a UAT IPsec draft with one site, as a new user leaves it after adding a site."""
    draft = draft_of(client_user)
    drafts.site_add(request=draft, name="London DC1")
    return draft
