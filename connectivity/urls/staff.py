"""URLs of Thredd's review, under /review/: staff only."""

from django.urls import path

from connectivity.views import staff

urlpatterns = [
    path("", staff.ReviewQueueView.as_view(), name="review-queue"),
    path("<str:reference>/", staff.ReviewDetailView.as_view(), name="review-detail"),
    path(
        "<str:reference>/subnets/<int:subnet_id>/confirm/",
        staff.SubnetConfirmView.as_view(),
        name="review-subnet-confirm",
    ),
    path(
        "<str:reference>/<slug:action>/",
        staff.ReviewActionView.as_view(),
        name="review-action",
    ),
]
