"""Sign in through a real browser as the demo client user."""

import pytest

from connectivity.demo import DEMO_ORGANISATIONS, DEMO_PASSWORD, demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_client_signs_in_and_sees_its_organisation(live_server, page):
    demo_load()
    organisation_name, _, email = DEMO_ORGANISATIONS[0]
    outside_requests = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(live_server.url)
            else outside_requests.append(request.url)
        ),
    )

    page.goto(live_server.url + "/")
    assert page.url.startswith(live_server.url + "/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(live_server.url + "/requests/")
    assert page.get_by_test_id("organisation-name").inner_text() == organisation_name
    assert page.get_by_role("heading", name="Your requests").is_visible()
    # Bootstrap and htmx come from the portal itself: the page asked nothing of the internet.
    assert outside_requests == []


def test_wrong_password_says_so_and_keeps_the_email(live_server, page):
    demo_load()
    email = DEMO_ORGANISATIONS[0][2]
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.title().startswith("Error: ")
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Email address").input_value() == email
