"""A GET of an action's address answers 405 with a page in the portal's look, never empty."""

import pytest
from django.urls import reverse

from connectivity.errors import page_above
from connectivity.models import SubnetConfirmation
from connectivity.services import workflow
from tests.conftest import verified_staff_login
from tests.factories import request_create

pytestmark = pytest.mark.django_db


def test_the_page_above_an_action_is_the_nearest_address_that_resolves():
    assert page_above("/review/CR-2026-00001/subnets/5/confirm/") == "/review/CR-2026-00001/"
    assert page_above("/requests/CR-2026-00001/comments/") == "/requests/CR-2026-00001/"
    assert page_above("/nowhere/") is None


def test_an_engineer_opening_a_confirm_address_gets_a_page_back_to_the_review(
    client, organisation, client_user, thredd_engineer
):
    request = request_create(organisation=organisation, created_by=client_user)
    workflow.request_transition("submit", request=request, actor=client_user)
    subnet = request.sites.first().subnets.first()
    verified_staff_login(client, thredd_engineer)

    response = client.get(reverse("review-subnet-confirm", args=[request.reference, subnet.pk]))

    assert response.status_code == 405
    assert "POST" in response["Allow"]
    body = response.content.decode()
    assert "<title>This address is an action" in body
    assert f'href="/review/{request.reference}/"' in body
    assert not SubnetConfirmation.objects.filter(subnet=subnet).exists()


def test_a_client_opening_the_comment_address_gets_a_page_back_to_the_request(
    client, organisation, client_user
):
    request = request_create(organisation=organisation, created_by=client_user)
    client.force_login(client_user)

    response = client.get(f"/requests/{request.reference}/comments/")

    assert response.status_code == 405
    assert f'href="/requests/{request.reference}/"' in response.content.decode()
