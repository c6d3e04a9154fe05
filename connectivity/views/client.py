"""The client's pages around a request: the list, starting one, its page, and its moves."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from connectivity import selectors, services, workflow
from connectivity.choices import ConnectionType, Environment, RequestStatus
from connectivity.forms.base import error_summary
from connectivity.forms.requests import (
    CONNECTION_TYPE_HINTS,
    SERVICE_HINTS,
    StartForm,
    WithdrawForm,
)

from .access import ClientRequiredMixin
from .client_access import ClientRequestMixin

REQUESTS_PER_PAGE = 20


class RequestListView(ClientRequiredMixin, View):
    """List the organisation's connectivity requests, newest first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        """Show one page of the list."""
        paginator = Paginator(selectors.request_list(user=request.user), REQUESTS_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        return render(request, "connectivity/request_list.html", {"page_obj": page})


class BeforeYouStartView(ClientRequiredMixin, TemplateView):
    """Say what the client needs at hand and Thredd's rules, before starting a request."""

    template_name = "connectivity/before_you_start.html"


class RequestStartView(ClientRequiredMixin, View):
    """Ask the three questions that start a draft, then open its task list."""

    def get(self, request: HttpRequest) -> HttpResponse:
        """Show the questions."""
        return self.render_form(StartForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        """Start the draft, or show what is missing."""
        form = StartForm(data=request.POST)
        if not form.is_valid():
            return self.render_form(form)
        draft = services.draft_create(
            organisation=request.user.organisation,
            actor=request.user,
            environment=form.cleaned_data["environment"],
            connection_type=form.cleaned_data["connection_type"],
            services=form.cleaned_data["services"],
        )
        return redirect("request-tasks", reference=draft.reference)

    def render_form(self, form: StartForm) -> HttpResponse:
        """Render the form with its error summary and the hints for each choice."""
        return render(
            self.request,
            "connectivity/start.html",
            {
                "form": form,
                "errors": error_summary([form]),
                "connection_type_hints": CONNECTION_TYPE_HINTS,
                "service_hints": SERVICE_HINTS,
            },
        )


class RequestDetailView(ClientRequestMixin, View):
    """Show a request: status, Thredd's request for changes, timeline, comments, files."""

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
                "task_list": selectors.request_tasks(request=connectivity_request)
                if connectivity_request.is_editable
                else None,
                "events": connectivity_request.events.select_related("actor"),
                "comments": connectivity_request.comments.select_related("author"),
                "can_withdraw": "withdraw" in available,
                "can_amend": "start_amendment" in available,
                "can_copy": connectivity_request.environment == Environment.UAT
                and connectivity_request.status
                not in (RequestStatus.WITHDRAWN, RequestStatus.REJECTED),
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


class WithdrawView(ClientRequestMixin, View):
    """Withdraw a request Thredd has not decided on, after the user confirms."""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Ask the user to confirm."""
        return self.render_form(WithdrawForm())

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Withdraw the request and go back to its page."""
        form = WithdrawForm(data=request.POST)
        if not form.is_valid():
            return self.render_form(form)
        try:
            workflow.request_withdraw(
                request=self.connectivity_request,
                actor=request.user,
                comment=form.cleaned_data["comment"],
            )
        except workflow.TransitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{reference} has been withdrawn.")
        return redirect("request-detail", reference=reference)

    def render_form(self, form: WithdrawForm) -> HttpResponse:
        """Render the confirmation form."""
        return render(
            self.request,
            "connectivity/withdraw.html",
            {
                "connectivity_request": self.connectivity_request,
                "form": form,
                "errors": error_summary([form]),
            },
        )


class AmendView(ClientRequestMixin, View):
    """Start an amendment of an active request: a new draft pre-filled from it."""

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Start the amendment and open its task list."""
        try:
            draft = workflow.request_start_amendment(
                request=self.connectivity_request, actor=request.user
            )
        except workflow.TransitionError as exc:
            messages.error(request, str(exc))
            return redirect("request-detail", reference=reference)
        messages.success(
            request, f"{draft.reference} amends {reference}: change what is different and send it."
        )
        return redirect("request-tasks", reference=draft.reference)


class CopyToProductionView(ClientRequestMixin, View):
    """Start a production draft from a UAT request's answers."""

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Copy the request and open the new draft's task list."""
        source = self.connectivity_request
        try:
            draft = services.request_copy_to_production(request=source, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("request-detail", reference=reference)
        what = (
            "the certificate request and EHI endpoint"
            if source.connection_type == ConnectionType.MTLS
            else "peer IPs, subnets and devices"
        )
        messages.warning(
            request,
            f"Answers copied from UAT {reference}: check {what} for production.",
        )
        return redirect("request-tasks", reference=draft.reference)
