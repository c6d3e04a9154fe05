"""What the portal's one-form pages share: the error summary, and the draft they belong to."""

from django.http import HttpRequest, HttpResponse
from django.views.generic import FormView

from connectivity.forms.base import error_summary

from .client_access import ClientRequestMixin


class FormPageView(FormView):
    """A page with one form, shown again as typed with an error summary when it is wrong.

    The summary links each message to its field (GOV.UK's error summary), so every page
    that asks one question reads the same way.
    """

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["errors"] = error_summary([context["form"]])
        return context


class DraftFormPageView(ClientRequestMixin, FormPageView):
    """A one-form page of a draft: only while its answers may change, else its own page.

    The form's answers go back to check answers when the page was opened from there
    (`next`).
    """

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.unless_editable() or super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.unless_editable() or super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        request = self.request
        return super().get_context_data(
            draft=self.connectivity_request,
            next=request.POST.get("next") or request.GET.get("next", ""),
            **kwargs,
        )
