"""The state machine of a connectivity request: the only code that assigns its status.

`TRANSITIONS` says, for every move, where it may start, where it ends and who may make it:
the client organisation's users or Thredd engineers (staff holding the
`connectivity.review_connectivityrequest` permission). Each service below locks the request
row, checks the move against the table, records a `RequestEvent` and writes the outbox rows
of its notifications in the same transaction; delivery is queued only after commit. A
second, concurrent move of the same request waits for the lock, then finds the status
changed and is refused with a `TransitionError`.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from connectivity import artifacts, notifications
from connectivity.audit import audit_record
from connectivity.availability import allocations_reserve
from connectivity.choices import RequestStatus, Routing
from connectivity.document import document_load, request_to_document
from connectivity.findings import Finding, has_errors
from connectivity.models import (
    AuditAction,
    Comment,
    ConnectivityRequest,
    RequestEvent,
    Subnet,
    User,
)
from connectivity.review import request_findings
from connectivity.tasks import artifact_render_task, email_send

REVIEW_PERMISSION = "connectivity.review_connectivityrequest"

# Statuses in which Thredd has not decided yet, so the client may still withdraw.
OPEN_STATUSES = frozenset(
    {
        RequestStatus.DRAFT,
        RequestStatus.SUBMITTED,
        RequestStatus.IN_REVIEW,
        RequestStatus.CHANGES_REQUESTED,
    }
)
# Statuses after which a request moves no more.
FINAL_STATUSES = frozenset({RequestStatus.REJECTED, RequestStatus.WITHDRAWN})


class TransitionError(Exception):
    """Say why a request cannot make the move asked for; nothing has changed."""


class SubmissionBlocked(TransitionError):
    """Say that the answers still have errors; `findings` lists every finding."""

    def __init__(self, message: str, findings: list[Finding]) -> None:
        super().__init__(message)
        self.findings = findings


class Role(enum.Enum):
    """Who may make a move: the requesting organisation's users or Thredd's engineers."""

    CLIENT = "client"
    ENGINEER = "engineer"


@dataclass(frozen=True, slots=True)
class Transition:
    """One move of the state machine.

    `action` completes "You cannot …" with the request's reference; `comment_required`, when
    set, is the message for a missing comment; `precondition` checks what the status cannot
    say (the answers, other revisions) and raises TransitionError.
    """

    action: str
    sources: frozenset[RequestStatus]
    target: RequestStatus
    role: Role
    comment_required: str = ""
    precondition: Callable[[ConnectivityRequest], None] | None = None


def is_engineer(user: User) -> bool:
    """Say whether `user` is a Thredd engineer: active staff with the review permission."""
    return user.is_active and user.is_staff and user.has_perm(REVIEW_PERMISSION)


def _is_member(user: User, request: ConnectivityRequest) -> bool:
    """Say whether `user` acts for the organisation that made `request`."""
    return user.is_active and user.is_client and user.organisation_id == request.organisation_id


def _check_answers(request: ConnectivityRequest) -> None:
    """Refuse to submit while the rules report an error in the answers (DESIGN §2.2)."""
    findings = request_findings(request)
    if has_errors(findings):
        raise SubmissionBlocked(
            f"You cannot submit {request.reference} yet: fix the errors in your answers first.",
            findings,
        )


def _check_amendable(request: ConnectivityRequest) -> None:
    """Refuse a second amendment while one is open, and amendments of a superseded revision."""
    if request.superseded_at is not None:
        raise TransitionError(
            f"{request.reference} has been superseded: amend its newest active revision."
        )
    open_amendment = (
        request.amendments.exclude(status__in=[*FINAL_STATUSES, RequestStatus.ACTIVE])
        .order_by("created_at")
        .first()
    )
    if open_amendment is not None:
        raise TransitionError(
            f"{request.reference} already has an amendment in progress: "
            f"{open_amendment.reference}. Continue or withdraw that one."
        )


def _check_subnets_confirmed(request: ConnectivityRequest) -> None:
    """Refuse approval until an engineer has confirmed every subnet as it stands now."""
    unconfirmed = [
        str(subnet.network)
        for subnet in Subnet.objects.filter(site__request=request).select_related("confirmation")
        if not hasattr(subnet, "confirmation") or not subnet.confirmation.is_current
    ]
    if unconfirmed:
        raise TransitionError(
            f"Confirm that each subnet is available before approving: {', '.join(unconfirmed)} "
            "not confirmed (or changed since)."
        )


SUBMIT = Transition(
    action="submit {reference}",
    sources=frozenset({RequestStatus.DRAFT, RequestStatus.CHANGES_REQUESTED}),
    target=RequestStatus.SUBMITTED,
    role=Role.CLIENT,
    precondition=_check_answers,
)
WITHDRAW = Transition(
    action="withdraw {reference}",
    sources=OPEN_STATUSES,
    target=RequestStatus.WITHDRAWN,
    role=Role.CLIENT,
)
START_AMENDMENT = Transition(
    action="amend {reference}",
    sources=frozenset({RequestStatus.ACTIVE}),
    # The amended request keeps its status: the new revision starts as a draft.
    target=RequestStatus.DRAFT,
    role=Role.CLIENT,
    precondition=_check_amendable,
)
START_REVIEW = Transition(
    action="start the review of {reference}",
    sources=frozenset({RequestStatus.SUBMITTED}),
    target=RequestStatus.IN_REVIEW,
    role=Role.ENGINEER,
)
ASK_FOR_CHANGES = Transition(
    action="ask for changes to {reference}",
    sources=frozenset({RequestStatus.IN_REVIEW}),
    target=RequestStatus.CHANGES_REQUESTED,
    role=Role.ENGINEER,
    comment_required="Say what the client needs to change.",
)
APPROVE = Transition(
    action="approve {reference}",
    sources=frozenset({RequestStatus.IN_REVIEW}),
    target=RequestStatus.APPROVED,
    role=Role.ENGINEER,
    precondition=_check_subnets_confirmed,
)
REJECT = Transition(
    action="reject {reference}",
    sources=frozenset({RequestStatus.IN_REVIEW}),
    target=RequestStatus.REJECTED,
    role=Role.ENGINEER,
    comment_required="Give the reason for rejecting the request.",
)
ACTIVATE = Transition(
    action="mark {reference} as active",
    sources=frozenset({RequestStatus.APPROVED}),
    target=RequestStatus.ACTIVE,
    role=Role.ENGINEER,
)

TRANSITIONS = {
    "submit": SUBMIT,
    "withdraw": WITHDRAW,
    "start_amendment": START_AMENDMENT,
    "start_review": START_REVIEW,
    "ask_for_changes": ASK_FOR_CHANGES,
    "approve": APPROVE,
    "reject": REJECT,
    "activate": ACTIVATE,
}


def transitions_available(*, request: ConnectivityRequest, user: User) -> list[str]:
    """Return the names of the moves `user` may offer on `request` now, for buttons.

    Preconditions are left to the services: a draft with errors still offers "submit",
    and submitting it shows the errors.
    """
    return [
        name
        for name, transition in TRANSITIONS.items()
        if request.status in transition.sources and _may_make(transition, user, request)
    ]


def _may_make(transition: Transition, user: User, request: ConnectivityRequest) -> bool:
    if transition.role is Role.CLIENT:
        return _is_member(user, request)
    return is_engineer(user)


def _check(
    transition: Transition, *, request: ConnectivityRequest, actor: User, comment: str = ""
) -> None:
    """Raise TransitionError unless `actor` may make `transition` on the locked `request`."""
    action = transition.action.format(reference=request.reference)
    if not _may_make(transition, actor, request):
        who = (
            "the requesting organisation's users"
            if transition.role is Role.CLIENT
            else "Thredd engineers"
        )
        raise TransitionError(f"You cannot {action}: only {who} can.")
    if request.status not in transition.sources:
        expected = " or ".join(sorted(RequestStatus(status).label for status in transition.sources))
        raise TransitionError(
            f"You cannot {action}: it is {request.get_status_display()}, not {expected}."
        )
    if transition.comment_required and not comment.strip():
        raise TransitionError(
            f"You cannot {action} without a comment. {transition.comment_required}"
        )
    if transition.precondition is not None:
        transition.precondition(request)


def _locked(request: ConnectivityRequest) -> ConnectivityRequest:
    """Return a fresh copy of `request` whose row this transaction holds locked."""
    return ConnectivityRequest.objects.select_for_update().get(pk=request.pk)


def _transition(
    transition: Transition,
    *,
    request: ConnectivityRequest,
    actor: User,
    comment: str = "",
    assigned_to: User | None = None,
) -> ConnectivityRequest:
    """Make `transition` on `request` for `actor`: lock, check, record, notify after commit.

    Call it inside the service's transaction, which it shares: whatever else the service
    writes commits or rolls back with the status, the event and the outbox rows.
    """
    locked = _locked(request)
    _check(transition, request=locked, actor=actor, comment=comment)
    if assigned_to is not None and not is_engineer(assigned_to):
        raise TransitionError(f"{assigned_to} is not a Thredd engineer: assign someone who is.")
    event = RequestEvent.objects.create(
        request=locked,
        actor=actor,
        from_status=locked.status,
        to_status=transition.target,
        comment=comment.strip(),
    )
    changed = [
        "status",
        "updated_at",
        *locked.track_waiting(target=transition.target, at=event.created_at),
    ]
    locked.status = transition.target
    if assigned_to is not None:
        locked.assigned_to = assigned_to
        changed.append("assigned_to")
    locked.save(update_fields=changed)
    audit_record(action=AuditAction.TRANSITION, actor=actor, obj=locked, detail=str(event))
    for email in notifications.outbox_emails_create(event=event):
        # robust: a broker that is down must not undo a committed change; the sweep
        # delivers the email later.
        transaction.on_commit(partial(email_send.delay, email.pk), robust=True)
    return locked


@transaction.atomic
def request_submit(*, request: ConnectivityRequest, actor: User) -> ConnectivityRequest:
    """Send a draft, or a request returned for changes, to Thredd for review.

    Raises SubmissionBlocked, carrying the findings, while the answers have an error.
    """
    return _transition(SUBMIT, request=request, actor=actor)


@transaction.atomic
def request_withdraw(
    *, request: ConnectivityRequest, actor: User, comment: str = ""
) -> ConnectivityRequest:
    """Withdraw a request Thredd has not decided on yet, at the client's wish."""
    return _transition(WITHDRAW, request=request, actor=actor, comment=comment)


