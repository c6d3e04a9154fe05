"""The state machine of a connectivity request: the only code that assigns its status.

`TRANSITIONS` says, for every move, where it may start, where it ends, who may make it (the
client organisation's users or Thredd engineers, `User.is_engineer`) and what else it does.
`request_transition(name, ...)` is the one entry point: the names are the URL slugs of the
moves, the labels of their buttons and the names in tests. It locks the request row, checks
the move against the table, records a `RequestEvent`, writes the outbox rows of its
notifications and runs the move's effect (approval allocates) in the same transaction;
delivery and rendering are queued only after commit. A second, concurrent move of the same
request waits for the lock, then finds the status changed and is refused with a
`TransitionError`.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from connectivity import tasks
from connectivity.choices import FINAL_STATUSES, OPEN_STATUSES, RequestStatus, Routing, Severity
from connectivity.findings import Finding, has_errors
from connectivity.models import (
    Allocation,
    AuditAction,
    Comment,
    ConnectivityRequest,
    InsideAllocation,
    RequestEvent,
    Subnet,
    User,
)
from connectivity.selectors.findings import request_findings
from connectivity.selectors.requests import request_answers, request_to_document

from . import artifacts, aws, certificates, notifications
from .allocation import allocations_reserve, tunnel_values_assign
from .audit import audit_record
from .drafts import document_load


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


def _is_member(user: User, request: ConnectivityRequest) -> bool:
    """Say whether `user` acts for the organisation that made `request`."""
    return user.is_active and user.is_client and user.organisation_id == request.organisation_id


# Preconditions: what the status cannot say. Each raises TransitionError. ----------------


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


def approval_blockers(
    request: ConnectivityRequest,
    *,
    findings: list[Finding] | None = None,
    subnets: list[Subnet] | None = None,
) -> list[str]:
    """Say, one sentence each, what stops `request` from being approved now; none when nothing.

    The one decision behind approval: the approve move refuses with these sentences, and the
    review page shows them beside its disabled Approve button. An error in the answers
    blocks (a subnet another organisation holds is judged by its confirmation instead, since
    a taken subnet cannot be confirmed), and so does every subnet not confirmed as it stands
    now. A caller that has read them already passes the request's `findings` and its
    `subnets` (with their confirmations and sites) and saves the queries.
    """
    if findings is None:
        findings = request_findings(request)
    if subnets is None:
        subnets = list(
            Subnet.objects.filter(site__request=request)
            .select_related("confirmation", "site")
            .order_by("site__position", "position", "id")
        )
    blockers = []
    errors = [
        finding
        for finding in findings
        if finding.severity == Severity.ERROR and finding.code != "subnet_unavailable"
    ]
    if errors:
        blockers.append(
            f"Its answers have {len(errors)} error{'s' if len(errors) > 1 else ''}: "
            f"ask for changes instead. First: {errors[0].message}"
        )
    unconfirmed = [
        f"{subnet.network} at {subnet.site.name}"
        + (" (changed since it was confirmed)" if hasattr(subnet, "confirmation") else "")
        for subnet in subnets
        if not hasattr(subnet, "confirmation") or not subnet.confirmation.is_current
    ]
    if unconfirmed:
        blockers.append(
            f"{len(unconfirmed)} subnet{'s are' if len(unconfirmed) > 1 else ' is'} not yet "
            f"confirmed available: {', '.join(unconfirmed)}."
        )
    return blockers


def _check_approvable(request: ConnectivityRequest) -> None:
    """Refuse approval while anything blocks it (`approval_blockers`), saying what.

    The answers cannot change under the approval (every draft save locks the same row), so
    what is judged here is what gets approved.
    """
    blockers = approval_blockers(request)
    if blockers:
        raise TransitionError(f"You cannot approve {request.reference} yet. {' '.join(blockers)}")


# What a move does, on the locked request, once it is allowed. ----------------------------


def _move(
    transition: "Transition",
    request: ConnectivityRequest,
    *,
    actor: User,
    comment: str,
    assignee: User | None,
) -> ConnectivityRequest:
    """Give `request` the move's status: record the event, the audit entry and the mail.

    Runs in the caller's transaction, which it shares: whatever else the move writes
    commits or rolls back with the status, the event and the outbox rows.
    """
    event = RequestEvent.objects.create(
        request=request,
        actor=actor,
        from_status=request.status,
        to_status=transition.target,
        comment=comment.strip(),
    )
    changed = [
        "status",
        "updated_at",
        *request.track_waiting(target=transition.target, at=event.created_at),
    ]
    request.status = transition.target
    if assignee is not None:
        request.assigned_to = assignee
        changed.append("assigned_to")
    request.save(update_fields=changed)
    assigned = assignee is not None and assignee != actor
    detail = str(event) + (f", assigned to {assignee.email}" if assigned else "")
    audit_record(action=AuditAction.TRANSITION, actor=actor, obj=request, detail=detail)
    notifications.emails_send_after_commit(notifications.outbox_emails_create(event=event))
    return request


def _start_review(transition, request, *, actor, comment, assignee) -> ConnectivityRequest:
    """Take the request into review, assigned to `assignee`: the actor, or a colleague.

    Assigning a colleague says so on the event ("… assigned the review to …"), which the
    timeline shows Thredd's staff; clients know Thredd's engineers only as "Thredd", so the
    note of an In review event is never shown or mailed to them
    (`RequestEvent.comment_for_client`). The assignee is told by the In review mail.
    """
    assignee = assignee or actor
    if not assignee.is_engineer:
        raise TransitionError(f"{assignee} is not a Thredd engineer: assign someone who is.")
    if assignee != actor:
        note = f"{_name(actor)} assigned the review to {_name(assignee)}."
        comment = "\n".join([note, comment.strip()]).strip()
    return _move(transition, request, actor=actor, comment=comment, assignee=assignee)


def _name(user: User) -> str:
    return user.get_full_name() or user.email


def _approve(transition, request, *, actor, comment, assignee) -> ConnectivityRequest:
    """Approve: allocate the subnets, give each tunnel its values, queue the files (and the
    client certificate of an mTLS request).

    The allocation re-checks availability under this transaction's lock, and the exclusion
    constraints judge last: a conflict raises AllocationConflict and the request stays in
    review, nothing written. Approving a BGP site records, in the approval event, that
    Thredd agreed to BGP.
    """
    agreements = [
        f"Thredd agreed to BGP routing for site {site.name} (client ASN {site.bgp_asn})."
        for site in request.sites.filter(routing=Routing.BGP)
    ]
    comment = "\n".join([comment.strip(), *agreements]).strip()
    approved = _move(transition, request, actor=actor, comment=comment, assignee=assignee)
    allocations_reserve(request=approved)
    tunnel_values_assign(request=approved)
    # Like mail: a broker that is down must not undo the approval; the sweeps catch up.
    aws.aws_enqueue_after_commit(aws.aws_side_create_pending(request=approved))
    certificates.certificate_enqueue_after_commit(
        certificates.certificate_create_pending(request=approved)
    )
    for artifact in artifacts.artifacts_create_pending(request=approved):
        transaction.on_commit(partial(tasks.artifact_render_task.delay, artifact.pk), robust=True)
    return approved


def _activate(transition, request, *, actor, comment, assignee) -> ConnectivityRequest:
    """Mark the connection live; an active amendment supersedes the revision it amends.

    The event records what AWS's telemetry showed of every tunnel at that moment. The
    superseded revision keeps its status and history and gains `superseded_at` and an event
    saying by which revision.
    """
    seen = aws.tunnels_seen(request)
    if seen:
        comment = "\n".join([comment.strip(), "Tunnels when marked active:", seen]).strip()
    activated = _move(transition, request, actor=actor, comment=comment, assignee=assignee)
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


def _retire(transition, request, *, actor, comment, assignee) -> ConnectivityRequest:
    """Retire an approved or active connection: free its subnets and /30s, remove its AWS side.

    The allocations go in this transaction, so the ranges are free at once; deleting what
    the portal made in AWS (routes, VPN connections, attachments, customer gateways) is
    queued after commit and recorded in the audit log as it happens.
    """
    retired = _move(transition, request, actor=actor, comment=comment, assignee=assignee)
    Allocation.objects.filter(request=retired).delete()
    InsideAllocation.objects.filter(tunnel__vpn__site__request=retired).delete()
    aws.aws_side_retire(request=retired)
    return retired


def _start_amendment(transition, request, *, actor, comment, assignee) -> ConnectivityRequest:
    """Start a new draft revision of the active request, with its answers to change.

    The active request keeps its status until the amendment is approved and marked active;
    the new draft is returned.
    """
    draft = document_load(
        request_to_document(request_answers(request)),
        organisation=request.organisation,
        created_by=actor,
        amends=request,
    )
    RequestEvent.objects.create(
        request=draft,
        actor=actor,
        to_status=draft.status,
        comment=f"Amendment of {request.reference}.",
    )
    return draft


@dataclass(frozen=True, slots=True)
class Transition:
    """One move of the state machine.

    `action` completes "You cannot …" with the request's reference; `comment_required`, when
    set, is the message for a missing comment; `precondition` checks what the status cannot
    say (the answers, other revisions) and raises TransitionError; `carry_out` makes the move
    on the locked request and returns the request the user goes on with.
    """

    label: str
    action: str
    sources: frozenset[RequestStatus]
    target: RequestStatus
    role: Role
    comment_required: str = ""
    precondition: Callable[[ConnectivityRequest], None] | None = None
    carry_out: Callable[..., ConnectivityRequest] = field(default=_move)


TRANSITIONS = {
    "submit": Transition(
        label="Send to Thredd",
        action="submit {reference}",
        sources=frozenset({RequestStatus.DRAFT, RequestStatus.CHANGES_REQUESTED}),
        target=RequestStatus.SUBMITTED,
        role=Role.CLIENT,
        precondition=_check_answers,
    ),
    "withdraw": Transition(
        label="Withdraw",
        action="withdraw {reference}",
        sources=OPEN_STATUSES,
        target=RequestStatus.WITHDRAWN,
        role=Role.CLIENT,
    ),
    "start_amendment": Transition(
        label="Amend",
        action="amend {reference}",
        sources=frozenset({RequestStatus.ACTIVE}),
        # The amended request keeps its status: the new revision starts as a draft.
        target=RequestStatus.DRAFT,
        role=Role.CLIENT,
        precondition=_check_amendable,
        carry_out=_start_amendment,
    ),
    "start_review": Transition(
        label="Assign to me",
        action="start the review of {reference}",
        sources=frozenset({RequestStatus.SUBMITTED}),
        target=RequestStatus.IN_REVIEW,
        role=Role.ENGINEER,
        carry_out=_start_review,
    ),
    "ask_for_changes": Transition(
        label="Ask for changes",
        action="ask for changes to {reference}",
        sources=frozenset({RequestStatus.IN_REVIEW}),
        target=RequestStatus.CHANGES_REQUESTED,
        role=Role.ENGINEER,
        comment_required="Say what the client needs to change.",
    ),
    "approve": Transition(
        label="Approve",
        action="approve {reference}",
        sources=frozenset({RequestStatus.IN_REVIEW}),
        target=RequestStatus.APPROVED,
        role=Role.ENGINEER,
        precondition=_check_approvable,
        carry_out=_approve,
    ),
    "reject": Transition(
        label="Reject",
        action="reject {reference}",
        sources=frozenset({RequestStatus.IN_REVIEW}),
        target=RequestStatus.REJECTED,
        role=Role.ENGINEER,
        comment_required="Give the reason for rejecting the request.",
    ),
    "activate": Transition(
        label="Mark as active",
        action="mark {reference} as active",
        sources=frozenset({RequestStatus.APPROVED}),
        target=RequestStatus.ACTIVE,
        role=Role.ENGINEER,
        carry_out=_activate,
    ),
    "retire": Transition(
        label="Retire the connection",
        action="retire {reference}",
        sources=frozenset({RequestStatus.APPROVED, RequestStatus.ACTIVE}),
        target=RequestStatus.WITHDRAWN,
        role=Role.ENGINEER,
        comment_required="Say why the connection is retired.",
        carry_out=_retire,
    ),
}


def transitions_available(*, request: ConnectivityRequest, user: User) -> list[str]:
    """Return the names of the moves `user` may offer on `request` now, for buttons.

    Preconditions are left to the move itself: a draft with errors still offers "submit",
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
    return user.is_engineer


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


