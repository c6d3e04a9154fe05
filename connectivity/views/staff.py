"""Pages for Thredd's engineers: the review queue and the review of one request."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from connectivity.choices import WAITING_STATUSES
from connectivity.diff import document_changes
from connectivity.forms.review import (
    ASSIGNED_TO_ME,
    UNASSIGNED,
    WAITING,
    AssignForm,
    DecisionForm,
    QueueFilterForm,
)
from connectivity.models import ConnectivityRequest, Subnet
from connectivity.places import locate
from connectivity.selectors.answers import answers_summary
from connectivity.selectors.availability import request_availability
from connectivity.selectors.aws import aws_side
from connectivity.selectors.certificates import request_certificates
from connectivity.selectors.files import request_files
from connectivity.selectors.findings import request_findings
from connectivity.selectors.queue import queue_rows, review_queue
from connectivity.selectors.requests import request_answers, request_to_document
from connectivity.services import workflow
from connectivity.services.allocation import (
    AllocationConflict,
    subnet_confirm,
    subnets_confirm_free,
)

from .access import StaffRequiredMixin
from .aws import ReviewedRequestMixin
from .base import FormPageView

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
        page.object_list = queue_rows(page.object_list)
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


class ReviewDetailView(StaffRequiredMixin, TemplateView):
    """Show a request whole: answers, findings, availability, changes, timeline, comments."""

    template_name = "connectivity/review_detail.html"

    def get_context_data(self, **kwargs):
        connectivity_request = get_object_or_404(
            ConnectivityRequest.objects.visible_to(self.request.user)
            .with_answers(confirmations=True)
            .select_related("assigned_to", "amends"),
            reference=kwargs["reference"],
        )
        doc = request_to_document(connectivity_request)
        availability = request_availability(connectivity_request)
        rows = [(row, getattr(row.subnet, "confirmation", None)) for row in availability]
        changes = (
            document_changes(request_to_document(request_answers(connectivity_request.amends)), doc)
            if connectivity_request.amends_id
            else None
        )
        findings = request_findings(connectivity_request, doc, availability)
        moves = workflow.transitions_available(request=connectivity_request, user=self.request.user)
        return super().get_context_data(
            connectivity_request=connectivity_request,
            findings=locate(findings, doc, _review_anchors(connectivity_request)),
            availability_rows=rows,
            confirmable=any(
                row.is_free and not (confirmation and confirmation.is_current)
                for row, confirmation in rows
            ),
            approval_blockers=workflow.approval_blockers(
                connectivity_request,
                findings=findings,
                subnets=[row.subnet for row in availability],
            )
            if "approve" in moves
            else [],
            changes=changes,
            summary=answers_summary(request=connectivity_request, doc=doc),
            events=connectivity_request.events.select_related("actor"),
            comments=connectivity_request.comments.select_related("author"),
            moves=moves,
            decision_form=DecisionForm(),
            files=request_files(request=connectivity_request, user=self.request.user),
            aws=aws_side(connectivity_request),
            certificates=request_certificates(request=connectivity_request, user=self.request.user),
            for_engineer=self.request.user.is_engineer,
            **kwargs,
        )


class ReviewActionView(StaffRequiredMixin, View):
    """Carry out one engineer's move on a request (POST only), then show the review again."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, reference: str, action: str) -> HttpResponse:
        connectivity_request = get_object_or_404(
            ConnectivityRequest.objects.visible_to(request.user), reference=reference
        )
        if action not in workflow.TRANSITIONS:
            raise Http404("No such move.")
        try:
            moved = workflow.request_transition(
                action,
                request=connectivity_request,
                actor=request.user,
                comment=DecisionForm(request.POST).data.get("comment", ""),
            )
        except (workflow.TransitionError, AllocationConflict) as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, f"Status of {moved.reference}: {moved.get_status_display()}.")
        back = "review-queue" if request.POST.get("next") == "queue" else _review_url(reference)
        return redirect(back)


def _review_anchors(connectivity_request: ConnectivityRequest) -> dict[str, str]:
    """Return where the review page shows each part of the request: a subnet's row of the
    availability panel, else the client's answers (`review_detail.html`'s ids)."""
    anchors = {"": "#answers-heading"}
    for site_index, site in enumerate(connectivity_request.sites.all()):
        for index, subnet in enumerate(site.subnets.all()):
            anchors[f"sites[{site_index}].subnets[{index}]"] = f"#subnet-{subnet.pk}"
    return anchors


def _review_url(reference: str) -> str:
    return reverse("review-detail", kwargs={"reference": reference})


class SubnetConfirmView(StaffRequiredMixin, View):
    """Record that an engineer checked one subnet and found it free (POST only)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, reference: str, subnet_id: int) -> HttpResponse:
        subnet = get_object_or_404(
            Subnet.objects.select_related("site__request"),
            pk=subnet_id,
            site__request__in=ConnectivityRequest.objects.visible_to(request.user),
            site__request__reference=reference,
        )
        try:
            subnet_confirm(subnet=subnet, actor=request.user)
        except (PermissionDenied, AllocationConflict) as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, f"{subnet.network} confirmed as available.")
        return redirect(_review_url(reference) + f"#subnet-{subnet.pk}")


class SubnetsConfirmFreeView(StaffRequiredMixin, View):
    """Confirm every subnet of a request shown free and not yet confirmed, at once (POST only)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        connectivity_request = get_object_or_404(
            ConnectivityRequest.objects.visible_to(request.user), reference=reference
        )
        try:
            confirmed = subnets_confirm_free(request=connectivity_request, actor=request.user)
        except (PermissionDenied, AllocationConflict) as problem:
            messages.error(request, str(problem))
        else:
            networks = ", ".join(str(confirmation.network) for confirmation in confirmed)
            messages.success(
                request,
                f"Confirmed as available: {networks}."
                if confirmed
                else "No subnet was left to confirm: every free subnet is confirmed already.",
            )
        return redirect(_review_url(reference) + "#availability-heading")


class AssignView(ReviewedRequestMixin, FormPageView):
    """Assign a submitted request's review to a colleague, which starts the review.

    A page of its own, so the review page reads no list of engineers: the same move as
    "Assign to me" ("start_review"), with the colleague as the assignee.
    """

    template_name = "connectivity/review_assign.html"
    form_class = AssignForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(connectivity_request=self.connectivity_request, **kwargs)

    def form_valid(self, form: AssignForm) -> HttpResponse:
        assignee = form.cleaned_data["assignee"]
        try:
            moved = workflow.request_transition(
                "start_review",
                request=self.connectivity_request,
                actor=self.request.user,
                assignee=assignee,
            )
        except workflow.TransitionError as problem:
            form.add_error(None, str(problem))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{moved.reference} is now in review, assigned to "
            f"{assignee.get_full_name() or assignee.email}.",
        )
        return self.back()