@transaction.atomic
def request_start_review(
    *, request: ConnectivityRequest, actor: User, assignee: User | None = None
) -> ConnectivityRequest:
    """Take a submitted request into review, assigned to `assignee` (by default the actor)."""
    return _transition(START_REVIEW, request=request, actor=actor, assigned_to=assignee or actor)


@transaction.atomic
def request_ask_for_changes(
    *, request: ConnectivityRequest, actor: User, comment: str
) -> ConnectivityRequest:
    """Return a request in review to the client, saying in `comment` what must change."""
    return _transition(ASK_FOR_CHANGES, request=request, actor=actor, comment=comment)


@transaction.atomic
def request_approve(
    *, request: ConnectivityRequest, actor: User, comment: str = ""
) -> ConnectivityRequest:
    """Approve a request in review: allocate its subnets and queue its configuration files.

    Every subnet must carry a current engineer's confirmation. The allocation re-checks
    availability under this transaction's lock, and the exclusion constraints judge last:
    a conflict raises AllocationConflict and the request stays in review, nothing written.
    In the same transaction each tunnel gets its PSK and inside /30 and each file to
    generate a pending artifact row; rendering is queued after commit. Approving a BGP site
    records, in the approval event, that Thredd agreed to BGP.
    """
    approved = _transition(
        APPROVE, request=request, actor=actor, comment=_with_bgp_agreement(request, comment)
    )
    allocations_reserve(request=approved)
    artifacts.tunnel_values_assign(request=approved)
    for artifact in artifacts.artifacts_create_pending(request=approved):
        # Like mail: a broker that is down must not undo the approval; the sweep renders it.
        transaction.on_commit(partial(artifact_render_task.delay, artifact.pk), robust=True)
    return approved


