"""Thredd's side in AWS, for engineers: record it by hand, retry it, download it, retire it.

Every page finds the request through `visible_to`, so a wrong reference or another
request's VPN is a 404; the services check the engineer's role.
"""

from functools import cached_property
from ipaddress import IPv4Network

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from connectivity.forms.aws import PeeringAttachmentRecordForm, RetireForm, VpnConnectionRecordForm
from connectivity.models import AwsPeeringAttachment, AwsVpnConnection, ConnectivityRequest, Vpn
from connectivity.services import aws, downloads, workflow

from .access import StaffRequiredMixin
from .artifacts import attachment_response
from .base import FormPageView

# Where `make run`'s illustrative AWS addresses come from: the three documentation ranges
# (RFC 5737), so a demo file can never be applied to a real device by mistake.
ILLUSTRATIVE_RANGES = tuple(
    IPv4Network(block) for block in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)


class ReviewedRequestMixin(StaffRequiredMixin):
    """The request of the URL, among those the engineer may see."""

    @cached_property
    def connectivity_request(self) -> ConnectivityRequest:
        return get_object_or_404(
            ConnectivityRequest.objects.visible_to(self.request.user),
            reference=self.kwargs["reference"],
        )

    def back(self) -> HttpResponse:
        return redirect("review-detail", reference=self.connectivity_request.reference)


def _illustrative(connection: AwsVpnConnection) -> dict:
    """Return made-up AWS values for `make run`'s demo: distinct for every connection."""
    hosts = [host for block in ILLUSTRATIVE_RANGES for host in list(block.hosts())[9:]]
    first = (connection.pk * 2) % (len(hosts) - 1)
    return {
        "vpn_connection_id": f"vpn-{connection.pk:017x}",
        "tunnel_1_outside_ip": str(hosts[first]),
        "tunnel_2_outside_ip": str(hosts[first + 1]),
    }


class VpnConnectionRecordView(ReviewedRequestMixin, FormPageView):
    """Record the VPN connection an engineer made in AWS's console for one client VPN."""

    template_name = "connectivity/aws_record.html"
    form_class = VpnConnectionRecordForm

    @cached_property
    def connection(self) -> AwsVpnConnection:
        return get_object_or_404(
            AwsVpnConnection.objects.select_related("vpn__site").prefetch_related("vpn__tunnels"),
            vpn_id=self.kwargs["vpn_id"],
            vpn__site__request=self.connectivity_request,
        )

    def get_initial(self) -> dict:
        tunnels = list(self.connection.vpn.tunnels.all())
        initial = {"vpn_connection_id": self.connection.vpn_connection_id}
        for tunnel in tunnels:
            initial[f"tunnel_{tunnel.number}_outside_ip"] = tunnel.thredd_outside_ip
        return initial

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        if settings.AWS_ILLUSTRATIVE_VALUES and "illustrative" in self.request.POST:
            kwargs["data"] = _illustrative(self.connection)
        return kwargs

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(
            connectivity_request=self.connectivity_request,
            connection=self.connection,
            vpn=self.connection.vpn,
            tunnels=self.connection.vpn.tunnels.all(),
            illustrative=settings.AWS_ILLUSTRATIVE_VALUES,
            **kwargs,
        )

    def form_valid(self, form: VpnConnectionRecordForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            aws.vpn_connection_record(
                connection=self.connection,
                actor=self.request.user,
                vpn_connection_id=data["vpn_connection_id"],
                outside_ips=[data["tunnel_1_outside_ip"], data["tunnel_2_outside_ip"]],
                generic=data.get("generic_configuration"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Recorded {data['vpn_connection_id']}: the client's files are being prepared.",
        )
        return self.back()


class PeeringAttachmentRecordView(ReviewedRequestMixin, FormPageView):
    """Record the peering attachment an engineer made in AWS's console for one TGW site."""

    template_name = "connectivity/aws_peering_record.html"
    form_class = PeeringAttachmentRecordForm

    @cached_property
    def peering(self) -> AwsPeeringAttachment:
        return get_object_or_404(
            AwsPeeringAttachment.objects.select_related("site"),
            site_id=self.kwargs["site_id"],
            site__request=self.connectivity_request,
        )

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(
            connectivity_request=self.connectivity_request, peering=self.peering, **kwargs
        )

    def form_valid(self, form: PeeringAttachmentRecordForm) -> HttpResponse:
        aws.peering_attachment_record(
            peering=self.peering,
            actor=self.request.user,
            attachment_id=form.cleaned_data["attachment_id"],
        )
        messages.success(self.request, "Recorded: the client's files are being prepared.")
        return self.back()


class AwsRetryView(ReviewedRequestMixin, View):
    """Provision a failed VPN connection or peering attachment again (POST only)."""

    http_method_names = ["post"]
    models = {"vpns": (AwsVpnConnection, "vpn"), "sites": (AwsPeeringAttachment, "site")}

    def post(self, request: HttpRequest, reference: str, kind: str, pk: int) -> HttpResponse:
        if kind not in self.models:
            raise Http404("No such AWS resource.")
        model, owner = self.models[kind]
        where = "vpn__site__request" if owner == "vpn" else "site__request"
        row = get_object_or_404(model, **{f"{owner}_id": pk, where: self.connectivity_request})
        aws.aws_retry(row=row, actor=request.user)
        messages.success(request, "Thredd's AWS side is being set up again.")
        return self.back()


class ThreddSideDownloadView(ReviewedRequestMixin, View):
    """Download Thredd's side of one VPN (strongSwan, mirroring AWS), for engineers' tests."""

    def get(self, request: HttpRequest, reference: str, vpn_id: int) -> HttpResponse:
        vpn = get_object_or_404(
            Vpn.objects.select_related("site__request"),
            pk=vpn_id,
            site__request=self.connectivity_request,
        )
        try:
            download = downloads.thredd_side_download(vpn=vpn, user=request.user)
        except downloads.ArtifactUnavailable as exc:
            raise Http404(str(exc)) from None
        return attachment_response(download)


class RetireView(ReviewedRequestMixin, FormPageView):
    """Ask an engineer to confirm retiring a connection, then retire it."""

    template_name = "connectivity/retire.html"
    form_class = RetireForm

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(connectivity_request=self.connectivity_request, **kwargs)

    def form_valid(self, form: RetireForm) -> HttpResponse:
        try:
            retired = workflow.request_transition(
                "retire",
                request=self.connectivity_request,
                actor=self.request.user,
                comment=form.cleaned_data["comment"],
            )
        except workflow.TransitionError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{retired.reference} is retired: its subnets are free and its AWS side is being "
            "removed.",
        )
        return self.back()
