"""Requests: references, who sees what, secrets at rest, and the document round trip."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from connectivity.choices import ConnectionType, Environment
from connectivity.document import parse_document, to_dict
from connectivity.models import ConnectivityRequest, Site, Tunnel, Vpn
from connectivity.selectors.requests import request_to_document
from connectivity.services.drafts import document_load
from tests.documents import make_csr, valid_mtls_document, valid_tgw_document, valid_vpn_document

pytestmark = pytest.mark.django_db


def _load(data, organisation, user=None):
    doc, findings = parse_document(data)
    assert doc is not None, findings
    return document_load(doc, organisation=organisation, created_by=user)


def test_references_are_unique_and_shaped_like_cr_year_number(organisation):
    first = ConnectivityRequest.objects.create(
        organisation=organisation, environment="uat", connection_type="mtls"
    )
    second = ConnectivityRequest.objects.create(
        organisation=organisation, environment="uat", connection_type="mtls"
    )
    assert re.fullmatch(r"CR-20\d\d-\d{5}", first.reference)
    assert first.reference != second.reference


def test_visible_to_scopes_requests_to_the_users_organisation(
    organisation, other_organisation, client_user, other_client_user, thredd_engineer
):
    engineer = thredd_engineer
    ours = _load(valid_vpn_document(), organisation)
    theirs = _load(valid_vpn_document(), other_organisation)
    assert list(ConnectivityRequest.objects.visible_to(client_user)) == [ours]
    assert list(ConnectivityRequest.objects.visible_to(other_client_user)) == [theirs]
    assert set(ConnectivityRequest.objects.visible_to(engineer)) == {ours, theirs}


@pytest.mark.parametrize(
    "make", [valid_vpn_document, valid_tgw_document, lambda: valid_mtls_document(make_csr())]
)
def test_dump_then_load_gives_the_same_request(organisation, make):
    """document → models → document is the identity, for every connection type."""
    data = make()
    doc, _ = parse_document(data)
    request = _load(data, organisation)
    assert request_to_document(request) == doc
    # And a second load of the dump is the same again: nothing is lost or invented.
    again = document_load(request_to_document(request), organisation=organisation, created_by=None)
    assert to_dict(request_to_document(again)) == to_dict(doc)


def test_a_client_chosen_psk_is_encrypted_at_rest(organisation):
    data = valid_vpn_document()
    psk = data["sites"][0]["vpns"][0]["tunnels"][0]["psk"]
    request = _load(data, organisation)
    tunnel = Tunnel.objects.get(vpn__site__request=request)
    assert tunnel.psk == psk
    with connection.cursor() as cursor:
        cursor.execute("SELECT psk FROM connectivity_tunnel WHERE id = %s", [tunnel.pk])
        (stored,) = cursor.fetchone()
    assert psk not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


def test_loading_refuses_a_value_the_database_cannot_hold(organisation):
    data = valid_vpn_document()
    data["sites"][0]["subnets"][0]["cidr"] = "10.0.0.5/24"
    doc, _ = parse_document(data)
    with pytest.raises(ValidationError):
        document_load(doc, organisation=organisation, created_by=None)
    assert not ConnectivityRequest.objects.exists()
    assert not Site.objects.exists()


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Site, "name", "London\nDC1"),
        (Site, "name", 'London "DC1"'),
        (Site, "name", "{{ site }}"),
        (Site, "name", "x" * 65),
        (Vpn, "device_software", "9.16\r\nno shutdown"),
        (Vpn, "device_software", "9.16 %s"),
    ],
)
def test_free_text_that_reaches_a_configuration_is_limited_to_safe_characters(
    organisation, model, field, value
):
    """A name or device field with newlines, quotes, braces or % cannot be stored."""
    request = _load(valid_vpn_document(), organisation)
    instance = Site.objects.get(request=request) if model is Site else Vpn.objects.get()
    setattr(instance, field, value)
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    assert field in raised.value.message_dict


def test_environment_and_type_choices_are_the_documents_values():
    assert set(Environment.values) == {"uat", "production"}
    assert set(ConnectionType.values) == {"ipsec_vpn", "aws_tgw", "mtls"}
