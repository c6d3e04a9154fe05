"""The Content Security Policy in Chromium: the portal's own pages break none of its rules."""

import pytest
from django.urls import reverse

from connectivity.choices import ConnectionType, Environment, Service
from connectivity.services import drafts
from tests.conftest import PASSWORD, verified_staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _violations_on(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations")


def test_client_and_review_pages_run_without_a_csp_violation(
    live_server, page, client, client_user, thredd_engineer
):
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH_VIOLATIONS)
    draft = drafts.draft_create(
        organisation=client_user.organisation,
        actor=client_user,
        environment=Environment.UAT,
        connection_type=ConnectionType.IPSEC_VPN,
        services=list(Service.values),
    )
    site = drafts.site_add(request=draft, name="London DC1")

    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Email address").fill(client_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/requests/")
    reference = draft.reference
    client_pages = [
        reverse("request-list"),
        reverse("before-you-start"),
        reverse("request-start"),
        reverse("request-tasks", args=[reference]),
        reverse("request-contacts", args=[reference]),
        reverse("site-edit", args=[reference, site.pk]),
        reverse("request-check", args=[reference]),
        reverse("request-detail", args=[reference]),
    ]
    for path in client_pages:
        assert _violations_on(page, live_server.url + path) == [], path

    # The engineer's pages, signed in with a verified second factor.
    verified_staff_login(client, thredd_engineer)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    for path in [
        reverse("review-queue"),
        reverse("review-detail", args=[reference]),
        reverse("audit-log"),
    ]:
        assert _violations_on(page, live_server.url + path) == [], path
    assert not [text for text in console if "Content Security Policy" in text]
