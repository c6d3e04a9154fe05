"""Every page, as each kind of user sees it, passes axe-core with no console error.

A client, a client admin and a Thredd engineer (with the second factor) each sign in in
Debian's Chromium and visit every page reachable by links from the landing page (GET links
only, no form is ever sent) and every page of the URL map, filled with objects of the test's
own: requests in every status, of every connection type, with files, comments and audit
entries. On each page: no serious or critical axe-core violation, no console error, no asset
(stylesheet, script, icon) answering 4xx or 5xx, and no page answering 500. Every problem of
every page is collected and reported together, so one run shows all there is to fix.
"""

import contextlib
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import get_resolver, reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from connectivity.choices import RequestStatus
from connectivity.models import (
    Authenticator,
    ConnectivityRequest,
    Subnet,
    User,
    Vpn,
)
from connectivity.services import certificates, workflow
from tests.accessibility import serious_violations
from tests.artifacts.conftest import (  # noqa: F401 - fixtures
    MTLS_CHANGES,
    TGW_CHANGES,
    approve,
    in_review,
    render_all,
    thredd_uat,
)
from tests.conftest import PASSWORD, totp_code
from tests.documents import make_csr
from tests.urlmap import url_patterns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Pages a crawl may visit per role: the portal has a few dozen, the admin's lists more.
CRAWL_LIMIT = 150
# Sign-out would end the session the sweep goes on with.
SIGN_OUT_PATHS = {"/sign-out/", "/admin/logout/"}
# Console messages about the page's own answer: a 403 or 404 page is meant to be one.
OWN_STATUS_MESSAGE = "Failed to load resource: the server responded with a status of"
# Sign-out, and the fragments htmx puts into a page (checked as part of the page showing them).
NOT_PAGES = {"logout", "admin:logout", "artifact-progress", "device-platforms"}
# Every URL parameter of the project: a new one fails the sweep until it is taught a value.
PARAMETERS = {
    *("reference", "site_id", "subnet_id", "vpn_id", "artifact_id", "kind", "pk", "action"),
    *("app_label", "content_type_id", "object_id", "id", "uidb64", "token"),
}


@dataclass
class Problem:
    role: str
    url: str
    what: str

    def __str__(self) -> str:
        return f"{self.role:<13} {self.url}\n{'':<14}{self.what}"


@dataclass
class Sweep:
    """One signed-in browser visiting pages and writing down what is wrong on each."""

    page: Page
    origin: str
    role: str
    problems: list[Problem] = field(default_factory=list)
    audited: set[str] = field(default_factory=set)
    icons: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def problem(self, url: str, what: str) -> None:
        self.problems.append(Problem(self.role, self._path(url), what))

    def _path(self, url: str) -> str:
        return url.removeprefix(self.origin) or "/"

    def _console(self, message) -> None:
        if message.type != "error":
            return
        own = message.location.get("url") == self.page.url
        if own and message.text.startswith(OWN_STATUS_MESSAGE):
            return
        self.problem(self.page.url, f"console error: {message.text}")

    def _response(self, response) -> None:
        request = response.request
        if request.resource_type == "document" or not response.url.startswith(self.origin):
            return
        if response.status >= 400:
            self.problem(
                self.page.url, f"asset {self._path(response.url)} answers {response.status}"
            )

    def visit(self, url: str, *, followed_link: bool = False) -> list[str]:
        """Open `url`, check the page it shows, and return the links on it (none if seen)."""
        try:
            response = self.page.goto(url)
        except PlaywrightError as error:
            if "ERR_HTTP_RESPONSE_CODE_FAILURE" in error.message:  # an error, and no page
                status = self.page.request.get(url).status
                self.problem(url, f"answers {status} with an empty page (no title, no language)")
            elif "Download is starting" not in error.message:
                self.problem(url, f"does not open: {error.message.splitlines()[0]}")
            return []  # a file download, not a page
        if response is None:
            return []
        if response.status >= 500 or (followed_link and response.status >= 400):
            self.problem(url, f"answers {response.status}")
        if not response.headers.get("content-type", "").startswith("text/html"):
            return []  # a file shown inline (PEM, JSON): no page to check
        # A page is checked once (whatever its query string), an error page once per status.
        seen_as = urlsplit(self.page.url).path if response.ok else f"answer {response.status}"
        if seen_as in self.audited:
            return []
        self.audited.add(seen_as)
        self.check()
        return self.page.eval_on_selector_all(
            "a[href]:not([download])", "links => links.map(link => link.href)"
        )

    def check(self) -> None:
        """Check the page shown now: axe-core and its icon (console and assets are watched)."""
        # A page that polls (files in progress) is never idle: check it as it is then.
        with contextlib.suppress(PlaywrightError):
            self.page.wait_for_load_state("networkidle", timeout=2000)
        for rule, nodes in serious_violations(self.page):
            self.problem(self.page.url, f"axe {rule}: {nodes}")
        self._check_icon()

    def _check_icon(self) -> None:
        """The browser asks for the page's icon (or /favicon.ico) on every page it shows."""
        icon = self.page.evaluate(
            "document.querySelector('link[rel~=icon]')?.href"
            " || new URL('/favicon.ico', location.href).href"
        )
        if icon not in self.icons:
            self.icons[icon] = self.page.request.get(icon).status
        if self.icons[icon] >= 400:
            self.problem(self.page.url, f"icon {self._path(icon)} answers {self.icons[icon]}")

    def crawl(self) -> None:
        """Follow every same-origin GET link from the landing page, breadth first."""
        queue, seen = [self.origin + "/"], {self.origin + "/"}
        while queue and len(seen) <= CRAWL_LIMIT:
            for link in self.visit(queue.pop(0), followed_link=True):
                link = urldefrag(link).url
                if not link.startswith(self.origin) or link in seen:
                    continue
                if urlsplit(link).path in SIGN_OUT_PATHS:
                    continue
                seen.add(link)
                queue.append(link)
        if queue:
            self.problem(self.origin, f"crawl stopped at {CRAWL_LIMIT} pages: raise CRAWL_LIMIT")

    def walk_url_map(self, candidates: dict[str, list[str]]) -> None:
        """Open every page of the URL map, with the first of its candidate URLs that shows
        the page to this role, so each page is seen with an object it is about."""
        for paths in candidates.values():
            self.visit(self._first_shown(self.origin + path for path in paths))

    def _first_shown(self, urls) -> str:
        """Return the first URL that shows its page, stopping when the answer says that no
        object would do (403: not for this role; 405: not a GET)."""
        urls = list(urls)
        for url in urls[:-1]:
            status = self.page.request.get(url, max_redirects=0).status
            if status < 300 or status in (403, 405):
                return url
        return urls[-1]


