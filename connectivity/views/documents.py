"""A request's answers as files from its page: the request document (REFERENCE §3 JSON) to
download or import, and the setup form as a PDF.

The document is the one the `validate_request` command reads, judged the same way on import;
neither file carries a pre-shared key.
"""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.views import View

from connectivity.forms.documents import DocumentImportForm
from connectivity.pdf import html_to_pdf
from connectivity.selectors.answers import answers_summary
from connectivity.selectors.requests import request_document_file
from connectivity.services import drafts

from .base import DraftFormPageView
from .client_access import ClientRequestMixin


class DocumentDownloadView(ClientRequestMixin, View):
    """Download a request's answers as its request document, a JSON file."""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Send the document as an attachment named after the request."""
        connectivity_request = self.connectivity_request
        body = json.dumps(request_document_file(connectivity_request), indent=2)
        return HttpResponse(
            body + "\n",
            content_type="application/json",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{connectivity_request.reference}.json"'
                )
            },
        )


class SetupFormPdfView(ClientRequestMixin, View):
    """Download the setup form as a PDF for the client's change records.

    Rendered from the same answers summary as the request page and check your answers, so
    the PDF says what the portal says; like the page, it shows no pre-shared key.
    """

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Send the PDF as an attachment named after the request."""
        connectivity_request = self.connectivity_request
        html = render_to_string(
            "connectivity/setup_form_pdf.html",
            {
                "summary": answers_summary(request=connectivity_request),
                "generated_at": timezone.now(),
            },
            request=request,
        )
        return HttpResponse(
            html_to_pdf(html),
            content_type="application/pdf",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{connectivity_request.reference}-setup-form.pdf"'
                )
            },
        )


class DocumentImportView(DraftFormPageView):
    """Replace a draft's answers with a request document file, if the file has no error."""

    template_name = "connectivity/document_import.html"
    form_class = DocumentImportForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "draft": self.connectivity_request}

    def form_valid(self, form: DocumentImportForm) -> HttpResponse:
        draft = self.connectivity_request
        try:
            drafts.document_import(request=draft, doc=form.document)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Answers imported from {form.cleaned_data['file'].name}: check each task below.",
        )
        return redirect("request-tasks", reference=draft.reference)
