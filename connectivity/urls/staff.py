"""URLs of Thredd's review, under /review/: staff only."""

from django.urls import path

from connectivity.views import aws, staff

urlpatterns = [
    path("", staff.ReviewQueueView.as_view(), name="review-queue"),
    path("<str:reference>/", staff.ReviewDetailView.as_view(), name="review-detail"),
    path(
        "<str:reference>/subnets/<int:subnet_id>/confirm/",
        staff.SubnetConfirmView.as_view(),
        name="review-subnet-confirm",
    ),
    path(
        "<str:reference>/aws/vpns/<int:vpn_id>/record/",
        aws.VpnConnectionRecordView.as_view(),
        name="aws-vpn-record",
    ),
    path(
        "<str:reference>/aws/vpns/<int:vpn_id>/thredd-side/",
        aws.ThreddSideDownloadView.as_view(),
        name="aws-thredd-side",
    ),
    path(
        "<str:reference>/aws/sites/<int:site_id>/record/",
        aws.PeeringAttachmentRecordView.as_view(),
        name="aws-peering-record",
    ),
    path(
        "<str:reference>/aws/<str:kind>/<int:pk>/retry/",
        aws.AwsRetryView.as_view(),
        name="aws-retry",
    ),
    path("<str:reference>/retire/confirm/", aws.RetireView.as_view(), name="review-retire"),
    path(
        "<str:reference>/<slug:action>/",
        staff.ReviewActionView.as_view(),
        name="review-action",
    ),
]
