"""Hostile values in every client form and in `validate_request`: refused or escaped, never a 500.

Hypothesis puts one hostile value (very long, control characters, Unicode, newlines,
template and format syntax, SQL and HTML fragments) into one field of an otherwise valid
POST of each question page of a draft. The page answers below 500; when the value was
saved, every page that shows it shows it escaped, and the configuration file generated
from such a draft never carries the raw markup.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectivity.choices import ConnectionType, Environment, Service
from connectivity.services import drafts
from tests.client.test_forms import contacts_post, site_post
from tests.documents import valid_vpn_document
from tests.models.test_validate_request import _validate

FRAGMENTS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "{{7*7}}",
    "%s%s%n%x",
    "' OR 1=1; DROP TABLE connectivity_site; --",
    "\x00",
    "\r\nBcc: attacker@evil.example",
    "line one\nline two",
    "\u202eevil\u200b",
    "Zażółć gęślą jaźń 🔐",
]
HOSTILE = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(min_size=1, max_size=40),  # any Unicode, control characters included
    st.text(alphabet=st.characters(codec="utf-8"), min_size=3000, max_size=12000),
    st.lists(st.sampled_from(FRAGMENTS), min_size=2, max_size=4).map("".join),
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RAW_MARKUP = ("<script>", "<img src=x")


def _draft(user, connection_type=ConnectionType.IPSEC_VPN):
    draft = drafts.draft_create(
        organisation=user.organisation,
        actor=user,
        environment=Environment.UAT,
        connection_type=connection_type,
        services=list(Service.values),
    )
    if connection_type != ConnectionType.MTLS:
        drafts.site_add(request=draft, name="London DC1")
    return draft


def _pages(draft) -> dict[str, tuple[str, dict]]:
    """Return every client form of a draft: its URL and a valid POST."""
    reference = draft.reference
    pages = {
        "start": (
            reverse("request-start"),
            {
                "environment": "uat",
                "connection_type": "ipsec_vpn",
                "services": ["web_services", "ehi"],
            },
        ),
        "services": (reverse("request-services", args=[reference]), {"services": ["ehi"]}),
        "contacts": (reverse("request-contacts", args=[reference]), contacts_post()),
        "site add": (reverse("site-add", args=[reference]), {"name": "Manchester DC2"}),
        "withdraw": (reverse("request-withdraw", args=[reference]), {"comment": "no"}),
    }
    site = draft.sites.first()
    if site is not None:
        pages["site"] = (reverse("site-edit", args=[reference, site.pk]), site_post(site))
    return pages


def _assert_shown_escaped(client, draft) -> None:
    for url in (
        reverse("request-tasks", args=[draft.reference]),
        reverse("request-check", args=[draft.reference]),
        reverse("request-detail", args=[draft.reference]),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        for markup in RAW_MARKUP:
            assert markup not in html, url


@pytest.mark.parametrize("page", ["start", "services", "contacts", "site add", "site", "withdraw"])
def test_hostile_values_in_a_client_form_are_refused_or_escaped(client, client_user, page):
    client.force_login(client_user)
    draft = _draft(client_user)
    url, valid = _pages(draft)[page]

    @FUZZ
    @given(field=st.sampled_from(sorted(valid)), value=HOSTILE, later=st.booleans())
    def post(field, value, later):
        data = valid | {field: value}
        if later and page == "site":
            data = (data | {"later": "1"}) if "continue" in data else data
        response = client.post(url, data)
        assert response.status_code < 500
        if response.status_code == 200:  # refused: the page again, with what was typed
            html = response.content.decode()
            for markup in RAW_MARKUP:
                assert markup not in html
        else:
            _assert_shown_escaped(client, draft)

    post()


def test_hostile_values_in_the_mtls_form_are_refused_or_escaped(client, client_user):
    client.force_login(client_user)
    draft = _draft(client_user, ConnectionType.MTLS)
    url = reverse("request-mtls", args=[draft.reference])

    @FUZZ
    @given(
        field=st.sampled_from(["csr_pem", "ehi_endpoint_url"]),
        value=HOSTILE,
    )
    def post(field, value):
        response = client.post(url, {field: value, "continue": "1"})
        assert response.status_code < 500
        if response.status_code != 200:
            _assert_shown_escaped(client, draft)

    post()


# Where a client's own words go in the request document.
TEXT_PLACES = [
    ("environment",),
    ("connection_type",),
    ("services", 0),
    ("contacts", 0, "name"),
    ("contacts", 0, "email"),
    ("contacts", 0, "phone"),
    ("sites", 0, "name"),
    ("sites", 0, "routing"),
    ("sites", 0, "subnets", 0, "cidr"),
    ("sites", 0, "subnets", 0, "purpose"),
    ("sites", 0, "vpns", 0, "peer_ip"),
    ("sites", 0, "vpns", 0, "device", "vendor"),
    ("sites", 0, "vpns", 0, "device", "platform"),
    ("sites", 0, "vpns", 0, "device", "software"),
    ("sites", 0, "vpns", 0, "tunnels", 0, "psk"),
    ("sites", 0, "vpns", 0, "tunnels", 0, "inside_cidr"),
]


@pytest.mark.django_db
def test_validate_request_judges_hostile_strings_without_a_traceback(tmp_path):
    @FUZZ
    @given(place=st.sampled_from(TEXT_PLACES), value=HOSTILE)
    def judge(place, value):
        document = valid_vpn_document()
        document["sites"][0]["vpns"][0]["tunnels"] = [
            {"inside_cidr": "169.254.10.0/30", "psk": "client.chosen_1"}
        ]
        *path, last = place
        target = document
        for key in path:
            target = target[key]
        target[last] = value
        status, findings = _validate(tmp_path, document)
        assert status in (0, 1)
        assert all(set(finding) == {"severity", "code", "field", "message"} for finding in findings)

    judge()
