"""Invitations: an account and an email with a set-password link.

Thredd staff invite a user into any client organisation; a client admin invites colleagues
into their own organisation only, and sees its people.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from connectivity.forms.invite import ColleagueInviteForm, InviteForm
from connectivity.selectors.accounts import organisation_members
from connectivity.services import accounts

from .access import ClientAdminRequiredMixin, StaffRequiredMixin
from .base import FormPageView


class ClientInviteView(StaffRequiredMixin, FormPageView):
    """Invite a person to act for a client organisation, as its client admin if chosen."""

    template_name = "connectivity/invite.html"
    form_class = InviteForm

    def form_valid(self, form: InviteForm) -> HttpResponse:
        user = accounts.client_user_invite(
            organisation=form.cleaned_data["organisation"],
            email=form.cleaned_data["email"],
            invited_by=self.request.user,
            is_client_admin=form.cleaned_data["is_client_admin"],
        )
        messages.success(self.request, f"Invitation sent to {user.email}.")
        return redirect("client-invite")


class ColleagueListView(ClientAdminRequiredMixin, View):
    """List the people of the client admin's own organisation."""

    def get(self, request: HttpRequest) -> HttpResponse:
        """Show the organisation's users."""
        return render(
            request,
            "connectivity/colleagues.html",
            {"members": organisation_members(user=request.user)},
        )


class ColleagueInviteView(ClientAdminRequiredMixin, FormPageView):
    """Invite a colleague into the client admin's own organisation."""

    template_name = "connectivity/invite.html"
    form_class = ColleagueInviteForm

    def form_valid(self, form: ColleagueInviteForm) -> HttpResponse:
        user = accounts.client_user_invite(
            organisation=self.request.user.organisation,
            email=form.cleaned_data["email"],
            invited_by=self.request.user,
        )
        messages.success(self.request, f"Invitation sent to {user.email}.")
        return redirect("colleague-list")