def _model_objects(route: str) -> list[int]:
    """Return the primary keys of the model an admin route is about (admin/app/model/…)."""
    _, app_label, model_name, *_ = route.split("/")
    return list(apps.get_model(app_label, model_name).objects.values_list("pk", flat=True)[:1])


def _values_per_request(request: ConnectivityRequest) -> dict[str, object]:
    """Return a value of `request`'s for each URL parameter about a request."""
    site = request.sites.order_by("pk").first()
    subnet = Subnet.objects.filter(site__request=request).order_by("pk").first()
    vpn = Vpn.objects.filter(site__request=request).order_by("pk").first()
    artifact = request.artifacts.order_by("pk").first()
    values = {
        "reference": request.reference,
        "site_id": site and site.pk,
        "subnet_id": subnet and subnet.pk,
        "vpn_id": vpn and vpn.pk,
        "artifact_id": artifact and artifact.pk,
        "kind": "vpns" if vpn else "sites",
        "pk": (vpn or site or request).pk,
        "action": "approve",
    }
    return {name: value for name, value in values.items() if value is not None}


def url_map_candidates(requests: list[ConnectivityRequest], user: User) -> dict[str, list[str]]:
    """Return, for every page of the URL map but sign-out, the URLs to try it with."""
    common = {
        "app_label": "connectivity",
        "content_type_id": ContentType.objects.get_for_model(ConnectivityRequest).pk,
        "object_id": requests[0].pk,
        "id": user.pk,
        "uidb64": "MQ",
        "token": "set-password",
    }
    per_request = [_values_per_request(request) for request in requests]
    candidates = {}
    for name, params, route in url_patterns(get_resolver().url_patterns):
        if name is None or name in NOT_PAGES:  # None: the admin's redirects and catch-all
            continue
        if route.startswith("admin/") and "object_id" in params and name != "admin:view_on_site":
            objects = _model_objects(route)
            value_sets = [common | {"object_id": pk} for pk in objects]
        elif route.startswith("admin/otp_totp/"):
            value_sets = [common | {"pk": pk} for pk in _model_objects(route)]
        else:
            value_sets = [common | values for values in per_request]
        unknown = set(params) - PARAMETERS
        assert not unknown, f"teach the sweep a value for {unknown} of {name}"
        urls = [
            reverse(name, kwargs={key: values[key] for key in params})
            for values in value_sets
            if set(params) <= set(values)
        ]
        if urls:  # none when the test made no object of the kind (an admin model's rows)
            candidates[name] = urls
    return candidates


