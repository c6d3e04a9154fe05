"""URLs of the connectivity app."""

from django.urls import path

from .views import client, home, staff

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", home.health, name="health"),
    path("requests/", client.RequestListView.as_view(), name="request-list"),
    path("review/", staff.ReviewQueueView.as_view(), name="review-queue"),
]
