"""The question pages judged by Thredd's rules, through Django's test client."""

from django.urls import reverse

from connectivity.choices import RequestStatus
from connectivity.models import ConnectivityRequest

from .conftest import draft_of


def site_post(site, **changes) -> dict:
    """Return a complete, valid POST of a UAT IPsec site page with one VPN and one subnet."""
    data = {
        "vpn-rows": "1",
        "subnet-rows": "1",
        "site-name": site.name,
        "site-routing": "static",
        "vpn-0-services": ["web_services", "ehi", "portal"],
        "vpn-0-peer_ip": "81.2.69.160",
        "vpn-0-device_vendor": "cisco",
        "vpn-0-device_platform": "asa_vti",
        "vpn-0-device_software": "9.16",
        "vpn-0-ike_version": "2",
        "subnet-0-cidr": "10.20.30.0/24",
        "subnet-0-purpose": "ehi",
        "continue": "1",
    }
    return data | changes


def contacts_post(**changes) -> dict:
    return {
        "contact-rows": "1",
        "contact-0-name": "Ada Ops",
        "contact-0-email": "ada@acme-payments.example",
        "contact-0-phone": "+44 20 7946 0000",
        "contact-0-role": "technical",
        "continue": "1",
    } | changes


def fill_valid(signed_in, draft):
    site = draft.sites.get()
    url = reverse("site-edit", kwargs={"reference": draft.reference, "site_id": site.pk})
    assert signed_in.post(url, site_post(site)).status_code == 302
    url = reverse("request-contacts", kwargs={"reference": draft.reference})
    assert signed_in.post(url, contacts_post()).status_code == 302


def test_start_creates_a_draft_and_opens_its_task_list(signed_in, client_user):
    response = signed_in.post(
        reverse("request-start"),
        {"environment": "production", "connection_type": "ipsec_vpn", "services": ["ehi"]},
    )
    draft = ConnectivityRequest.objects.get()
    assert response.url == reverse("request-tasks", kwargs={"reference": draft.reference})
    assert draft.status == RequestStatus.DRAFT
    assert draft.organisation == client_user.organisation
    page = signed_in.get(response.url).content.decode()
    assert "Contacts" in page
    assert "Not started" in page


def test_start_without_answers_shows_the_error_summary(signed_in):
    response = signed_in.post(reverse("request-start"), {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "data-error-summary" in html
    assert 'href="#id_environment_0"' in html
    assert not ConnectivityRequest.objects.exists()


def test_a_mistyped_subnet_is_refused_and_every_typed_value_kept(signed_in, uat_draft):
    site = uat_draft.sites.get()
    url = reverse("site-edit", kwargs={"reference": uat_draft.reference, "site_id": site.pk})
    response = signed_in.post(url, site_post(site, **{"subnet-0-cidr": "10.0.0.5/24"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("did you mean 10.0.0.0/24?") == 2  # in the summary and at the field
    assert 'href="#id_subnet-0-cidr"' in html
    for typed in ("10.0.0.5/24", "81.2.69.160", "9.16", "London DC1"):
        assert f'value="{typed}"' in html
    assert 'value="asa_vti" selected' in html
    assert not site.subnets.exists()
    assert site.vpns.get().peer_ip is None


def test_a_warning_does_not_block_saving_nor_sending(signed_in, uat_draft):
    site = uat_draft.sites.get()
    url = reverse("site-edit", kwargs={"reference": uat_draft.reference, "site_id": site.pk})
    response = signed_in.post(url, site_post(site, **{"subnet-0-cidr": "10.20.30.0/23"}))
    assert response.status_code == 302
    signed_in.post(
        reverse("request-contacts", kwargs={"reference": uat_draft.reference}), contacts_post()
    )
    check = reverse("request-check", kwargs={"reference": uat_draft.reference})
    assert "Thredd recommends /24" in signed_in.get(check).content.decode()
    response = signed_in.post(check)
    assert response.url == reverse(
        "request-confirmation", kwargs={"reference": uat_draft.reference}
    )
    uat_draft.refresh_from_db()
    assert uat_draft.status == RequestStatus.SUBMITTED


def test_a_draft_with_errors_cannot_be_sent(signed_in, uat_draft):
    check = reverse("request-check", kwargs={"reference": uat_draft.reference})
    response = signed_in.post(check)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "Add a technical contact" in html
    uat_draft.refresh_from_db()
    assert uat_draft.status == RequestStatus.DRAFT


def test_save_and_come_back_later_keeps_partial_answers(signed_in, uat_draft):
    site = uat_draft.sites.get()
    url = reverse("site-edit", kwargs={"reference": uat_draft.reference, "site_id": site.pk})
    partial = {
        "vpn-rows": "1",
        "subnet-rows": "1",
        "site-name": "London DC1",
        "site-routing": "static",
        "vpn-0-services": ["web_services", "ehi", "portal"],
        "vpn-0-peer_ip": "81.2.69.160",
        "later": "1",
    }
    assert signed_in.post(url, partial).status_code == 302
    assert str(site.vpns.get().peer_ip) == "81.2.69.160"
    tasks = signed_in.get(reverse("request-tasks", kwargs={"reference": uat_draft.reference}))
    assert "In progress" in tasks.content.decode()


def test_add_another_subnet_keeps_what_was_typed_and_saves_nothing(signed_in, uat_draft):
    site = uat_draft.sites.get()
    url = reverse("site-edit", kwargs={"reference": uat_draft.reference, "site_id": site.pk})
    data = site_post(site, add_subnet="1")
    del data["continue"]
    html = signed_in.post(url, data).content.decode()
    assert 'name="subnet-rows" value="2"' in html
    assert 'value="10.20.30.0/24"' in html
    assert not site.subnets.exists()


def test_contacts_keep_every_typed_value_on_error(signed_in, uat_draft):
    url = reverse("request-contacts", kwargs={"reference": uat_draft.reference})
    response = signed_in.post(
        url,
        contacts_post(**{"contact-0-email": "ada@", "contact-0-phone": "+44 1"}),
    )
    html = response.content.decode()
    assert "<title>Error: " in html
    assert 'value="ada@"' in html
    assert 'value="Ada Ops"' in html
    assert 'value="+44 1"' in html
    assert not uat_draft.contacts.exists()


def test_check_answers_lists_answers_with_change_links_and_a_picture(signed_in, uat_draft):
    fill_valid(signed_in, uat_draft)
    check = reverse("request-check", kwargs={"reference": uat_draft.reference})
    html = signed_in.get(check).content.decode()
    assert "10.20.30.0/24" in html
    assert "81.2.69.160" in html
    assert f"?next={check}" in html
    assert "<svg" in html
    assert "Thredd" in html
    assert "<title>Error" not in html


def test_check_availability_answers_without_saying_whose(signed_in, uat_draft, other_client_user):
    from connectivity.models import Allocation

    other = draft_of(other_client_user)
    Allocation.objects.create(
        organisation=other_client_user.organisation,
        environment="uat",
        network="10.20.30.0/24",
        request=other,
    )
    url = reverse("subnet-availability", kwargs={"reference": uat_draft.reference})
    taken = signed_in.post(url, {"check_subnet": "0", "subnet-0-cidr": "10.20.30.0/25"})
    assert "Not available" in taken.content.decode()
    assert other_client_user.organisation.name not in taken.content.decode()
    free = signed_in.post(url, {"check_subnet": "0", "subnet-0-cidr": "10.99.0.0/24"})
    assert "Available" in free.content.decode()
