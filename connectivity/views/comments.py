"""Posting to a request's comment thread, from the client's request page or Thredd's review."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from connectivity.models import ConnectivityRequest
from connectivity.services import workflow
from connectivity.services.notifications import request_path


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        widget=forms.Textarea,
        max_length=10_000,
        error_messages={"required": "Enter a comment."},
    )
    internal = forms.BooleanField(required=False)


@login_required
@require_POST
def comment_add(request: HttpRequest, reference: str) -> HttpResponse:
    """Add a comment, or a Thredd engineer's internal note, then go back to the page."""
    connectivity_request = get_object_or_404(
        ConnectivityRequest.objects.visible_to(request.user), reference=reference
    )
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = workflow.comment_create(
                request=connectivity_request,
                author=request.user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
            )
        except (OperationalError, InterfaceError):
            # The database went away mid-save: say plainly it was not saved, and give the text
            # back, so nobody posts it twice wondering whether it went.
            return render(
                request,
                "connectivity/comment_not_saved.html",
                {"connectivity_request": connectivity_request, "body": form.cleaned_data["body"]},
                status=503,
            )
        messages.success(request, "Internal note added." if comment.internal else "Comment added.")
    else:
        messages.error(request, " ".join(form.errors.get("body", ["Enter a comment."])))
    return redirect(_back(request, connectivity_request))


def _back(request: HttpRequest, connectivity_request: ConnectivityRequest) -> str:
    """Return the page to go back to: `next` when it is on this site, else the request's page."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return request_path(connectivity_request)
