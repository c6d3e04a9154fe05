"""A request's configuration files: progress, downloads, and the engineers' retry.

Client users and Thredd staff reach a request only through `visible_to`, so another
organisation's request or file is a 404. Files go out as attachments the browser must not
cache: they hold PSKs.
"""

from functools import cached_property

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views import View

from connectivity.models import ConnectivityRequest, Vpn
from connectivity.selectors.files import request_files
from connectivity.services import downloads
from connectivity.services.artifacts import artifact_retry


def attachment_response(download: downloads.Download) -> HttpResponse:
    """Return `download` as an attachment the browser must not keep: files hold PSKs."""
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=download.file_name
    )
    patch_cache_control(response, no_store=True)
    return response


class RequestFilesMixin(LoginRequiredMixin):
    """Find the request of the URL among those the user may see; others are a 404."""

    # The files panel lists each VPN and its AWS side: read with the answers (`with_answers()`).
    reads_answers = False

    @cached_property
    def connectivity_request(self) -> ConnectivityRequest:
        requests = ConnectivityRequest.objects.visible_to(self.request.user)
        return get_object_or_404(
            requests.with_answers() if self.reads_answers else requests,
            reference=self.kwargs["reference"],
        )

    def artifact(self):
        """Return the artifact of the URL, which must belong to the request of the URL."""
        return get_object_or_404(self.connectivity_request.artifacts, pk=self.kwargs["artifact_id"])


class ArtifactProgressView(RequestFilesMixin, View):
    """Show the files' progress and downloads: the fragment htmx refreshes while they render."""

    reads_answers = True

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        request.idle_timeout_exempt = True  # the page asks by itself: no sign of a user
        files = request_files(request=self.connectivity_request, user=request.user)
        response = render(
            request, "connectivity/includes/artifacts_progress.html", {"files": files}
        )
        patch_cache_control(response, no_store=True)
        return response


class ArtifactDownloadView(RequestFilesMixin, View):
    """Download one ready file (a zip when its device needs several)."""

    def get(self, request: HttpRequest, reference: str, artifact_id: int) -> HttpResponse:
        try:
            download = downloads.artifact_download(artifact=self.artifact(), user=request.user)
        except downloads.ArtifactUnavailable as exc:
            raise Http404(str(exc)) from None
        return attachment_response(download)


class RequestZipView(RequestFilesMixin, View):
    """Download every ready file of the request as one zip."""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        try:
            download = downloads.request_zip_download(
                request=self.connectivity_request, user=request.user
            )
        except downloads.ArtifactUnavailable as exc:
            raise Http404(str(exc)) from None
        return attachment_response(download)


class DeviceDownloadView(RequestFilesMixin, View):
    """Download a VPN's files for another device (`?target=`), rendered on demand."""

    def get(self, request: HttpRequest, reference: str, vpn_id: int) -> HttpResponse:
        vpn = get_object_or_404(
            Vpn.objects.select_related("site__request"),
            pk=vpn_id,
            site__request=self.connectivity_request,
        )
        try:
            download = downloads.device_download(
                vpn=vpn, target_key=request.GET.get("target", ""), user=request.user
            )
        except downloads.ArtifactUnavailable as exc:
            raise Http404(str(exc)) from None
        return attachment_response(download)


class ArtifactRetryView(RequestFilesMixin, View):
    """Render a failed file again (Thredd engineers, POST only), then show the review."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, reference: str, artifact_id: int) -> HttpResponse:
        artifact = artifact_retry(artifact=self.artifact(), actor=request.user)
        messages.success(request, f"{artifact.target} of {reference} is being prepared again.")
        return redirect("review-detail", reference=reference)
