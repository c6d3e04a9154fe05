"""Thredd staff invite client users: an account and an email with a set-password link."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from connectivity.forms.invite import InviteForm
from connectivity.services import accounts

from .access import StaffRequiredMixin
from .base import FormPageView


class ClientInviteView(StaffRequiredMixin, FormPageView):
    """Invite a person to act for a client organisation."""

    template_name = "connectivity/invite.html"
    form_class = InviteForm

    def form_valid(self, form: InviteForm) -> HttpResponse:
        user = accounts.client_user_invite(
            organisation=form.cleaned_data["organisation"],
            email=form.cleaned_data["email"],
            invited_by=self.request.user,
        )
        messages.success(self.request, f"Invitation sent to {user.email}.")
        return redirect("client-invite")
