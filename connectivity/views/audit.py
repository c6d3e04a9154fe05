"""The audit log for Thredd staff: every transition, download, sign-in and denied access."""

from datetime import UTC, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.views.generic import TemplateView

from connectivity.forms.audit import AuditFilterForm
from connectivity.models import AuditEntry

from .access import StaffRequiredMixin

AUDIT_PAGE_SIZE = 50


def audit_entries(
    *,
    action: str = "",
    organisation=None,
    actor: str = "",
    reference: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEntry]:
    """Return the audit entries that match every filter given, newest first; dates are UTC."""
    entries = AuditEntry.objects.select_related("organisation")
    if action:
        entries = entries.filter(action=action)
    if organisation is not None:
        entries = entries.filter(organisation=organisation)
    if actor:
        entries = entries.filter(actor_email__icontains=actor)
    if reference:
        entries = entries.filter(object_reference__icontains=reference)
    if since is not None:
        entries = entries.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=UTC))
    if until is not None:
        next_day = datetime.combine(until, time.min, tzinfo=UTC) + timedelta(days=1)
        entries = entries.filter(created_at__lt=next_day)
    return entries


class AuditLogView(StaffRequiredMixin, TemplateView):
    """List audit entries, newest first, filtered by what, organisation, who, object and date."""

    template_name = "connectivity/audit_log.html"

    def get_context_data(self, **kwargs):
        form = AuditFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        page = Paginator(audit_entries(**filters), AUDIT_PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(form=form, page=page, query=query.urlencode(), **kwargs)