def _with_bgp_agreement(request: ConnectivityRequest, comment: str) -> str:
    """Return `comment` followed by Thredd's agreement to each BGP site of `request`."""
    agreements = [
        f"Thredd agreed to BGP routing for site {site.name} (client ASN {site.bgp_asn})."
        for site in request.sites.filter(routing=Routing.BGP)
    ]
    return "\n".join([comment.strip(), *agreements]).strip()


@transaction.atomic
def request_reject(
    *, request: ConnectivityRequest, actor: User, reason: str
) -> ConnectivityRequest:
    """Reject a request in review for the `reason` given, which the client is sent."""
    return _transition(REJECT, request=request, actor=actor, comment=reason)


@transaction.atomic
def request_activate(
    *, request: ConnectivityRequest, actor: User, comment: str = ""
) -> ConnectivityRequest:
    """Mark an approved request active: its connection is up.

    An active amendment supersedes the revision it amends, which keeps its status and
    history and gains `superseded_at` and an event saying by which revision.
    """
    activated = _transition(ACTIVATE, request=request, actor=actor, comment=comment)
    if activated.amends_id is not None:
        amended = _locked(activated.amends)
        amended.superseded_at = timezone.now()
        amended.save(update_fields=["superseded_at", "updated_at"])
        RequestEvent.objects.create(
            request=amended,
            actor=actor,
            from_status=amended.status,
            to_status=amended.status,
            comment=f"Superseded by {activated.reference}.",
        )
    return activated


@transaction.atomic
def request_start_amendment(*, request: ConnectivityRequest, actor: User) -> ConnectivityRequest:
    """Start a new draft revision of an active request, with its answers to change.

    The active request stays active until the amendment is approved and marked active.
    """
    active = _locked(request)
    _check(START_AMENDMENT, request=active, actor=actor)
    draft = document_load(
        request_to_document(active),
        organisation=active.organisation,
        created_by=actor,
        amends=active,
    )
    RequestEvent.objects.create(
        request=draft,
        actor=actor,
        to_status=draft.status,
        comment=f"Amendment of {active.reference}.",
    )
    return draft


def comment_create(
    *, request: ConnectivityRequest, author: User, body: str, internal: bool = False
) -> Comment:
    """Add a message to a request's thread, or an internal note only Thredd staff see.

    The client organisation's users and Thredd engineers may comment; only engineers may
    write internal notes.
    """
    if internal and not is_engineer(author):
        raise PermissionDenied("Only Thredd engineers can write internal notes.")
    if not (is_engineer(author) or _is_member(author, request)):
        raise PermissionDenied(f"You cannot comment on {request.reference}.")
    comment = Comment(request=request, author=author, body=body.strip(), internal=internal)
    comment.full_clean()
    comment.save()
    return comment
