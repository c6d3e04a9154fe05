"""Top-level URLs: sign-in (with staff's second factor) and password reset, the admin, the
audit log, and the connectivity app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from connectivity.forms.accounts import PasswordResetForm, SignInForm
from connectivity.views import audit, home, mfa

admin.site.site_header = "Thredd Connectivity administration"
admin.site.site_title = "Thredd Connectivity"

urlpatterns = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("sign-in/code/", mfa.MfaVerifyView.as_view(), name="mfa-verify"),
    path("sign-in/authenticator/", mfa.MfaEnrolView.as_view(), name="mfa-enrol"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            extra_context={"heading": "Reset your password", "button": "Send the link"},
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(extra_context={"heading": "Check your email"}),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            extra_context={"heading": "Choose a new password", "button": "Save the password"}
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(extra_context={"heading": "Password changed"}),
        name="password_reset_complete",
    ),
    path("favicon.ico", home.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("audit/", audit.AuditLogView.as_view(), name="audit-log"),
    path("review/", include("connectivity.urls.staff")),
    path("requests/<ref:reference>/files/", include("connectivity.urls.files")),
    path("", include("connectivity.urls.client")),
]
