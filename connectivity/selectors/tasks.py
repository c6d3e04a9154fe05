"""The task list of a draft: each task's state, derived from the answers and the rules."""

import re
from dataclasses import dataclass, field

from django.urls import reverse

from connectivity.choices import ConnectionType, Severity
from connectivity.document import RequestDocument
from connectivity.findings import Finding
from connectivity.models import ConnectivityRequest

from .findings import ANSWERS_NOT_SAVED, request_findings
from .requests import request_answers, request_to_document

NOT_STARTED = "Not started"
IN_PROGRESS = "In progress"
COMPLETED = "Completed"
PROBLEM = "There is a problem"

_PATH_PART = re.compile(r"[^.\[\]]+|\[\d+\]")


@dataclass(frozen=True, slots=True)
class Task:
    """One line of the task list: what to do, where, and how far the client has got."""

    name: str
    url: str
    status: str
    key: str
    copied_from_uat: str = ""  # a site copied from this UAT request, not yet checked


@dataclass(slots=True)
class TaskList:
    """The tasks of a draft, the findings they were judged by and the request document."""

    request: ConnectivityRequest  # read with every answer, which `doc` was made from
    tasks: list[Task]
    findings: list[Finding]
    doc: RequestDocument
    request_errors: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """Return the findings that block sending the request."""
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """Return the findings shown but not blocking."""
        return [f for f in self.findings if f.severity == Severity.WARNING]

    @property
    def to_check_for_production(self) -> list[Task]:
        """Return the tasks of sites copied from UAT whose answers are still to be checked."""
        return [task for task in self.tasks if task.copied_from_uat]

    @property
    def completed(self) -> int:
        """Return how many tasks are completed."""
        return sum(task.status == COMPLETED for task in self.tasks)


def _value_at(doc: RequestDocument, path: str) -> object:
    """Return the answer at a finding's path in the document, or None when there is none."""
    value: object = doc
    for part in _PATH_PART.findall(path):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, tuple) and index < len(value) else None
        else:
            value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _is_missing(doc: RequestDocument, finding: Finding) -> bool:
    """Say whether an error is about an answer not given yet rather than a wrong one.

    Answers kept as typed are not given yet either: the client chose to correct them later.
    """
    return finding.code == ANSWERS_NOT_SAVED or _value_at(doc, finding.field) in (None, "", ())


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((f"{prefix}.", f"{prefix}["))


def _status(doc: RequestDocument, findings: list[Finding], prefix: str, started: bool) -> str:
    if not started:
        return NOT_STARTED
    errors = [f for f in findings if f.severity == Severity.ERROR and _under(f.field, prefix)]
    if any(not _is_missing(doc, finding) for finding in errors):
        return PROBLEM
    return IN_PROGRESS if errors else COMPLETED


def request_tasks(*, request: ConnectivityRequest) -> TaskList:
    """Return the task list of `request`, each task's status derived from answers and rules.

    Not started: nothing entered. In progress: some answers missing, none wrong. Completed:
    every answer given and right. There is a problem: an error about an answer given.
    """
    request = request_answers(request)
    doc = request_to_document(request)
    findings = request_findings(request, doc)
    reference = request.reference
    tasks = [
        Task(
            "Contacts",
            reverse("request-contacts", kwargs={"reference": reference}),
            _status(doc, findings, "contacts", bool(doc.contacts)),
            "contacts",
        )
    ]
    if request.connection_type == ConnectionType.MTLS:
        mtls = doc.mtls
        started = mtls is not None and bool(mtls.csr_pem or mtls.ehi_endpoint_url)
        tasks.append(
            Task(
                "Certificate and EHI endpoint",
                reverse("request-mtls", kwargs={"reference": reference}),
                _status(doc, findings, "mtls", started),
                "mtls",
            )
        )
    for index, (site, site_doc) in enumerate(zip(request.sites.all(), doc.sites, strict=True)):
        started = bool(
            site_doc.subnets
            or site.tgw_id
            or any(vpn.peer_ip or vpn.device for vpn in site_doc.vpns)
        )
        tasks.append(
            Task(
                f"Site: {site.name}",
                reverse("site-edit", kwargs={"reference": reference, "site_id": site.pk}),
                _status(doc, findings, f"sites[{index}]", started or bool(site.answers_as_typed)),
                f"site-{site.pk}",
                site.copied_from_uat,
            )
        )
    request_errors = [
        f
        for f in findings
        if f.severity == Severity.ERROR and f.field in ("sites", "services", "environment")
    ]
    return TaskList(
        request=request, tasks=tasks, findings=findings, doc=doc, request_errors=request_errors
    )
