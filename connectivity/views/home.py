"""The landing page after sign-in: send each user to where their work is."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send staff to the review queue and client users to their requests."""
    if request.user.is_staff:
        return redirect("review-queue")
    if request.user.is_client:
        return redirect("request-list")
    # Signed in but attached to nothing yet: say so rather than show an empty portal.
    return render(request, "connectivity/no_organisation.html", status=403)


def health(request: HttpRequest) -> HttpResponse:
    """Answer that the web process is up, for load balancers and the run check."""
    return HttpResponse("ok", content_type="text/plain")