@transaction.atomic
def request_transition(
    name: str,
    *,
    request: ConnectivityRequest,
    actor: User,
    comment: str = "",
    assignee: User | None = None,
) -> ConnectivityRequest:
    """Make the move `name` of TRANSITIONS on `request` for `actor`, and return the request.

    The one way a request's status changes: it locks the row, checks who may move and from
    where, the comment and the precondition, then carries the move out in this transaction.
    `comment` goes on the event (for "reject" it is the reason the client is sent);
    `assignee` is who reviews ("start_review"; by default the actor). "start_amendment"
    returns the new draft. Raises TransitionError (SubmissionBlocked with the findings for
    "submit") when the move is not allowed, and AllocationConflict when approval finds a
    subnet taken; nothing is written then.
    """
    try:
        transition = TRANSITIONS[name]
    except KeyError:
        raise TransitionError(f"There is no move called {name!r}.") from None
    locked = _locked(request)
    _check(transition, request=locked, actor=actor, comment=comment)
    return transition.carry_out(transition, locked, actor=actor, comment=comment, assignee=assignee)


def comment_create(
    *, request: ConnectivityRequest, author: User, body: str, internal: bool = False
) -> Comment:
    """Add a message to a request's thread, or an internal note only Thredd staff see.

    The client organisation's users and Thredd engineers may comment; only engineers may
    write internal notes. A comment mails the other side after commit
    (`notifications.comment_emails_create`); an internal note mails nobody.
    """
    if internal and not author.is_engineer:
        raise PermissionDenied("Only Thredd engineers can write internal notes.")
    if not (author.is_engineer or _is_member(author, request)):
        raise PermissionDenied(f"You cannot comment on {request.reference}.")
    comment = Comment(request=request, author=author, body=body.strip(), internal=internal)
    comment.full_clean()
    with transaction.atomic():
        comment.save()
        notifications.comment_emails_create(comment=comment)
    return comment
