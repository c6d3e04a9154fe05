"""The client's pages around a request: the list, starting one, its page, and its moves."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from connectivity.choices import ConnectionType, RequestStatus
from connectivity.forms.requests import (
    CONNECTION_TYPE_HINTS,
    SERVICE_HINTS,
    StartForm,
    WithdrawForm,
)
from connectivity.selectors.answers import answers_summary
from connectivity.selectors.aws import aws_side
from connectivity.selectors.certificates import request_certificates
from connectivity.selectors.files import request_files
from connectivity.selectors.requests import request_list, request_to_document
from connectivity.selectors.tasks import request_tasks
from connectivity.services import drafts, workflow

from .access import ClientRequiredMixin
from .base import FormPageView
from .client_access import ClientRequestMixin

REQUESTS_PER_PAGE = 20


class RequestListView(ClientRequiredMixin, View):
    """List the organisation's connectivity requests, newest first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        """Show one page of the list."""
        paginator = Paginator(request_list(user=request.user), REQUESTS_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        return render(request, "connectivity/request_list.html", {"page_obj": page})


class BeforeYouStartView(ClientRequiredMixin, TemplateView):
    """Say what the client needs at hand and Thredd's rules, before starting a request."""

    template_name = "connectivity/before_you_start.html"


class RequestStartView(ClientRequiredMixin, FormPageView):
    """Ask the three questions that start a draft, then open its task list."""

    template_name = "connectivity/start.html"
    form_class = StartForm
    extra_context = {
        "connection_type_hints": CONNECTION_TYPE_HINTS,
        "service_hints": SERVICE_HINTS,
    }

    def form_valid(self, form: StartForm) -> HttpResponse:
        draft = drafts.draft_create(
            organisation=self.request.user.organisation,
            actor=self.request.user,
            environment=form.cleaned_data["environment"],
            connection_type=form.cleaned_data["connection_type"],
            services=form.cleaned_data["services"],
        )
        return redirect("request-tasks", reference=draft.reference)


class RequestDetailView(ClientRequestMixin, View):
    """Show a request: status, Thredd's request for changes, files, what the client sent
    (once it is no longer editable) with Thredd's side, timeline and comments."""

    reads_answers = True

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Show the request's page."""
        connectivity_request = self.connectivity_request
        available = workflow.transitions_available(request=connectivity_request, user=request.user)
        changes_event = (
            connectivity_request.events.filter(to_status=RequestStatus.CHANGES_REQUESTED)
            .order_by("-created_at", "-id")
            .first()
            if connectivity_request.status == RequestStatus.CHANGES_REQUESTED
            else None
        )
        return render(
            request,
            "connectivity/request_detail.html",
            {
                "connectivity_request": connectivity_request,
                "changes_event": changes_event,
                "task_list": request_tasks(request=connectivity_request)
                if connectivity_request.is_editable
                else None,
                "summary": None
                if connectivity_request.is_editable
                else answers_summary(
                    request=connectivity_request, doc=request_to_document(connectivity_request)
                ),
                "events": connectivity_request.events.select_related("actor"),
                "comments": connectivity_request.comments.select_related("author"),
                "can_withdraw": "withdraw" in available,
                "can_amend": "start_amendment" in available,
                "can_copy": connectivity_request.can_copy_to_production,
                "files": request_files(request=connectivity_request, user=request.user),
                "aws": aws_side(connectivity_request),
                "certificates": request_certificates(
                    request=connectivity_request, user=request.user
                ),
                "for_engineer": False,
            },
        )


class ConfirmationView(ClientRequestMixin, View):
    """Confirm a request was sent, with its reference and what happens next."""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Show the confirmation page."""
        return render(
            request,
            "connectivity/confirmation.html",
            {"connectivity_request": self.connectivity_request},
        )


class WithdrawView(ClientRequestMixin, FormPageView):
    """Withdraw a request Thredd has not decided on, after the user confirms."""

    template_name = "connectivity/withdraw.html"
    form_class = WithdrawForm

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(connectivity_request=self.connectivity_request, **kwargs)

    def form_valid(self, form: WithdrawForm) -> HttpResponse:
        reference = self.connectivity_request.reference
        try:
            workflow.request_transition(
                "withdraw",
                request=self.connectivity_request,
                actor=self.request.user,
                comment=form.cleaned_data["comment"],
            )
        except workflow.TransitionError as exc:
            messages.error(self.request, str(exc))
        else:
            messages.success(self.request, f"{reference} has been withdrawn.")
        return redirect("request-detail", reference=reference)


class AmendView(ClientRequestMixin, View):
    """Start an amendment of an active request: a new draft pre-filled from it."""

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Start the amendment and open its task list."""
        try:
            draft = workflow.request_transition(
                "start_amendment", request=self.connectivity_request, actor=request.user
            )
        except workflow.TransitionError as exc:
            messages.error(request, str(exc))
            return redirect("request-detail", reference=reference)
        messages.success(
            request, f"{draft.reference} amends {reference}: change what is different and send it."
        )
        return redirect("request-tasks", reference=draft.reference)


def answers_to_recheck(connection_type: str) -> str:
    """Return what a production copy of a UAT request usually needs changed, in plain words."""
    if connection_type == ConnectionType.MTLS:
        return "the certificate request and EHI endpoint"
    return "peer IPs, subnets and devices"


class CopyToProductionView(ClientRequestMixin, View):
    """Start a production draft from a UAT request's answers, after the user confirms."""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Ask before copying (a link or a reload lands here), or go back if it cannot be."""
        source = self.connectivity_request
        if not source.can_copy_to_production:
            messages.error(
                request,
                "Only a UAT request that is not withdrawn or rejected can be copied to production.",
            )
            return redirect("request-detail", reference=reference)
        return render(
            request,
            "connectivity/copy_to_production.html",
            {
                "connectivity_request": source,
                "to_recheck": answers_to_recheck(source.connection_type),
            },
        )

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Copy the request and open the new draft's task list."""
        source = self.connectivity_request
        try:
            draft = drafts.request_copy_to_production(request=source, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("request-detail", reference=reference)
        what = answers_to_recheck(source.connection_type)
        messages.warning(
            request,
            f"Answers copied from UAT {reference}: check {what} for production.",
        )
        return redirect("request-tasks", reference=draft.reference)
