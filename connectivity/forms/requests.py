"""The client's question pages outside the sites: start, services, contacts, mTLS, withdraw."""

from django import forms

from connectivity import document, rules
from connectivity.choices import ConnectionType, ContactRole, Environment, Service
from connectivity.models import ConnectivityRequest
from connectivity.services import drafts

from .base import (
    AnswerForm,
    Binding,
    QuestionPage,
    bound_rows,
    initial_rows,
    posted_index,
    text,
)

# One plain sentence on when each connection type fits (seed, REFERENCE §1).
CONNECTION_TYPE_HINTS = {
    ConnectionType.IPSEC_VPN: (
        "For sites on premises, in another cloud or in AWS: two encrypted tunnels over the "
        "internet from your VPN device to Thredd."
    ),
    ConnectionType.AWS_TGW: (
        "For infrastructure hosted in AWS: peer your Transit Gateway with Thredd's for the "
        "lowest latency. Static routing only."
    ),
    ConnectionType.MTLS: (
        "For certificate-based access without a network link: Thredd signs your certificate "
        "request and calls your EHI endpoint over mutual TLS."
    ),
}
SERVICE_HINTS = {
    Service.WEB_SERVICES: "Thredd's SOAP and REST APIs: your systems call Thredd.",
    Service.EHI: "External Host Interface: Thredd calls your host with card transactions.",
    Service.PORTAL: "Thredd's web user interface for your staff.",
}


