"""mTLS client certificates: download, renewal, the engineers' retry, and Thredd's trust chain.

Every page finds the request through `visible_to`, so another organisation's request is a
404; the services check who may act.
"""

from functools import cached_property

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View

from connectivity.choices import Environment
from connectivity.forms.certificates import TrustChainForm
from connectivity.models import ClientCertificate, ConnectivityRequest, ThreddSettings
from connectivity.services import certificates, downloads, workflow

from .access import StaffRequiredMixin
from .artifacts import attachment_response
from .base import FormPageView


class CertificateMixin(LoginRequiredMixin):
    """The request of the URL, among those the user may see, and its certificate."""

    @cached_property
    def connectivity_request(self) -> ConnectivityRequest:
        return get_object_or_404(
            ConnectivityRequest.objects.visible_to(self.request.user),
            reference=self.kwargs["reference"],
        )

    def certificate(self) -> ClientCertificate:
        return get_object_or_404(ClientCertificate, request=self.connectivity_request)


class CertificateDownloadView(CertificateMixin, View):
    """Download the issued client certificate and its chain, as one PEM file."""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        try:
            download = certificates.certificate_download(
                certificate=self.certificate(), user=request.user
            )
        except downloads.ArtifactUnavailable as exc:
            raise Http404(str(exc)) from None
        return attachment_response(download)


class CertificateRenewView(CertificateMixin, View):
    """Renew: start an amendment of the active request and ask for its new CSR (POST only)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        try:
            draft = workflow.request_transition(
                "start_amendment", request=self.connectivity_request, actor=request.user
            )
        except workflow.TransitionError as exc:
            messages.error(request, str(exc))
            return redirect("request-detail", reference=reference)
        messages.success(
            request,
            f"{draft.reference} renews the certificate of {reference}: paste the new "
            "certificate signing request, then send it to Thredd.",
        )
        return redirect("request-mtls", reference=draft.reference)


class CertificateRetryView(StaffRequiredMixin, CertificateMixin, View):
    """Issue a failed certificate again (Thredd engineers, POST only)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        certificates.certificate_retry(certificate=self.certificate(), actor=request.user)
        messages.success(request, f"The certificate of {reference} is being issued again.")
        return redirect("review-detail", reference=reference)


class TrustChainView(StaffRequiredMixin, FormPageView):
    """Set Thredd's mTLS trust chain of one environment, `?environment=` (Thredd engineers)."""

    template_name = "connectivity/trust_chain.html"
    form_class = TrustChainForm

    @cached_property
    def environment(self) -> Environment:
        """Return the environment of `?environment=` (UAT when absent); another is a 404."""
        value = self.request.GET.get("environment", Environment.UAT)
        if value not in Environment.values:
            raise Http404("No such environment.")
        return Environment(value)

    def get_initial(self) -> dict:
        current = (
            ThreddSettings.objects.filter(environment=self.environment)
            .values_list("mtls_trust_chain_pem", flat=True)
            .first()
        )
        return {"trust_chain_pem": current or ""}

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(
            environment=self.environment, environments=Environment.choices, **kwargs
        )

    def form_valid(self, form: TrustChainForm) -> HttpResponse:
        certificates.trust_chain_set(
            environment=self.environment,
            pem=form.cleaned_data["trust_chain_pem"],
            actor=self.request.user,
        )
        messages.success(
            self.request,
            f"Thredd's {self.environment.label} mTLS trust chain is saved: files rendered from "
            "now on carry it.",
        )
        return redirect(f"{reverse('mtls-trust-chain')}?environment={self.environment.value}")
