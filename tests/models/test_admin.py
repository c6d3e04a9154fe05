"""The admin shows Thredd's settings, organisations and requests; workflow fields read-only."""

import pytest
from django.urls import reverse

from connectivity.models import ConnectivityRequest, ThreddSettings
from tests.conftest import verified_staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root@thredd.example", "x" * 16)
    verified_staff_login(client, admin)
    return client


@pytest.mark.parametrize(
    "model", ["threddsettings", "organisation", "user", "connectivityrequest", "allocation"]
)
def test_every_admin_list_and_add_page_answers(admin_client_, model):
    assert admin_client_.get(reverse(f"admin:connectivity_{model}_changelist")).status_code == 200
    add = admin_client_.get(reverse(f"admin:connectivity_{model}_add"))
    assert add.status_code == (403 if model == "allocation" else 200)


def test_request_status_cannot_be_changed_in_the_admin(admin_client_, organisation):
    request = ConnectivityRequest.objects.create(
        organisation=organisation, environment="uat", connection_type="mtls", services=["ehi"]
    )
    url = reverse("admin:connectivity_connectivityrequest_change", args=[request.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    admin_client_.post(
        url,
        {
            "organisation": organisation.pk,
            "environment": "uat",
            "connection_type": "mtls",
            "services": "ehi",
            "status": "approved",
        },
    )
    request.refresh_from_db()
    assert request.status == "draft"


def test_thredd_settings_are_edited_with_their_ranges(admin_client_):
    settings = ThreddSettings.objects.create(environment="uat")
    page = admin_client_.get(
        reverse("admin:connectivity_threddsettings_change", args=[settings.pk])
    )
    content = page.content.decode()
    for inline in ("service_ranges", "reserved"):
        assert f'id="{inline}-group"' in content