@pytest.fixture
def client_admin(organisation):
    """A client user who administers the organisation's people (invites colleagues)."""
    return User.objects.create_user(
        "cai@acme-payments.example", PASSWORD, organisation=organisation, is_client_admin=True
    )


@pytest.fixture
def requests_in_every_status(
    organisation,
    client_user,
    thredd_engineer,
    in_review,  # noqa: F811 - the fixture imported above
    thredd_uat,  # noqa: F811 - the fixture imported above
    eager_tasks,
) -> list[ConnectivityRequest]:
    """Organisation A's requests: IPsec in every status, TGW and mTLS approved, with files,
    comments, internal notes and the audit entries every move makes."""

    def move(request, *names, actor=thredd_engineer, comment=""):
        for name in names:
            request = workflow.request_transition(
                name, request=request, actor=actor, comment=comment
            )
        return request

    draft = in_review()
    ConnectivityRequest.objects.filter(pk=draft.pk).update(status=RequestStatus.DRAFT)
    submitted = move(in_review(), "ask_for_changes", comment="Please check the subnets.")
    submitted = move(submitted, "submit", actor=client_user)
    reviewing = move(
        move(in_review(), "ask_for_changes", comment="Check."), "submit", actor=client_user
    )
    reviewing = move(reviewing, "start_review")
    workflow.comment_create(
        request=reviewing, author=thredd_engineer, body="Looks fine.", internal=True
    )
    changes = move(in_review(), "ask_for_changes", comment="Please move EHI to 10.20.40.0/24.")
    rejected = move(in_review(), "reject", comment="A duplicate of another request.")
    withdrawn = move(in_review(), "withdraw", actor=client_user, comment="No longer needed.")
    approved = approve(in_review(), thredd_engineer)
    render_all(approved)
    active = move(approve(in_review(), thredd_engineer), "activate")
    amendment = workflow.request_transition("start_amendment", request=active, actor=client_user)
    tgw = approve(in_review(**TGW_CHANGES), thredd_engineer)
    certificates.portal_ca_create(environment="uat")
    mtls = approve(
        in_review(**MTLS_CHANGES | {"mtls": MTLS_CHANGES["mtls"] | {"csr_pem": make_csr()}}),
        thredd_engineer,
    )
    return [
        draft,
        amendment,
        submitted,
        reviewing,
        changes,
        approved,
        active,
        tgw,
        mtls,
        rejected,
        withdrawn,
    ]


def _signed_in(page: Page, origin: str, role: str, user: User) -> Sweep:
    """Sign `user` in as a person would (staff enrol an authenticator and type its code),
    checking the sign-in pages on the way; return the sweep that goes on from there."""
    sweep = Sweep(page, origin, role)
    sweep.visit(f"{origin}/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if user.is_staff:
        code = page.get_by_label("Code from your authenticator app")
        code.wait_for()
        sweep.audited.add(urlsplit(page.url).path)
        sweep.check()
        code.fill(totp_code(Authenticator.objects.get(user=user, confirmed=False)))
        page.get_by_role("button", name="Confirm and continue").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)
    return sweep


def _report(problems: list[Problem]) -> str:
    """Group the problems by what is wrong, each followed by where (role and page)."""
    by_what: dict[str, list[str]] = {}
    for problem in problems:
        by_what.setdefault(problem.what, []).append(f"{problem.role:<13} {problem.url}")
    return "\n".join(
        f"{what}\n" + "\n".join(f"    {where}" for where in sorted(set(places)))
        for what, places in sorted(by_what.items())
    )


def test_every_page_is_accessible_with_no_console_error_and_no_missing_asset(
    live_server, browser, client_user, client_admin, thredd_engineer, requests_in_every_status
):
    problems: list[Problem] = []
    audited = 0
    roles = [("client", client_user), ("client admin", client_admin), ("engineer", thredd_engineer)]
    for role, user in roles:
        context = browser.new_context()
        try:
            sweep = _signed_in(context.new_page(), live_server.url, role, user)
            sweep.crawl()
            sweep.walk_url_map(url_map_candidates(requests_in_every_status, user))
        finally:
            context.close()
        assert len(sweep.audited) > 20, f"{role} saw only {sorted(sweep.audited)}"
        problems += sweep.problems
        audited += len(sweep.audited)
    assert not problems, f"{len(problems)} problems on {audited} pages:\n{_report(problems)}"