def _services_field(label: str, choices=Service.choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _field_findings(form: AnswerForm, findings) -> None:
    """Put every finding at the form field named like its path (request-level fields)."""
    for finding in findings:
        if finding.severity == "error":
            form.add_error(finding.field.split("[")[0], finding.message)


class RequestTypeForm(AnswerForm):
    """Ask which environment a request is for and how it will connect to Thredd."""

    environment = forms.ChoiceField(
        label="Which environment is this request for?",
        choices=Environment.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Start with UAT; once it works, copy the request to Production.",
    )
    connection_type = forms.ChoiceField(
        label="How will you connect to Thredd?",
        choices=ConnectionType.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean(self):
        cleaned = super().clean()
        _field_findings(
            self,
            [
                *rules.check_environment(cleaned.get("environment") or None),
                *rules.check_connection_type(cleaned.get("connection_type") or None),
            ],
        )
        return cleaned


class StartForm(RequestTypeForm):
    """Ask what the new request is for: environment, connection type and services."""

    services = _services_field("Which Thredd services do you need?")

    def clean(self):
        cleaned = super().clean()
        _field_findings(self, rules.check_services(cleaned.get("services") or [], "services"))
        return cleaned


class ServicesForm(AnswerForm):
    """Change which Thredd services a draft asks for."""

    services = _services_field("Which Thredd services do you need?")

    def clean(self):
        cleaned = super().clean()
        _field_findings(self, rules.check_services(cleaned.get("services") or [], "services"))
        return cleaned


class SiteAddForm(AnswerForm):
    """Name a new site of a draft."""

    name = forms.CharField(
        label="What is the site called?",
        required=False,
        help_text="Such as London DC1 or AWS eu-west-2. Letters, digits, spaces and - _ . ( )",
    )

    def __init__(self, *args, draft: ConnectivityRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.draft = draft

    def clean(self):
        cleaned = super().clean()
        name = text(cleaned.get("name"))
        existing = [document.Site(name=site.name) for site in self.draft.sites.all()]
        findings = [
            *rules.check_site_name(name, "name"),
            *rules.check_site_names_unique([*existing, document.Site(name=name)]),
        ]
        for finding in findings:
            self.add_error("name", finding.message)
        cleaned["name"] = name
        return cleaned


class ContactForm(AnswerForm):
    """One person Thredd may contact about the connection."""

    checked_when_answered = frozenset({"email", "role"})
    preset_fields = frozenset({"role"})

    name = forms.CharField(label="Full name", max_length=120, required=False)
    email = forms.CharField(
        label="Email address",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="Phone number",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    role = forms.ChoiceField(
        label="Role", choices=ContactRole.choices, required=False, initial=ContactRole.TECHNICAL
    )

    def answer(self) -> document.Contact:
        """Return the contact as the request document holds it."""
        data = self.cleaned_data
        return document.Contact(
            name=text(data["name"]),
            email=text(data["email"]),
            phone=text(data["phone"]),
            role=text(data["role"]),
        )


class PageForm(AnswerForm):
    """A form without fields that holds the errors about a page as a whole."""

    def __init__(self, *, anchor: str, data=None) -> None:
        super().__init__(data=data if data is not None else {})
        self.anchor = anchor


class ContactsPage(QuestionPage):
    """The contacts task: one row per person, with "Add another contact" and "Remove"."""

    prefix = "contact"

    def __init__(self, *, draft: ConnectivityRequest, data=None, rows=None) -> None:
        self.draft = draft
        self.data = data
        self.warnings = []
        self.page_form = PageForm(anchor="contacts", data=data)
        if data is not None:
            self.rows = bound_rows(ContactForm, data, self.prefix)
        else:
            if rows is None:
                rows = [
                    {"name": c.name, "email": c.email, "phone": c.phone, "role": c.role}
                    for c in draft.contacts.all()
                ] or [{"role": ContactRole.TECHNICAL}]
            self.rows = initial_rows(ContactForm, rows, self.prefix)

    def forms(self) -> list[AnswerForm]:
        return [self.page_form, *self.rows]

    def rebuilt(self) -> "ContactsPage | None":
        rows = [form.raw() for form in self.rows]
        removed = posted_index(self.data, "remove_contact")
        if removed is not None and 0 <= removed < len(rows):
            rows.pop(removed)
        elif "add_contact" in self.data:
            rows.append({"role": ContactRole.TECHNICAL})
        else:
            return None
        return ContactsPage(draft=self.draft, rows=rows)

    def findings(self):
        bindings = {"contacts": Binding(self.page_form)}
        self.answers = []
        for form in self.rows:
            if not form.has_answer():
                continue
            path = f"contacts[{len(self.answers)}]"
            self.answers.append(form.answer())
            bindings[path] = Binding(form)
            for name in ("email", "role"):
                bindings[f"{path}.{name}"] = Binding(form, name)
        return rules.check_contacts(self.answers), bindings

    def save(self) -> None:
        drafts.contacts_save(request=self.draft, contacts=self.answers)


class MtlsForm(AnswerForm):
    """The certificate signing request and EHI endpoint of an mTLS request."""

    csr_pem = forms.CharField(
        label="Certificate signing request",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "font-monospace"}),
        help_text="Paste it in PEM form, from -----BEGIN CERTIFICATE REQUEST----- to "
        "-----END CERTIFICATE REQUEST-----, or upload the file below.",
    )
    csr_file = forms.FileField(
        label="Or upload the certificate signing request file",
        required=False,
        help_text="A .csr or .pem file of at most 64 KB. It replaces what is pasted above.",
    )
    ehi_endpoint_url = forms.CharField(
        label="EHI endpoint URL",
        max_length=300,
        required=False,
        help_text="Where Thredd calls your EHI host, such as https://ehi.example.com:8443/ehi",
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )

    MAX_FILE_BYTES = 64 * 1024

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("csr_file")
        if upload:
            content = upload.read(self.MAX_FILE_BYTES + 1)
            if len(content) > self.MAX_FILE_BYTES:
                self.add_error("csr_file", "The file is larger than 64 KB: upload the CSR only.")
            else:
                # Show the uploaded request in the text box, so a re-rendered page keeps it.
                pem = content.decode("ascii", errors="replace")
                cleaned["csr_pem"] = pem
                self.data = self.data.copy()
                self.data[self.add_prefix("csr_pem")] = pem
        return cleaned

    def answer(self) -> document.Mtls:
        """Return the mTLS details as the request document holds them."""
        return document.Mtls(
            csr_pem=text(self.cleaned_data["csr_pem"]),
            ehi_endpoint_url=text(self.cleaned_data["ehi_endpoint_url"]),
        )


class MtlsPage(QuestionPage):
    """The mTLS details task."""

    def __init__(self, *, draft: ConnectivityRequest, data=None, files=None) -> None:
        self.draft = draft
        self.warnings = []
        details = getattr(draft, "mtls", None)
        initial = {
            "csr_pem": details.csr_pem if details else "",
            "ehi_endpoint_url": details.ehi_endpoint_url if details else "",
        }
        self.form = MtlsForm(data=data, files=files, initial=initial)

    def forms(self) -> list[AnswerForm]:
        return [self.form]

    def findings(self):
        self.answer = self.form.answer()
        bindings = {
            "mtls": Binding(self.form),
            "mtls.csr_pem": Binding(self.form, "csr_pem"),
            "mtls.ehi_endpoint_url": Binding(self.form, "ehi_endpoint_url"),
        }
        return rules.check_mtls(self.answer, "mtls", services=self.draft.services), bindings

    def save(self) -> None:
        drafts.mtls_save(request=self.draft, answers=self.answer)


class WithdrawForm(forms.Form):
    """Confirm withdrawing a request, with an optional reason for Thredd."""

    comment = forms.CharField(
        label="Why are you withdrawing it? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
