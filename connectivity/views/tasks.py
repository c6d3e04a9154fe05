"""The task list of a draft and its question pages: contacts, sites, mTLS, services."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.http import require_GET

from connectivity.choices import ConnectionType
from connectivity.constants import MAX_SUBNETS_PER_SITE
from connectivity.forms.base import QuestionPage, posted_index, text
from connectivity.forms.requests import (
    CONNECTION_TYPE_HINTS,
    ContactsPage,
    MtlsPage,
    RequestTypeForm,
    ServicesForm,
    SiteAddForm,
)
from connectivity.forms.sites import (
    PlatformSelect,
    SitePage,
    availability_answer,
    platform_choices,
)
from connectivity.selectors.tasks import request_tasks
from connectivity.services import drafts

from .base import DraftFormPageView
from .client_access import ClientRequestMixin


class TaskListView(ClientRequestMixin, View):
    """Show the draft's tasks and how far each has got."""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Show the task list, or the request's page once the answers cannot change."""
        if response := self.unless_editable():
            return response
        draft = self.connectivity_request
        return render(
            request,
            "connectivity/task_list.html",
            {"draft": draft, "task_list": request_tasks(request=draft)},
        )


class QuestionPageView(ClientRequestMixin, View):
    """A question page: show it, keep what was typed, judge it by the rules, save it.

    "Add another" and "Remove" buttons redraw the page with the rows changed, saving nothing.
    "Save and continue" saves only complete, correct answers; "Save and come back later"
    saves partial ones and, on a page that can keep them, the right answers while the wrong
    ones are kept as typed, to be shown again with their errors.
    """

    template_name = ""
    title = ""

    def page(self, data=None, files=None) -> QuestionPage:
        """Return the page's question page object, bound to `data` when it was posted."""
        raise NotImplementedError

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        """Show the page with the stored answers."""
        if response := self.unless_editable():
            return response
        page = self.page()
        if page.kept:
            page.validate(complete=False)
        return self.render_page(page)

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        """Redraw, or judge and save, the posted answers."""
        if response := self.unless_editable():
            return response
        page = self.page(data=request.POST, files=request.FILES)
        rebuilt = page.rebuilt()
        if rebuilt is not None:
            return self.render_page(rebuilt)
        later = "later" in request.POST
        if not page.validate(complete=not later):
            if later and page.keep_as_typed():
                messages.warning(
                    request,
                    "Your answers are saved, except those that need correcting: they are kept "
                    "as you typed them, with their errors, for when you come back.",
                )
                return redirect("request-tasks", reference=self.connectivity_request.reference)
            return self.render_page(page)
        page.save()
        if later:
            messages.success(request, "Your answers are saved. Come back to them at any time.")
            return redirect("request-tasks", reference=self.connectivity_request.reference)
        return redirect(next_url(request, self.connectivity_request.reference))

    def context(self, page: QuestionPage) -> dict:
        """Return what the page's template needs beyond the page itself."""
        return {}

    def render_page(self, page: QuestionPage) -> HttpResponse:
        """Render the page with its error summary and warnings."""
        return render(
            self.request,
            self.template_name,
            {
                "draft": self.connectivity_request,
                "page": page,
                "errors": page.error_summary(),
                "warnings": page.located_warnings(),
                "title": self.title,
                "next": self.request.POST.get("next") or self.request.GET.get("next", ""),
                **self.context(page),
            },
        )


class ContactsView(QuestionPageView):
    """Ask who Thredd's engineers may contact about the connection."""

    template_name = "connectivity/contacts.html"
    title = "Contacts"

    def page(self, data=None, files=None) -> ContactsPage:
        return ContactsPage(draft=self.connectivity_request, data=data)


class MtlsView(QuestionPageView):
    """Ask for the certificate signing request and the EHI endpoint of an mTLS request."""

    template_name = "connectivity/mtls.html"
    title = "Certificate and EHI endpoint"

    def page(self, data=None, files=None) -> MtlsPage:
        return MtlsPage(draft=self.connectivity_request, data=data, files=files)

    def unless_editable(self) -> HttpResponse | None:
        response = super().unless_editable()
        if response is None and self.connectivity_request.connection_type != ConnectionType.MTLS:
            return redirect("request-tasks", reference=self.connectivity_request.reference)
        return response


