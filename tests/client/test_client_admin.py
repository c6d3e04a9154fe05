"""A client admin invites colleagues of their own organisation and sees its people; a plain
client user does neither, and no admin ever reaches another organisation's people."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from connectivity.demo import demo_load
from connectivity.models import OutboundEmail, User
from connectivity.services import accounts
from tests.client.test_journeys import check_page, sign_in
from tests.conftest import PASSWORD, verified_staff_login

pytestmark = [pytest.mark.django_db(transaction=True)]

COLLEAGUE = "cy@acme-payments.example"


@pytest.fixture
def client_admin(client_user):
    """Ada, the client admin of Acme Payments."""
    client_user.is_client_admin = True
    client_user.save(update_fields=["is_client_admin"])
    return client_user


@pytest.fixture
def other_client_admin(other_client_user):
    """Ben, the client admin of Borealis Cards."""
    other_client_user.is_client_admin = True
    other_client_user.save(update_fields=["is_client_admin"])
    return other_client_user


def _invitation_path(email: str) -> str:
    message = OutboundEmail.objects.get(recipient=email)
    return re.search(r"https?://[^/\s]+(/password-reset/\S+/)", message.text_body).group(1)


@pytest.mark.browser
def test_a_client_admin_invites_a_colleague_who_can_then_sign_in(
    browser, page: Page, live_server, client_admin
):
    sign_in(page, live_server, client_admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your colleagues").click()
    expect(page.get_by_role("heading", name="Your colleagues")).to_be_visible()
    expect(page.get_by_test_id("colleague-table")).to_contain_text(client_admin.email)
    expect(page.get_by_test_id("colleague-table")).to_contain_text("Client admin")
    check_page(page, "colleagues")

    page.get_by_role("link", name="Invite a colleague").click()
    expect(page.get_by_role("heading", name="Invite a colleague")).to_be_visible()
    # No organisation to choose: the colleague joins Acme Payments.
    expect(page.get_by_label("Organisation")).to_have_count(0)
    check_page(page, "colleague-invite")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text(
        "Enter the email address of the person to invite."
    )
    check_page(page, "colleague-invite-errors")
    page.get_by_label("Email address").fill(COLLEAGUE)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {COLLEAGUE}")
    row = page.get_by_test_id("colleague-table").get_by_role("row").filter(has_text=COLLEAGUE)
    expect(row).to_contain_text("Client user")
    expect(row).to_contain_text("Invited: has not chosen a password yet")

    colleague = User.objects.get(email=COLLEAGUE)
    assert colleague.organisation_id == client_admin.organisation_id
    assert not colleague.is_client_admin
    assert "of Acme Payments has invited you" in OutboundEmail.objects.get().text_body

    # The colleague chooses a password from the mail's link and signs in, in a browser of
    # their own.
    context = browser.new_context()
    try:
        invitee = context.new_page()
        invitee.goto(live_server.url + _invitation_path(COLLEAGUE))
        invitee.locator("#id_new_password1").fill(PASSWORD)
        invitee.locator("#id_new_password2").fill(PASSWORD)
        invitee.get_by_role("button", name="Save the password").click()
        expect(invitee.get_by_role("heading", name="Password changed")).to_be_visible()
        sign_in(invitee, live_server, colleague)
        expect(invitee.get_by_test_id("organisation-name")).to_have_text("Acme Payments")
        # A plain client user: no colleagues page, no invitation.
        expect(invitee.get_by_role("link", name="Your colleagues")).to_have_count(0)
    finally:
        context.close()


@pytest.mark.browser
def test_a_plain_client_user_sees_no_invitation(page: Page, live_server, client_user):
    sign_in(page, live_server, client_user)
    expect(page.get_by_role("link", name="Your colleagues")).to_have_count(0)
    expect(page.get_by_role("link", name="Invite a colleague")).to_have_count(0)
    for path in (reverse("colleague-list"), reverse("colleague-invite")):
        response = page.goto(live_server.url + path)
        assert response.status == 403, path
        expect(page.get_by_role("textbox", name="Email address")).to_have_count(0)
    assert not OutboundEmail.objects.exists()


def test_an_admin_sees_and_invites_only_into_their_own_organisation(
    client_admin, other_client_admin
):
    browser = Client()
    browser.force_login(other_client_admin)
    people = browser.get(reverse("colleague-list")).content.decode()
    assert other_client_admin.email in people
    assert client_admin.email not in people
    assert "Acme Payments" not in people
    # An organisation slipped into the form is ignored: the colleague joins Borealis Cards.
    response = browser.post(
        reverse("colleague-invite"),
        {"email": "dee@borealis-cards.example", "organisation": client_admin.organisation_id},
    )
    assert response.status_code == 302
    invited = User.objects.get(email="dee@borealis-cards.example")
    assert invited.organisation_id == other_client_admin.organisation_id
    assert not invited.is_client_admin
    # Nor can the service be asked to invite elsewhere, or to make another admin.
    with pytest.raises(PermissionDenied):
        accounts.client_user_invite(
            organisation=client_admin.organisation,
            email="eve@acme-payments.example",
            invited_by=other_client_admin,
        )
    with pytest.raises(PermissionDenied):
        accounts.client_user_invite(
            organisation=other_client_admin.organisation,
            email="eve@borealis-cards.example",
            invited_by=other_client_admin,
            is_client_admin=True,
        )
    assert not User.objects.filter(email__startswith="eve@").exists()


def test_a_plain_client_user_cannot_invite_through_the_service(client_user):
    with pytest.raises(PermissionDenied):
        accounts.client_user_invite(
            organisation=client_user.organisation,
            email="eve@acme-payments.example",
            invited_by=client_user,
        )


def test_thredd_invites_a_client_admin(thredd_engineer, organisation):
    browser = Client()
    verified_staff_login(browser, thredd_engineer)
    response = browser.post(
        reverse("client-invite"),
        {
            "organisation": organisation.pk,
            "email": "fay@acme-payments.example",
            "is_client_admin": "on",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="fay@acme-payments.example").is_client_admin


def test_the_demo_makes_ada_a_client_admin_once(organisation):
    # Ada as a database seeded before the role has her: a plain client user.
    User.objects.create_user("ada@acme-payments.example", PASSWORD, organisation=organisation)
    demo_load()
    sign_ins = demo_load()
    ada = User.objects.get(email="ada@acme-payments.example")
    assert ada.is_client_admin
    assert not User.objects.get(email="ben@borealis-cards.example").is_client_admin
    assert User.objects.filter(email__endswith=".example").count() == 3
    roles = {sign_in.email: sign_in.role for sign_in in sign_ins}
    assert roles["ada@acme-payments.example"] == "Client admin"
    assert roles["ben@borealis-cards.example"] == "Client user"
