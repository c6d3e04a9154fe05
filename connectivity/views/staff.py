"""Pages for Thredd's engineers: the review queue and the review of one request."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from connectivity import workflow
from connectivity.availability import AllocationConflict, request_availability, subnet_confirm
from connectivity.choices import Service
from connectivity.diff import document_changes
from connectivity.document import request_to_document
from connectivity.forms.review import (
    ASSIGNED_TO_ME,
    UNASSIGNED,
    WAITING,
    DecisionForm,
    QueueFilterForm,
)
from connectivity.models import ConnectivityRequest, Subnet, SubnetConfirmation
from connectivity.review import WAITING_STATUSES, request_findings, review_queue, with_answers
from connectivity.topology import site_topology_svg

from .access import StaffRequiredMixin

QUEUE_PAGE_SIZE = 25


class ReviewQueueView(StaffRequiredMixin, TemplateView):
    """List the requests waiting, oldest-waiting first, with filters and "Assign to me"."""

    template_name = "connectivity/review_queue.html"

    def get_context_data(self, **kwargs):
        form = QueueFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        page = Paginator(review_queue(**self._queue_arguments(filters)), QUEUE_PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(form=form, page=page, query=query.urlencode(), **kwargs)

    def _queue_arguments(self, filters: dict) -> dict:
        status = filters.get("status") or WAITING
        assignee = filters.get("assignee") or ""
        return {
            "statuses": WAITING_STATUSES if status == WAITING else [status],
            "environment": filters.get("environment", ""),
            "connection_type": filters.get("connection_type", ""),
            "organisation_id": filters["organisation"].pk if filters.get("organisation") else None,
            "assignee_id": self._assignee_id(assignee),
            "unassigned": assignee == UNASSIGNED,
            "waiting_days_at_least": filters.get("waiting_days"),
            "search": filters.get("q", ""),
        }

    def _assignee_id(self, assignee: str) -> int | None:
        if assignee == ASSIGNED_TO_ME:
            return self.request.user.pk
        return int(assignee) if assignee.isdigit() else None


def _reviewed(reference: str) -> ConnectivityRequest:
    return get_object_or_404(
        with_answers(ConnectivityRequest.objects.select_related("assigned_to", "amends")),
        reference=reference,
    )


class ReviewDetailView(StaffRequiredMixin, TemplateView):
    """Show a request whole: answers, findings, availability, changes, timeline, comments."""

    template_name = "connectivity/review_detail.html"

    def get_context_data(self, **kwargs):
        connectivity_request = _reviewed(kwargs["reference"])
        availability = request_availability(connectivity_request)
        confirmations = {
            confirmation.subnet_id: confirmation
            for confirmation in SubnetConfirmation.objects.filter(
                subnet__site__request=connectivity_request
            ).select_related("confirmed_by", "subnet")
        }
        rows = [(row, confirmations.get(row.subnet.pk)) for row in availability]
        doc = request_to_document(connectivity_request)
        changes = (
            document_changes(request_to_document(connectivity_request.amends), doc)
            if connectivity_request.amends_id
            else None
        )
        sites = [
            (
                site,
                site_topology_svg(
                    answers,
                    environment=connectivity_request.environment,
                    connection_type=connectivity_request.connection_type,
                    index=index,
                ),
            )
            for index, (site, answers) in enumerate(
                zip(connectivity_request.sites.all(), doc.sites, strict=True)
            )
        ]
        return super().get_context_data(
            connectivity_request=connectivity_request,
            findings=request_findings(connectivity_request, answers_loaded=True),
            availability_rows=rows,
            all_confirmed=all(c is not None and c.is_current for _, c in rows),
            changes=changes,
            sites=sites,
            services=[Service(value).label for value in connectivity_request.services],
            events=connectivity_request.events.select_related("actor"),
            comments=connectivity_request.comments.select_related("author"),
            moves=workflow.transitions_available(
                request=connectivity_request, user=self.request.user
            ),
            decision_form=DecisionForm(),
            **kwargs,
        )


class ReviewActionView(StaffRequiredMixin, View):
    """Carry out one engineer's move on a request (POST only), then show the review again."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, reference: str, action: str) -> HttpResponse:
        connectivity_request = get_object_or_404(ConnectivityRequest, reference=reference)
        comment = DecisionForm(request.POST).data.get("comment", "")
        moves = {
            "assign": lambda: workflow.request_start_review(
                request=connectivity_request, actor=request.user
            ),
            "ask_for_changes": lambda: workflow.request_ask_for_changes(
                request=connectivity_request, actor=request.user, comment=comment
            ),
            "approve": lambda: workflow.request_approve(
                request=connectivity_request, actor=request.user, comment=comment
            ),
            "reject": lambda: workflow.request_reject(
                request=connectivity_request, actor=request.user, reason=comment
            ),
            "activate": lambda: workflow.request_activate(
                request=connectivity_request, actor=request.user, comment=comment
            ),
        }
        if action not in moves:
            raise Http404("No such move.")
        try:
            moved = moves[action]()
        except (workflow.TransitionError, AllocationConflict) as problem:
            messages.error(request, str(problem))
        else:
            messages.success(
                request, f"{moved.reference} is now {moved.get_status_display().lower()}."
            )
        back = "review-queue" if request.POST.get("next") == "queue" else _review_url(reference)
        return redirect(back)


def _review_url(reference: str) -> str:
    return reverse("review-detail", kwargs={"reference": reference})


class SubnetConfirmView(StaffRequiredMixin, View):
    """Record that an engineer checked one subnet and found it free (POST only)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, reference: str, subnet_id: int) -> HttpResponse:
        subnet = get_object_or_404(
            Subnet.objects.select_related("site__request"),
            pk=subnet_id,
            site__request__reference=reference,
        )
        try:
            subnet_confirm(subnet=subnet, actor=request.user)
        except (PermissionDenied, AllocationConflict) as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, f"{subnet.network} confirmed as available.")
        return redirect(_review_url(reference) + f"#subnet-{subnet.pk}")
