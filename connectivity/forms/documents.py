"""Import a request document (REFERENCE §3 JSON) from a file into a draft."""

from django import forms

from connectivity.choices import Severity
from connectivity.document import RequestDocument, parse_json
from connectivity.findings import Finding, has_errors
from connectivity.models import ConnectivityRequest
from connectivity.places import place_name
from connectivity.selectors.findings import document_findings
from connectivity.services.drafts import document_kind_refusal

# Twenty sites of sixteen subnets and two VPNs each fit in well under 1 MB.
MAX_DOCUMENT_BYTES = 1024 * 1024


def _located(finding: Finding, doc: RequestDocument | None) -> str:
    """Return a finding's message with where it is: the answer in words, as every page names
    it, and the JSON path, for whoever edits the file by hand."""
    if not finding.field:
        return finding.message
    where = place_name(finding.field, doc)
    path = f"at {finding.field} in the file"
    return f"{where} ({path}): {finding.message}" if where else f"{path}: {finding.message}"


class DocumentImportForm(forms.Form):
    """Ask for a request document file and judge it as `validate_request` does.

    A file of another environment or connection type than the draft's is refused with that
    alone; otherwise a file with any error (not JSON, an unknown key, a rule broken, a subnet
    taken) is refused with every error named, and warnings alone do not stop it. The judged
    document is `document`.
    """

    file = forms.FileField(
        label="Request document (JSON)",
        help_text="A .json file of at most 1 MB in the shape of a downloaded request document.",
        error_messages={
            "required": "Choose the JSON file to import.",
            "empty": "The file is empty: choose a request document.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def __init__(self, *args, draft: ConnectivityRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.draft = draft
        self.document: RequestDocument | None = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        content = upload.read(MAX_DOCUMENT_BYTES + 1)
        if len(content) > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB: choose a request document.")
        doc, findings = parse_json(content)
        if doc is not None and (refusal := document_kind_refusal(request=self.draft, doc=doc)):
            raise forms.ValidationError(refusal)
        if doc is not None:
            findings += document_findings(
                doc, organisation_id=self.draft.organisation_id, request=self.draft
            )
        if doc is None or has_errors(findings):
            raise forms.ValidationError(
                [
                    _located(finding, doc)
                    for finding in findings
                    if finding.severity == Severity.ERROR
                ]
            )
        self.document = doc
        return upload
