"""Find the request a client page is about through `visible_to`: others are a 404."""

from functools import cached_property

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect

from connectivity.models import ConnectivityRequest, Site

from .access import ClientRequiredMixin


class ClientRequestMixin(ClientRequiredMixin):
    """Admit the organisation's users to one of its requests, named by `reference`."""

    # A page that shows every answer reads the request with them (`with_answers()`), once.
    reads_answers = False

    @cached_property
    def connectivity_request(self) -> ConnectivityRequest:
        """Return the request of the URL, if the user may see it; else raise Http404."""
        requests = ConnectivityRequest.objects.visible_to(self.request.user)
        return get_object_or_404(
            requests.with_answers()
            if self.reads_answers
            else requests.select_related("organisation"),
            reference=self.kwargs["reference"],
        )

    def site(self) -> Site:
        """Return the site of the URL, which must belong to the request of the URL."""
        return get_object_or_404(self.connectivity_request.sites, pk=self.kwargs["site_id"])

    def unless_editable(self) -> HttpResponse | None:
        """Send the user to the request's page when its answers can no longer change."""
        draft = self.connectivity_request
        if draft.is_editable:
            return None
        messages.info(
            self.request,
            f"{draft.reference} is {draft.get_status_display()}: its answers cannot change now.",
        )
        return redirect("request-detail", reference=draft.reference)
