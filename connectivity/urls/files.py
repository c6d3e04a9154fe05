"""URLs of a request's configuration files, under /requests/<reference>/files/."""

from django.urls import path

from connectivity.views import artifacts

urlpatterns = [
    path("progress/", artifacts.ArtifactProgressView.as_view(), name="artifact-progress"),
    path("all.zip", artifacts.RequestZipView.as_view(), name="artifact-zip"),
    path("<int:artifact_id>/", artifacts.ArtifactDownloadView.as_view(), name="artifact-download"),
    path("<int:artifact_id>/retry/", artifacts.ArtifactRetryView.as_view(), name="artifact-retry"),
    path("vpns/<int:vpn_id>/", artifacts.DeviceDownloadView.as_view(), name="artifact-device"),
]
