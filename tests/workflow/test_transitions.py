"""Every allowed transition, and a sample of refused ones that must change nothing."""

from datetime import UTC

import pytest

from connectivity.choices import RequestStatus
from connectivity.models import ConnectivityRequest, OutboundEmail, RequestEvent
from connectivity.services import workflow
from connectivity.services.workflow import SubmissionBlocked, TransitionError
from tests.documents import CONTACT_EMAIL, request_document
from tests.factories import request_create

S = RequestStatus

# (service, extra arguments, actor fixture, from status, to status)
ALLOWED = [
    ("submit", {}, "client_user", S.DRAFT, S.SUBMITTED),
    ("submit", {}, "client_user", S.CHANGES_REQUESTED, S.SUBMITTED),
    ("withdraw", {}, "client_user", S.DRAFT, S.WITHDRAWN),
    ("withdraw", {}, "client_user", S.SUBMITTED, S.WITHDRAWN),
    ("withdraw", {}, "client_user", S.IN_REVIEW, S.WITHDRAWN),
    ("withdraw", {}, "client_user", S.CHANGES_REQUESTED, S.WITHDRAWN),
    ("start_review", {}, "thredd_engineer", S.SUBMITTED, S.IN_REVIEW),
    (
        "ask_for_changes",
        {"comment": "Use a /24 for EHI."},
        "thredd_engineer",
        S.IN_REVIEW,
        S.CHANGES_REQUESTED,
    ),
    ("approve", {}, "thredd_engineer", S.IN_REVIEW, S.APPROVED),
    (
        "reject",
        {"comment": "Duplicate of an active request."},
        "thredd_engineer",
        S.IN_REVIEW,
        S.REJECTED,
    ),
    ("activate", {}, "thredd_engineer", S.APPROVED, S.ACTIVE),
    ("retire", {"comment": "The data centre closes."}, "thredd_engineer", S.APPROVED, S.WITHDRAWN),
    ("retire", {"comment": "The data centre closes."}, "thredd_engineer", S.ACTIVE, S.WITHDRAWN),
]


@pytest.mark.parametrize(
    ("service", "arguments", "actor_fixture", "source", "target"),
    ALLOWED,
    ids=[f"{service}-{source}" for service, _, _, source, _ in ALLOWED],
)
def test_allowed_transition_changes_status_and_records_one_event(
    request, make_request, service, arguments, actor_fixture, source, target
):
    actor = request.getfixturevalue(actor_fixture)
    connectivity_request = make_request(source)

    moved = workflow.request_transition(
        service, request=connectivity_request, actor=actor, **arguments
    )

    connectivity_request.refresh_from_db()
    assert moved.status == connectivity_request.status == target
    (event,) = RequestEvent.objects.filter(request=connectivity_request)
    assert (event.actor, event.from_status, event.to_status) == (actor, source, target)
    if service == "activate":  # it records what telemetry showed of each tunnel
        assert event.comment.startswith("Tunnels when marked active:\nVPN 1 at London DC1:")
    else:
        assert event.comment == next(iter(arguments.values()), "")
    assert event.created_at.tzinfo is not None
    assert event.created_at.astimezone(UTC).utcoffset().total_seconds() == 0
    assert OutboundEmail.objects.filter(event=event).exists()


def test_every_transition_of_the_table_is_tested():
    tested = {(source, target) for _, _, _, source, target in ALLOWED}
    table = {
        (source, transition.target)
        for name, transition in workflow.TRANSITIONS.items()
        if name != "start_amendment"
        for source in transition.sources
    }
    assert table == tested


def _refused(connectivity_request, call, message_part):
    """Assert that `call` raises TransitionError and leaves everything as it was."""
    before = ConnectivityRequest.objects.get(pk=connectivity_request.pk)
    with pytest.raises(TransitionError) as excinfo:
        call()
    after = ConnectivityRequest.objects.get(pk=connectivity_request.pk)
    assert message_part in str(excinfo.value)
    assert (after.status, after.assigned_to_id, after.updated_at) == (
        before.status,
        before.assigned_to_id,
        before.updated_at,
    )
    assert not RequestEvent.objects.filter(request=connectivity_request).exists()
    assert not OutboundEmail.objects.filter(request=connectivity_request).exists()
    return excinfo.value


@pytest.mark.parametrize(
    ("service", "arguments", "source", "message_part"),
    [
        ("approve", {}, S.DRAFT, "it is Draft, not In review"),
        ("approve", {}, S.APPROVED, "it is Approved, not In review"),
        ("start_review", {}, S.DRAFT, "not Submitted"),
        ("reject", {"comment": "No."}, S.SUBMITTED, "not In review"),
        ("activate", {}, S.IN_REVIEW, "not Approved"),
        ("ask_for_changes", {"comment": "x"}, S.REJECTED, "it is Rejected"),
    ],
)
def test_engineer_is_refused_from_the_wrong_status(
    make_request, thredd_engineer, service, arguments, source, message_part
):
    connectivity_request = make_request(source)
    _refused(
        connectivity_request,
        lambda: workflow.request_transition(
            service, request=connectivity_request, actor=thredd_engineer, **arguments
        ),
        message_part,
    )


