"""The audit log's writer: one service every security-relevant event goes through.

`audit_record` writes one `AuditEntry`. The request being served, when there is one, gives
the IP address, browser and path: `AuditMiddleware` keeps it in a context variable, so the
services that record (the workflow's transitions, downloads) need no HTTP request in their
signatures. The middleware also records denied access: a PermissionDenied (403) and, for a
signed-in user, a 404 (which is what another organisation's object looks like). Sign-ins,
failed sign-ins and lockouts come from Django's and django-axes' signals.

Nothing secret is ever written: details are built here from names, references and
statuses, never from posted values; a failed sign-in keeps only the name typed.
"""

import contextvars
import ipaddress
from collections.abc import Callable

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from connectivity.models import AuditAction, AuditEntry, Organisation, User

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_current_request", default=None
)

USER_AGENT_LENGTH = AuditEntry._meta.get_field("user_agent").max_length
PATH_LENGTH = AuditEntry._meta.get_field("path").max_length


def client_ip(request: HttpRequest) -> str | None:
    """Return the address the request came from, as far as Thredd's own proxies tell.

    With `TRUSTED_PROXY_COUNT` proxies in front, each appending to X-Forwarded-For, the
    client is that many entries from the right: entries further left are the client's to
    forge. Without proxies it is the socket's address. django-axes locks by the same value.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if settings.TRUSTED_PROXY_COUNT:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= settings.TRUSTED_PROXY_COUNT:
            address = forwarded[-settings.TRUSTED_PROXY_COUNT].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None  # not an address: a proxy misconfigured, or a forged header


def sign_in_name(request: HttpRequest | None, credentials: dict | None) -> str:
    """Return the email a sign-in attempt was for, in lower case, as django-axes counts it.

    `Ada@Example.com` and `ada@example.com` are one account, so they share one count.
    """
    if credentials:
        name = credentials.get("username") or credentials.get("email") or ""
    else:
        name = request.POST.get("username", "") if request is not None else ""
    return str(name).strip().lower()


def audit_record(
    *,
    action: AuditAction,
    actor: User | None = None,
    organisation: Organisation | None = None,
    obj: models.Model | None = None,
    detail: str = "",
    actor_email: str = "",
) -> AuditEntry:
    """Record one audit entry, stamped with the current request's address, browser and path.

    `organisation` defaults to the object's, else the actor's. Call it inside the
    transaction of the change it records, so a rolled-back change leaves no entry.
    """
    request = _current_request.get()
    signed_in = actor if actor is not None and actor.is_authenticated else None
    if organisation is None:
        organisation = getattr(obj, "organisation", None) or getattr(
            signed_in, "organisation", None
        )
    return AuditEntry.objects.create(
        action=action,
        actor=signed_in,
        actor_email=(signed_in.email if signed_in else actor_email)[:254],
        organisation=organisation,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_reference=str(getattr(obj, "reference", "") or obj)[:200] if obj is not None else "",
        ip_address=client_ip(request) if request is not None else None,
        user_agent=request.headers.get("user-agent", "")[:USER_AGENT_LENGTH] if request else "",
        path=request.path[:PATH_LENGTH] if request is not None else "",
        detail=detail,
    )


class AuditMiddleware:
    """Keep the request at hand for `audit_record`, and record the access it was denied."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Record a 403, and a signed-in user's 404; let Django answer as usual."""
        user = request.user
        if isinstance(exception, PermissionDenied):
            audit_record(action=AuditAction.ACCESS_DENIED, actor=user, detail=request.method)
        elif isinstance(exception, Http404) and user.is_authenticated:
            audit_record(action=AuditAction.NOT_FOUND, actor=user, detail=request.method)


def _signed_in(sender, request: HttpRequest, user: User, **kwargs) -> None:
    audit_record(action=AuditAction.SIGN_IN, actor=user)
    # A success forgives only this account's failures: django-axes' own reset would also
    # clear the address's count for every other account (AXES_RESET_ON_SUCCESS is off), so an
    # attacker could sign in to their own account between guesses at someone else's.
    AccessAttempt.objects.filter(username=sign_in_name(request, {"username": user.email})).delete()


def _sign_in_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    # Only the name typed: Django has already masked the password, and it is never read here.
    audit_record(action=AuditAction.SIGN_IN_FAILED, actor_email=sign_in_name(None, credentials))


def _locked_out(sender, request: HttpRequest, username: str, ip_address: str, **kwargs):
    audit_record(
        action=AuditAction.LOCKED_OUT,
        actor_email=username or "",
        detail=f"{settings.AXES_FAILURE_LIMIT} failed sign-ins: locked for the cool-off.",
    )


def audit_signals_connect() -> None:
    """Record sign-ins, failed sign-ins and lockouts (called once, from the app's ready)."""
    user_logged_in.connect(_signed_in, dispatch_uid="audit-sign-in")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="audit-sign-in-failed")
    user_locked_out.connect(_locked_out, dispatch_uid="audit-locked-out")
