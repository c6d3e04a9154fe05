"""URLs of the connectivity app."""

from django.urls import path

from connectivity.views import (
    certificates,
    check,
    client,
    comments,
    documents,
    home,
    invite,
    tasks,
)

REQUEST = "requests/<ref:reference>/"

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", home.health, name="health"),
    path("requests/", client.RequestListView.as_view(), name="request-list"),
    path(
        "requests/before-you-start/",
        client.BeforeYouStartView.as_view(),
        name="before-you-start",
    ),
    path("requests/new/", client.RequestStartView.as_view(), name="request-start"),
    path("requests/device-platforms/", tasks.device_platforms, name="device-platforms"),
    path(REQUEST, client.RequestDetailView.as_view(), name="request-detail"),
    path(f"{REQUEST}tasks/", tasks.TaskListView.as_view(), name="request-tasks"),
    path(f"{REQUEST}services/", tasks.ServicesView.as_view(), name="request-services"),
    path(f"{REQUEST}type/", tasks.RequestTypeView.as_view(), name="request-details"),
    path(f"{REQUEST}contacts/", tasks.ContactsView.as_view(), name="request-contacts"),
    path(f"{REQUEST}mtls/", tasks.MtlsView.as_view(), name="request-mtls"),
    path(f"{REQUEST}sites/add/", tasks.SiteAddView.as_view(), name="site-add"),
    path(f"{REQUEST}sites/<int:site_id>/", tasks.SiteEditView.as_view(), name="site-edit"),
    path(
        f"{REQUEST}sites/<int:site_id>/remove/",
        tasks.SiteRemoveView.as_view(),
        name="site-remove",
    ),
    path(
        f"{REQUEST}availability/",
        tasks.SubnetAvailabilityView.as_view(),
        name="subnet-availability",
    ),
    path(f"{REQUEST}check/", check.CheckAnswersView.as_view(), name="request-check"),
    path(
        f"{REQUEST}document.json",
        documents.DocumentDownloadView.as_view(),
        name="request-document",
    ),
    path(
        f"{REQUEST}setup-form.pdf",
        documents.SetupFormPdfView.as_view(),
        name="request-pdf",
    ),
    path(
        f"{REQUEST}import/",
        documents.DocumentImportView.as_view(),
        name="request-import",
    ),
    path(f"{REQUEST}sent/", client.ConfirmationView.as_view(), name="request-confirmation"),
    path(f"{REQUEST}withdraw/", client.WithdrawView.as_view(), name="request-withdraw"),
    path(f"{REQUEST}amend/", client.AmendView.as_view(), name="request-amend"),
    path(
        f"{REQUEST}copy-to-production/",
        client.CopyToProductionView.as_view(),
        name="request-copy",
    ),
    path(f"{REQUEST}comments/", comments.comment_add, name="comment-add"),
    path(
        f"{REQUEST}certificate/",
        certificates.CertificateDownloadView.as_view(),
        name="certificate-download",
    ),
    path(
        f"{REQUEST}certificate/renew/",
        certificates.CertificateRenewView.as_view(),
        name="certificate-renew",
    ),
    path("staff/invite/", invite.ClientInviteView.as_view(), name="client-invite"),
    path("colleagues/", invite.ColleagueListView.as_view(), name="colleague-list"),
    path("colleagues/invite/", invite.ColleagueInviteView.as_view(), name="colleague-invite"),
]