@pytest.mark.parametrize(
    ("service", "source", "message_part"),
    [
        ("submit", S.SUBMITTED, "not Changes requested or Draft"),
        ("withdraw", S.APPROVED, "it is Approved"),
        ("withdraw", S.ACTIVE, "it is Active"),
        ("withdraw", S.WITHDRAWN, "it is Withdrawn"),
    ],
)
def test_client_is_refused_from_the_wrong_status(
    make_request, client_user, service, source, message_part
):
    connectivity_request = make_request(source)
    _refused(
        connectivity_request,
        lambda: workflow.request_transition(
            service, request=connectivity_request, actor=client_user
        ),
        message_part,
    )


@pytest.mark.parametrize(
    ("service", "arguments", "source", "actor_fixture", "message_part"),
    [
        ("approve", {}, S.IN_REVIEW, "client_user", "only Thredd engineers"),
        ("approve", {}, S.IN_REVIEW, "staff_of_no_role", "only Thredd engineers"),
        ("approve", {}, S.IN_REVIEW, "other_client_user", "only Thredd engineers"),
        (
            "reject",
            {"comment": "No."},
            S.IN_REVIEW,
            "staff_of_no_role",
            "only Thredd engineers",
        ),
        ("start_review", {}, S.SUBMITTED, "client_user", "only Thredd engineers"),
        ("activate", {}, S.APPROVED, "client_user", "only Thredd engineers"),
        (
            "submit",
            {},
            S.DRAFT,
            "other_client_user",
            "only the requesting organisation's users",
        ),
        (
            "withdraw",
            {},
            S.SUBMITTED,
            "other_client_user",
            "only the requesting organisation's users",
        ),
        (
            "submit",
            {},
            S.DRAFT,
            "thredd_engineer",
            "only the requesting organisation's users",
        ),
        (
            "withdraw",
            {},
            S.IN_REVIEW,
            "staff_of_no_role",
            "only the requesting organisation's users",
        ),
    ],
)
def test_wrong_actor_is_refused(
    request, make_request, service, arguments, source, actor_fixture, message_part
):
    actor = request.getfixturevalue(actor_fixture)
    connectivity_request = make_request(source)
    _refused(
        connectivity_request,
        lambda: workflow.request_transition(
            service, request=connectivity_request, actor=actor, **arguments
        ),
        message_part,
    )


def test_inactive_client_user_is_refused(make_request, client_user):
    client_user.is_active = False
    client_user.save()
    connectivity_request = make_request(S.DRAFT)
    _refused(
        connectivity_request,
        lambda: workflow.request_transition(
            "submit", request=connectivity_request, actor=client_user
        ),
        "only the requesting organisation's users",
    )


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_asking_for_changes_needs_a_comment(make_request, thredd_engineer, comment):
    connectivity_request = make_request(S.IN_REVIEW)
    _refused(
        connectivity_request,
        lambda: workflow.request_transition(
            "ask_for_changes", request=connectivity_request, actor=thredd_engineer, comment=comment
        ),
        "Say what the client needs to change.",
    )


def test_rejecting_needs_a_reason(make_request, thredd_engineer):
    connectivity_request = make_request(S.IN_REVIEW)
    _refused(
        connectivity_request,
        lambda: workflow.request_transition(
            "reject", request=connectivity_request, actor=thredd_engineer, comment=""
        ),
        "Give the reason for rejecting the request.",
    )


def test_submit_is_blocked_while_the_rules_report_an_error(make_request, client_user):
    connectivity_request = make_request(S.DRAFT, contacts=[])
    error = _refused(
        connectivity_request,
        lambda: workflow.request_transition(
            "submit", request=connectivity_request, actor=client_user
        ),
        "fix the errors in your answers first",
    )
    assert isinstance(error, SubmissionBlocked)
    assert "contact_required" in [finding.code for finding in error.findings]


def test_submit_is_not_blocked_by_warnings(make_request, client_user):
    sites = request_document()["sites"]
    sites[0]["subnets"][0]["cidr"] = "10.20.30.0/23"  # "Thredd recommends /24": a warning
    connectivity_request = make_request(S.DRAFT, sites=sites)
    submitted = workflow.request_transition(
        "submit", request=connectivity_request, actor=client_user
    )
    assert submitted.status == S.SUBMITTED


def test_start_review_assigns_the_engineer(make_request, thredd_engineer):
    connectivity_request = make_request(S.SUBMITTED)
    reviewed = workflow.request_transition(
        "start_review", request=connectivity_request, actor=thredd_engineer
    )
    assert reviewed.assigned_to == thredd_engineer


def test_start_review_may_assign_another_engineer(make_request, thredd_engineer, django_user_model):
    colleague = django_user_model.objects.create_user("ida@thredd.example", is_staff=True)
    colleague.user_permissions.add(*thredd_engineer.user_permissions.all())
    connectivity_request = make_request(S.SUBMITTED)
    reviewed = workflow.request_transition(
        "start_review", request=connectivity_request, actor=thredd_engineer, assignee=colleague
    )
    assert reviewed.assigned_to == colleague
    assert RequestEvent.objects.get(request=connectivity_request).actor == thredd_engineer


