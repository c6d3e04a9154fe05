"""The landing page after sign-in: send each user to where their work is."""

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET


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
    """Answer whether this web process can serve: it is up and reaches PostgreSQL.

    503 when the database is away, so a load balancer takes the node out rather than send
    users to error pages.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Send /favicon.ico to the portal's icon among its static files.

    Pages name their icon themselves; browsers still ask for /favicon.ico on what carries
    no such link (the admin's pages, a downloaded file), and a 404 there is noise in logs.
    """
    return redirect(static("img/favicon.ico"))
