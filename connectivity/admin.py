"""Django admin for Thredd staff: Thredd's settings, organisations, users and requests.

Request status, assignment and allocations belong to the workflow: the admin shows them
read-only, so nobody can move a request past its rules or events from here.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .choices import RequestStatus
from .forms.accounts import AdminUserChangeForm, AdminUserCreationForm
from .models import (
    Allocation,
    AuditEntry,
    Authenticator,
    AwsPeeringAttachment,
    AwsVpnConnection,
    ClientCertificate,
    ConnectivityRequest,
    Contact,
    MtlsDetails,
    Organisation,
    PortalCertificateAuthority,
    ReservedRange,
    ServiceRange,
    Site,
    ThreddSettings,
    User,
)


class ReservedRangeInline(admin.TabularInline):
    model = ReservedRange
    extra = 0


class ServiceRangeInline(admin.TabularInline):
    model = ServiceRange
    extra = 0


@admin.register(ThreddSettings)
class ThreddSettingsAdmin(admin.ModelAdmin):
    list_display = ["environment", "aws_region", "transit_gateway_id", "bgp_asn"]
    fieldsets = [
        (None, {"fields": ["environment", "mtls_trust_chain_pem"]}),
        (
            "Thredd's side in AWS",
            {
                "fields": [
                    "aws_account_id",
                    "aws_region",
                    "transit_gateway_id",
                    "transit_gateway_route_table_id",
                    "bgp_asn",
                ]
            },
        ),
    ]
    inlines = [ServiceRangeInline, ReservedRangeInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "organisation",
        "is_client_admin",
        "is_staff",
        "is_active",
        "last_login",
    ]
    list_filter = ["is_staff", "is_client_admin", "is_active", "organisation"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "organisation", "is_client_admin"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "organisation", "usable_password", "password1", "password2"],
            },
        ),
    ]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ["position", "name", "routing", "tgw_id", "aws_account_id", "aws_region"]
    show_change_link = True


class MtlsDetailsInline(admin.StackedInline):
    model = MtlsDetails
    extra = 0


@admin.register(ConnectivityRequest)
class ConnectivityRequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "organisation",
        "environment",
        "connection_type",
        "status",
        "updated_at",
    ]
    list_filter = ["status", "environment", "connection_type"]
    search_fields = ["reference", "organisation__name"]
    list_select_related = ["organisation"]
    # The workflow owns these: shown, never edited here.
    readonly_fields = ["reference", "status", "assigned_to", "amends", "created_by", "created_at"]
    inlines = [ContactInline, SiteInline, MtlsDetailsInline]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        """Fix the organisation once the request is sent: its files and allocations are theirs."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != RequestStatus.DRAFT:
            fields.append("organisation")
        return fields


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    """Allocations are written only by approval; staff may look and search."""

    list_display = ["network", "environment", "organisation", "request", "created_at"]
    list_filter = ["environment"]
    search_fields = ["organisation__name", "request__reference"]
    list_select_related = ["organisation", "request"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: entries are only ever added, by `services.audit`."""

    list_display = ["created_at", "action", "actor_email", "organisation", "object_reference"]
    list_filter = ["action", "organisation"]
    search_fields = ["actor_email", "object_reference", "ip_address"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the portal's services write (AWS resources, certificates): shown, never edited."""

    list_filter = ["environment", "status"]
    list_select_related = ["recorded_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AwsVpnConnection)
class AwsVpnConnectionAdmin(ReadOnlyAdmin):
    list_display = ["vpn", "vpn_connection_id", "customer_gateway_id", "status", "environment"]
    search_fields = ["vpn_connection_id", "customer_gateway_id", "vpn__site__request__reference"]


@admin.register(AwsPeeringAttachment)
class AwsPeeringAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["site", "attachment_id", "state", "status", "environment"]
    search_fields = ["attachment_id", "site__request__reference"]


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Staff's authenticator apps: an administrator deletes a lost phone's, nothing else."""

    list_display = ["user", "name", "confirmed", "last_used_at"]
    search_fields = ["user__email"]
    fields = ["user", "name", "confirmed", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ClientCertificate)
class ClientCertificateAdmin(ReadOnlyAdmin):
    """Issued client certificates, read-only: the issuing service writes them."""

    list_filter = ["status"]
    list_select_related = ["request"]
    list_display = ["request", "serial", "status", "not_after"]
    search_fields = ["request__reference", "serial"]


@admin.register(PortalCertificateAuthority)
class PortalCertificateAuthorityAdmin(ReadOnlyAdmin):
    """The CA the portal holds, read-only here: `manage.py create_mtls_ca` makes it."""

    list_filter = ["environment"]
    list_select_related = []
    list_display = ["environment", "created_at"]
    exclude = ["private_key_pem"]