def test_start_review_refuses_an_assignee_who_is_not_an_engineer(
    make_request, thredd_engineer, staff_of_no_role
):
    connectivity_request = make_request(S.SUBMITTED)
    _refused(
        connectivity_request,
        lambda: workflow.request_transition(
            "start_review",
            request=connectivity_request,
            actor=thredd_engineer,
            assignee=staff_of_no_role,
        ),
        "is not a Thredd engineer",
    )


def test_transitions_available_follow_the_table(
    make_request, client_user, other_client_user, thredd_engineer, staff_of_no_role
):
    in_review = make_request(S.IN_REVIEW)
    assert workflow.transitions_available(request=in_review, user=client_user) == ["withdraw"]
    assert workflow.transitions_available(request=in_review, user=thredd_engineer) == [
        "ask_for_changes",
        "approve",
        "reject",
    ]
    assert workflow.transitions_available(request=in_review, user=other_client_user) == []
    assert workflow.transitions_available(request=in_review, user=staff_of_no_role) == []
    active = make_request(S.ACTIVE)
    assert workflow.transitions_available(request=active, user=client_user) == ["start_amendment"]


class TestAmendment:
    def test_start_copies_the_answers_into_a_new_draft(self, make_request, client_user):
        active = make_request(S.ACTIVE)

        draft = workflow.request_transition("start_amendment", request=active, actor=client_user)

        assert draft.pk != active.pk
        assert (draft.status, draft.amends, draft.created_by) == (S.DRAFT, active, client_user)
        assert [str(s.network) for s in draft.sites.get().subnets.all()] == ["10.20.30.0/24"]
        assert list(draft.contacts.values_list("email", flat=True)) == [CONTACT_EMAIL]
        (event,) = draft.events.all()
        assert (event.from_status, event.to_status) == ("", S.DRAFT)
        assert event.comment == f"Amendment of {active.reference}."
        active.refresh_from_db()
        assert (active.status, active.superseded_at) == (S.ACTIVE, None)
        assert not active.events.exists()

    def test_only_an_active_request_can_be_amended(self, make_request, client_user):
        approved = make_request(S.APPROVED)
        _refused(
            approved,
            lambda: workflow.request_transition(
                "start_amendment", request=approved, actor=client_user
            ),
            "it is Approved, not Active",
        )
        assert not ConnectivityRequest.objects.filter(amends=approved).exists()

    def test_another_organisation_cannot_amend(self, make_request, other_client_user):
        active = make_request(S.ACTIVE)
        with pytest.raises(TransitionError, match="only the requesting organisation's users"):
            workflow.request_transition("start_amendment", request=active, actor=other_client_user)
        assert not ConnectivityRequest.objects.filter(amends=active).exists()

    def test_one_amendment_at_a_time(self, make_request, client_user):
        active = make_request(S.ACTIVE)
        first = workflow.request_transition("start_amendment", request=active, actor=client_user)
        with pytest.raises(TransitionError, match=f"amendment in progress: {first.reference}"):
            workflow.request_transition("start_amendment", request=active, actor=client_user)
        workflow.request_transition("withdraw", request=first, actor=client_user)
        second = workflow.request_transition("start_amendment", request=active, actor=client_user)
        assert ConnectivityRequest.objects.filter(amends=active).count() == 2
        assert second.status == S.DRAFT

    def test_activating_an_amendment_supersedes_the_amended_revision(
        self, make_request, organisation, client_user, thredd_engineer
    ):
        original = make_request(S.ACTIVE)
        amendment = request_create(
            organisation=organisation,
            created_by=client_user,
            status=S.APPROVED,
            amends=original,
        )

        activated = workflow.request_transition(
            "activate", request=amendment, actor=thredd_engineer
        )

        original.refresh_from_db()
        assert activated.status == S.ACTIVE
        assert original.status == S.ACTIVE
        assert original.superseded_at is not None
        (event,) = original.events.all()
        assert (event.from_status, event.to_status, event.actor) == (
            S.ACTIVE,
            S.ACTIVE,
            thredd_engineer,
        )
        assert event.comment == f"Superseded by {amendment.reference}."
        # Only the amendment's own change is mailed; the superseded revision's event is not.
        assert not OutboundEmail.objects.filter(request=original).exists()
        with pytest.raises(TransitionError, match="has been superseded"):
            workflow.request_transition("start_amendment", request=original, actor=client_user)


def test_event_records_the_comment_stripped(make_request, thredd_engineer):
    connectivity_request = make_request(S.IN_REVIEW)
    workflow.request_transition(
        "reject",
        request=connectivity_request,
        actor=thredd_engineer,
        comment="  Not a Thredd client.\n",
    )
    assert RequestEvent.objects.get(request=connectivity_request).comment == (
        "Not a Thredd client."
    )
