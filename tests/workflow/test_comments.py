"""The comment thread, internal notes kept from clients, and the timeline partial."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from connectivity.choices import RequestStatus
from connectivity.models import Comment, OutboundEmail
from connectivity.services import workflow
from tests.conftest import verified_staff_login

S = RequestStatus
NOTE = "Their EHI range clashes with a test allocation; ask Dev first."


@pytest.fixture
def connectivity_request(make_request):
    return make_request(S.IN_REVIEW)


def _post(client, connectivity_request, **data):
    url = reverse("comment-add", kwargs={"reference": connectivity_request.reference})
    return client.post(url, data)


class TestCommentAdd:
    def test_client_comments_and_goes_back(self, client, client_user, connectivity_request):
        client.force_login(client_user)
        back = f"/requests/{connectivity_request.reference}/?tab=comments"

        response = _post(client, connectivity_request, body=" Is /23 acceptable? ", next=back)

        assert response.status_code == 302
        assert response["Location"] == back
        comment = Comment.objects.get()
        assert (comment.author, comment.body, comment.internal) == (
            client_user,
            "Is /23 acceptable?",
            False,
        )
        # The other side is told (tests/workflow/test_mail_gaps.py); nobody is assigned yet.
        assert list(OutboundEmail.objects.values_list("recipient", flat=True)) == [
            settings.THREDD_TEAM_EMAIL
        ]

    def test_client_cannot_post_an_internal_note(self, client, client_user, connectivity_request):
        client.force_login(client_user)
        response = _post(client, connectivity_request, body="psst", internal="on")
        assert response.status_code == 403
        assert not Comment.objects.exists()

    def test_engineer_posts_an_internal_note(self, client, thredd_engineer, connectivity_request):
        verified_staff_login(client, thredd_engineer)
        response = _post(client, connectivity_request, body=NOTE, internal="on")
        assert response.status_code == 302
        assert Comment.objects.get().internal is True

    def test_staff_of_no_role_cannot_comment(self, client, staff_of_no_role, connectivity_request):
        verified_staff_login(client, staff_of_no_role)
        # Without the engineer's role no request is theirs to see: not found.
        assert _post(client, connectivity_request, body="hello").status_code == 404
        assert not Comment.objects.exists()

    def test_another_organisation_gets_404(self, client, other_client_user, connectivity_request):
        client.force_login(other_client_user)
        assert _post(client, connectivity_request, body="hello").status_code == 404
        assert not Comment.objects.exists()

    def test_signed_out_visitor_is_sent_to_sign_in(self, client, connectivity_request):
        response = _post(client, connectivity_request, body="hello")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert not Comment.objects.exists()

    def test_get_is_not_allowed(self, client, client_user, connectivity_request):
        client.force_login(client_user)
        url = reverse("comment-add", kwargs={"reference": connectivity_request.reference})
        assert client.get(url).status_code == 405

    def test_csrf_token_is_required(self, client_user, connectivity_request):
        client = Client(enforce_csrf_checks=True)
        client.force_login(client_user)
        assert _post(client, connectivity_request, body="hello").status_code == 403
        assert not Comment.objects.exists()

    @pytest.mark.parametrize(
        "next_url", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)"]
    )
    def test_unsafe_next_goes_to_the_request_page(
        self, client, client_user, connectivity_request, next_url
    ):
        client.force_login(client_user)
        response = _post(client, connectivity_request, body="hello", next=next_url)
        assert response["Location"] == f"/requests/{connectivity_request.reference}/"

    def test_empty_comment_is_refused_with_a_message(
        self, client, client_user, connectivity_request
    ):
        client.force_login(client_user)
        response = _post(client, connectivity_request, body="   ", next="/requests/")
        assert response.status_code == 302
        assert not Comment.objects.exists()
        messages = [str(m) for m in response.wsgi_request._messages]
        assert messages == ["Enter a comment."]


def test_comment_create_refuses_another_organisation(connectivity_request, other_client_user):
    with pytest.raises(PermissionDenied):
        workflow.comment_create(
            request=connectivity_request, author=other_client_user, body="hello"
        )
    assert not Comment.objects.exists()


def _render(template, user, **context):
    http_request = RequestFactory().get("/requests/")
    http_request.user = user
    return render_to_string(template, {"user": user, **context}, request=http_request)


class TestPartials:
    @pytest.fixture
    def thread(self, connectivity_request, client_user, thredd_engineer):
        workflow.comment_create(
            request=connectivity_request, author=client_user, body="Is /23 acceptable?"
        )
        workflow.comment_create(
            request=connectivity_request, author=thredd_engineer, body=NOTE, internal=True
        )
        return connectivity_request.comments.select_related("author")

    def test_client_sees_the_thread_but_never_internal_notes(
        self, thread, connectivity_request, client_user
    ):
        html = _render(
            "connectivity/includes/comments.html",
            client_user,
            comments=thread,
            show_internal=False,
            reference=connectivity_request.reference,
        )
        assert "Is /23 acceptable?" in html
        assert "clashes with a test allocation" not in html
        assert "Internal note" not in html
        assert 'name="internal"' not in html
        assert f'action="/requests/{connectivity_request.reference}/comments/"' in html

    def test_staff_see_internal_notes_apart(self, thread, connectivity_request, thredd_engineer):
        html = _render(
            "connectivity/includes/comments.html",
            thredd_engineer,
            comments=thread,
            show_internal=True,
            reference=connectivity_request.reference,
        )
        thread_part, notes_part = html.split('data-testid="internal-notes"')
        assert "Is /23 acceptable?" in thread_part
        assert "clashes with a test allocation" not in thread_part
        assert "clashes with a test allocation" in notes_part
        assert 'name="internal"' in html

    def test_timeline_shows_each_change_and_names_staff_as_thredd_to_clients(
        self, make_request, client_user, thredd_engineer
    ):
        connectivity_request = make_request(S.SUBMITTED)
        workflow.request_transition(
            "start_review", request=connectivity_request, actor=thredd_engineer
        )
        workflow.request_transition(
            "ask_for_changes",
            request=connectivity_request,
            actor=thredd_engineer,
            comment="Use a /24 for EHI.",
        )
        events = connectivity_request.events.select_related("actor")

        client_view = _render("connectivity/includes/timeline.html", client_user, events=events)
        staff_view = _render("connectivity/includes/timeline.html", thredd_engineer, events=events)

        assert client_view.count('data-testid="timeline-event"') == 2
        assert client_view.index("In review") < client_view.index("Changes requested")
        assert "Use a /24 for EHI." in client_view
        assert "Thredd" in client_view
        assert thredd_engineer.email not in client_view
        assert thredd_engineer.email in staff_view
