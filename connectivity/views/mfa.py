"""Thredd staff's second factor: enrol an authenticator app once, then enter its code."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django_otp import login as otp_login

from connectivity.forms.accounts import TotpCodeForm
from connectivity.forms.base import error_summary
from connectivity.mfa import confirmed_device, enrolment_device, secret_text
from connectivity.models import AuditAction, Authenticator
from connectivity.services.audit import audit_record

from .access import StaffRequiredMixin

WRONG_CODE = "That code is not right, or has expired. Enter the code your app shows now."
TOO_MANY = "Too many wrong codes: wait a minute, then enter the code your app shows then."


class SecondFactorView(StaffRequiredMixin, View):
    """A page that takes a code from one of the user's authenticators and verifies the session."""

    template_name = ""

    def device(self) -> Authenticator | None:
        """Return the authenticator the code must come from, or None to go elsewhere."""
        raise NotImplementedError

    def elsewhere(self) -> HttpResponse:
        """Answer when there is no device for this page."""
        raise NotImplementedError

    def get(self, request: HttpRequest) -> HttpResponse:
        """Ask for the code."""
        device = self.device()
        if device is None:
            return self.elsewhere()
        return self.render_form(TotpCodeForm(), device)

    def post(self, request: HttpRequest) -> HttpResponse:
        """Check the code: on success mark the session verified and go on."""
        device = self.device()
        if device is None:
            return self.elsewhere()
        form = TotpCodeForm(data=request.POST)
        if form.is_valid():
            # django-otp doubles the wait after each wrong code (OTP_TOTP_THROTTLE_FACTOR).
            if not device.verify_is_allowed()[0]:
                form.add_error("token", TOO_MANY)
            elif device.verify_token(form.cleaned_data["token"].strip()):
                if not device.confirmed:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                otp_login(request, device)
                # A new session key for the stronger session: one stolen before the code was
                # entered is worth nothing now.
                request.session.cycle_key()
                messages.success(request, "Second factor verified.")
                return redirect(self.next_url())
            else:
                form.add_error("token", WRONG_CODE)
        audit_record(action=AuditAction.MFA_FAILED, actor=request.user)
        return self.render_form(form, device, status=400)

    def next_url(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return target
        return "/"

    def render_form(self, form: TotpCodeForm, device: Authenticator, status: int = 200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "device": device,
                "secret": secret_text(device) if not device.confirmed else "",
                "next": self.request.POST.get("next") or self.request.GET.get("next", ""),
                "errors": error_summary([form]),
            },
            status=status,
        )


class MfaVerifyView(SecondFactorView):
    """Ask an enrolled staff member for the code of their authenticator app."""

    template_name = "registration/mfa_verify.html"

    def device(self) -> Authenticator | None:
        return confirmed_device(self.request.user)

    def elsewhere(self) -> HttpResponse:
        return redirect("mfa-enrol")


class MfaEnrolView(SecondFactorView):
    """Show a new staff member their authenticator's secret; its first code enrols it."""

    template_name = "registration/mfa_enrol.html"

    def device(self) -> Authenticator | None:
        user = self.request.user
        # Enrolment is once: replacing an authenticator is an administrator's task.
        return None if confirmed_device(user) else enrolment_device(user)

    def elsewhere(self) -> HttpResponse:
        return redirect("mfa-verify")
