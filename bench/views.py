"""The ceiling page: the least a signed-in page of the portal can do, measured like the others.

It goes through the whole middleware stack as every page does (the session is read, and saved
again once a minute for the sliding idle timeout; the user and the second-factor device are
looked up),
runs exactly one query (the newest request's reference, one row by primary key) and renders
the portal's base template around a one-line body. What a real page costs beyond this is its
own queries and its own template: that is what the pages' share of the ceiling measures.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from connectivity.models import ConnectivityRequest


@login_required
def ceiling(request: HttpRequest) -> HttpResponse:
    """Render base.html with the newest request's reference: one query of the view's own."""
    newest = ConnectivityRequest.objects.order_by("-pk").values_list("reference", flat=True)[:1]
    return render(request, "bench/ceiling.html", {"newest": next(iter(newest), None)})
