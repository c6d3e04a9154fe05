"""Pages for a client organisation's users."""

from django.views.generic import TemplateView

from .access import ClientRequiredMixin


class RequestListView(ClientRequiredMixin, TemplateView):
    """List the organisation's connectivity requests."""

    template_name = "connectivity/request_list.html"
