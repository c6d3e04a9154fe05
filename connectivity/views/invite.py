"""Thredd staff invite client users: an account and an email with a set-password link."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from connectivity import services
from connectivity.forms.base import error_summary
from connectivity.forms.invite import InviteForm

from .access import StaffRequiredMixin


class ClientInviteView(StaffRequiredMixin, View):
    """Invite a person to act for a client organisation."""

    def get(self, request: HttpRequest) -> HttpResponse:
        """Show the invitation form."""
        return self.render_form(InviteForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        """Create the user and send the invitation, or show what is wrong."""
        form = InviteForm(data=request.POST)
        if not form.is_valid():
            return self.render_form(form)
        user = services.client_user_invite(
            organisation=form.cleaned_data["organisation"],
            email=form.cleaned_data["email"],
            invited_by=request.user,
        )
        messages.success(request, f"Invitation sent to {user.email}.")
        return redirect("client-invite")

    def render_form(self, form: InviteForm) -> HttpResponse:
        """Render the form with its error summary."""
        return render(
            self.request,
            "connectivity/invite.html",
            {"form": form, "errors": error_summary([form])},
        )
