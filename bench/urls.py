"""The portal's URLs, plus the benchmark's ceiling page (served only under `bench.settings`)."""

from django.urls import include, path

from bench.views import ceiling

urlpatterns = [
    path("bench/ceiling/", ceiling, name="bench-ceiling"),
    path("", include("thredd_onboard.urls")),
]
