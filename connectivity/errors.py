"""The portal's answer to a GET of an action's address, in its own look.

Approve, confirm, retry, comment and the other moves change something, so their addresses
answer only POST. Someone who opens one from a bookmark, the history or a pasted link would
otherwise get Django's empty 405; they get a page that says what happened and links to the
page the action belongs to. The status and its Allow header stay 405: the address still does
nothing on a GET.
"""

from django.template.loader import render_to_string
from django.urls import Resolver404, resolve


def page_above(path: str) -> str | None:
    """Return the nearest address above `path` that is a page of the portal, if any.

    `/review/CR-2026-00001/subnets/5/confirm/` gives `/review/CR-2026-00001/`: the segments
    are dropped one by one until what is left resolves to a view that answers GET.
    """
    segments = [segment for segment in path.split("/") if segment]
    while len(segments) > 1:
        segments.pop()
        candidate = "/" + "/".join(segments) + "/"
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        # A pattern with a slug (`/review/<ref>/<action>/`) may match an action too.
        view_class = getattr(match.func, "view_class", None)
        if view_class is None or hasattr(view_class, "get"):
            return candidate
    return None


class MethodNotAllowedPageMiddleware:
    """Give an empty 405 to a GET or HEAD a page saying the address is an action."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.method in ("GET", "HEAD")
            and not response.content
        ):
            response.content = render_to_string(
                "405.html", {"back": page_above(request.path)}, request=request
            )
            response["Content-Type"] = "text/html; charset=utf-8"
        return response
