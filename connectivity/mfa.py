"""A second factor for Thredd staff: a TOTP authenticator app (django-otp).

Staff see every organisation's requests and approve what reaches Thredd's network, so a
password alone is not enough (PCI DSS 8.4.2). `StaffVerifiedMiddleware` sends a signed-in
staff member whose session has not yet been verified with a code to enrol an app (first
time) or to enter a code, before any other page, the admin included.
"""

import time
from base64 import b32encode
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from connectivity.models import Authenticator, User

AUTHENTICATOR_NAME = "Authenticator app"
# Pages an unverified staff member may still open: the second-factor pages and sign-out.
OPEN_BEFORE_VERIFICATION = frozenset({"mfa-enrol", "mfa-verify", "logout"})


def confirmed_device(user: User) -> Authenticator | None:
    """Return the user's enrolled authenticator, if they have one."""
    return Authenticator.objects.filter(user=user, confirmed=True).order_by("id").first()


def enrolment_device(user: User) -> Authenticator:
    """Return the authenticator being enrolled: the same secret until a code confirms it."""
    device, _ = Authenticator.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": AUTHENTICATOR_NAME}
    )
    return device


def secret_text(device: Authenticator) -> str:
    """Return the device's secret as the base32 text authenticator apps accept typed in."""
    return b32encode(device.bin_key).decode()


class StaffVerifiedMiddleware:
    """Admit a staff member to portal and admin pages only once this session has a code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_staff and not user.is_verified():
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in OPEN_BEFORE_VERIFICATION:
                step = "mfa-verify" if confirmed_device(user) else "mfa-enrol"
                return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


# The idle timeout slides at most this often: a save (an UPDATE and a new cookie) on every
# request would cost each page a query, and sliding a minute late only ever shortens it.
SLIDE_EVERY_SECONDS = 60
SLID_AT_KEY = "idle_timeout_slid_at"


class IdleTimeoutMiddleware:
    """Slide a signed-in session's expiry (SESSION_COOKIE_AGE) with the requests the user makes.

    The session is saved again, with a new expiry, when the last slide is a minute old or
    more, so a session ends between 14 and 15 minutes after the user's last request, never
    later. A view that refreshes itself (the files' progress, every 2 seconds) sets
    `request.idle_timeout_exempt`: otherwise a page left open would keep its session alive
    for ever, and the 15-minute idle timeout would never fire.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not getattr(request, "idle_timeout_exempt", False)
        ):
            now = int(time.time())
            if now - request.session.get(SLID_AT_KEY, 0) >= SLIDE_EVERY_SECONDS:
                request.session[SLID_AT_KEY] = now  # saved, with a new expiry, on the way out
        return response
