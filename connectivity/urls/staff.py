"""URLs of Thredd's review, under /review/: staff only."""

from django.urls import path

from connectivity.views import aws, certificates, staff

urlpatterns = [
    path("", staff.ReviewQueueView.as_view(), name="review-queue"),
    path("<ref:reference>/", staff.ReviewDetailView.as_view(), name="review-detail"),
    path(
        "<ref:reference>/subnets/<int:subnet_id>/confirm/",
        staff.SubnetConfirmView.as_view(),
        name="review-subnet-confirm",
    ),
    path("<ref:reference>/assign/", staff.AssignView.as_view(), name="review-assign"),
    path(
        "<ref:reference>/subnets/confirm-free/",
        staff.SubnetsConfirmFreeView.as_view(),
        name="review-subnets-confirm-free",
    ),
    path(
        "<ref:reference>/aws/vpns/<int:vpn_id>/record/",
        aws.VpnConnectionRecordView.as_view(),
        name="aws-vpn-record",
    ),
    path(
        "<ref:reference>/aws/vpns/<int:vpn_id>/thredd-side/",
        aws.ThreddSideDownloadView.as_view(),
        name="aws-thredd-side",
    ),
    path(
        "<ref:reference>/aws/sites/<int:site_id>/record/",
        aws.PeeringAttachmentRecordView.as_view(),
        name="aws-peering-record",
    ),
    path(
        "<ref:reference>/aws/<str:kind>/<int:pk>/retry/",
        aws.AwsRetryView.as_view(),
        name="aws-retry",
    ),
    path("<ref:reference>/retire/confirm/", aws.RetireView.as_view(), name="review-retire"),
    path(
        "mtls/trust-chain/",
        certificates.TrustChainView.as_view(),
        name="mtls-trust-chain",
    ),
    path(
        "<ref:reference>/certificate/retry/",
        certificates.CertificateRetryView.as_view(),
        name="certificate-retry",
    ),
    path(
        "<ref:reference>/<slug:action>/",
        staff.ReviewActionView.as_view(),
        name="review-action",
    ),
]