class SiteEditView(QuestionPageView):
    """Ask everything about one site on one page."""

    template_name = "connectivity/site.html"
    title = "Site"

    def page(self, data=None, files=None) -> SitePage:
        return SitePage(draft=self.connectivity_request, site=self.site(), data=data)

    def context(self, page: SitePage) -> dict:
        return {
            "site": page.site,
            "carriers": list(zip(page.carrier_labels(), page.carriers, strict=True)),
            "subnets": [
                (form, page.availability.get(index)) for index, form in enumerate(page.subnets)
            ],
            "max_subnets": MAX_SUBNETS_PER_SITE,
        }


class SiteAddView(DraftFormPageView):
    """Add a site to a VPN or Transit Gateway draft, then open its page."""

    template_name = "connectivity/site_add.html"
    form_class = SiteAddForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "draft": self.connectivity_request}

    def form_valid(self, form: SiteAddForm) -> HttpResponse:
        draft = self.connectivity_request
        if draft.connection_type == ConnectionType.MTLS:
            return self.form_invalid(form)
        try:
            site = drafts.site_add(request=draft, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc)
            return self.form_invalid(form)
        return redirect("site-edit", reference=draft.reference, site_id=site.pk)


class SiteRemoveView(ClientRequestMixin, View):
    """Remove a site from a draft, after the user confirms."""

    def get(self, request: HttpRequest, reference: str, site_id: int) -> HttpResponse:
        """Ask the user to confirm the removal."""
        if response := self.unless_editable():
            return response
        return render(
            request,
            "connectivity/site_remove.html",
            {"draft": self.connectivity_request, "site": self.site()},
        )

    def post(self, request: HttpRequest, reference: str, site_id: int) -> HttpResponse:
        """Remove the site and go back to the task list."""
        if response := self.unless_editable():
            return response
        site = self.site()
        drafts.site_remove(site=site)
        messages.success(request, f"Site {site.name} removed.")
        return redirect("request-tasks", reference=reference)


class ServicesView(DraftFormPageView):
    """Change the Thredd services a draft asks for."""

    template_name = "connectivity/services.html"
    form_class = ServicesForm

    def get_initial(self) -> dict:
        return {"services": self.connectivity_request.services}

    def form_valid(self, form: ServicesForm) -> HttpResponse:
        drafts.request_services_save(
            request=self.connectivity_request, services=form.cleaned_data["services"]
        )
        return redirect(next_url(self.request, self.connectivity_request.reference))


class RequestTypeView(DraftFormPageView):
    """Change a draft's environment and connection type, while nothing depends on them yet."""

    template_name = "connectivity/request_type.html"
    form_class = RequestTypeForm
    extra_context = {"connection_type_hints": CONNECTION_TYPE_HINTS}

    def get_initial(self) -> dict:
        draft = self.connectivity_request
        return {"environment": draft.environment, "connection_type": draft.connection_type}

    def form_valid(self, form: RequestTypeForm) -> HttpResponse:
        try:
            drafts.request_type_save(
                request=self.connectivity_request,
                environment=form.cleaned_data["environment"],
                connection_type=form.cleaned_data["connection_type"],
            )
        except ValidationError as exc:
            changed = (
                form.cleaned_data["connection_type"] != self.connectivity_request.connection_type
            )
            form.add_error("connection_type" if changed else "environment", exc.messages)
            return self.form_invalid(form)
        return redirect(next_url(self.request, self.connectivity_request.reference))


class SubnetAvailabilityView(ClientRequestMixin, View):
    """Answer "Available" or "Not available" for one subnet row (htmx), never whose it is."""

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Return the answer as a small fragment for the subnet's row."""
        index = posted_index(request.POST, "check_subnet")
        cidr = text(request.POST.get(f"subnet-{index}-cidr")) if index is not None else None
        available, message = availability_answer(draft=self.connectivity_request, cidr=cidr)
        return render(
            request,
            "connectivity/includes/availability.html",
            {"available": available, "message": message},
        )


@login_required
@require_GET
def device_platforms(request: HttpRequest) -> HttpResponse:
    """Return a VPN's platform select with only the chosen vendor's platforms (htmx)."""
    key, vendor = next(
        ((key, value) for key, value in request.GET.items() if key.endswith("device_vendor")),
        ("device_vendor", ""),
    )
    name = key.removesuffix("device_vendor") + "device_platform"
    if not re.fullmatch(r"[a-z0-9-]*device_platform", name):
        name = "device_platform"
    select = PlatformSelect(choices=platform_choices(text(vendor)))
    return HttpResponse(select.render(name, "", attrs={"id": f"id_{name}", "class": "form-select"}))


def next_url(request: HttpRequest, reference: str) -> str:
    """Return where a saved page goes: back to check answers when it came from there."""
    target = request.POST.get("next") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("request-tasks", kwargs={"reference": reference})
