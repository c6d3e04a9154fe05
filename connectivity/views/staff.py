"""Pages for Thredd's engineers."""

from django.views.generic import TemplateView

from .access import StaffRequiredMixin


class ReviewQueueView(StaffRequiredMixin, TemplateView):
    """List the requests waiting for Thredd."""

    template_name = "connectivity/review_queue.html"
