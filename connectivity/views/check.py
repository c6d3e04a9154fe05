"""Check your answers: every answer with a Change link, the findings, a picture per site; send."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from connectivity import document
from connectivity.catalogue import find_platform
from connectivity.choices import Service, SubnetPurpose, choice_label, service_labels
from connectivity.findings import Finding
from connectivity.forms.base import parent_path
from connectivity.selectors.tasks import TaskList, request_tasks
from connectivity.services import workflow
from connectivity.topology import site_topology_svg

from .client_access import ClientRequestMixin


class CheckAnswersView(ClientRequestMixin, View):
    """Show every answer before sending, and send the request to Thredd."""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Show the answers and what the rules say about them."""
        if response := self.unless_editable():
            return response
        return self.render_page()

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Send the request; while the answers have errors, show them instead."""
        if response := self.unless_editable():
            return response
        try:
            workflow.request_transition(
                "submit", request=self.connectivity_request, actor=request.user
            )
        except workflow.SubmissionBlocked as exc:
            return self.render_page(blocked=str(exc))
        except workflow.TransitionError as exc:
            return self.render_page(blocked=str(exc))
        return redirect("request-confirmation", reference=reference)

    def render_page(self, blocked: str = "") -> HttpResponse:
        """Render the answers, the findings and a topology picture per site."""
        draft = self.connectivity_request
        task_list = request_tasks(request=draft)
        doc = task_list.doc
        sites = []
        stored_sites = task_list.request.sites.all()
        for index, (site, answers) in enumerate(zip(stored_sites, doc.sites, strict=True)):
            sites.append(
                {
                    "site": site,
                    "answers": answers,
                    "carriers": [_carrier_lines(carrier) for carrier in answers.vpns]
                    or [_carrier_lines(carrier) for carrier in answers.attachments],
                    "subnets": [
                        f"{subnet.cidr} ({choice_label(SubnetPurpose, subnet.purpose)})"
                        for subnet in answers.subnets
                    ],
                    "picture": site_topology_svg(
                        answers,
                        environment=draft.environment,
                        connection_type=draft.connection_type,
                        index=index,
                    ),
                }
            )
        here = reverse("request-check", kwargs={"reference": draft.reference})
        return render(
            self.request,
            "connectivity/check_answers.html",
            {
                "draft": draft,
                "doc": doc,
                "sites": sites,
                "services": list(service_labels(doc.services)),
                "task_list": task_list,
                "errors": [
                    (_task_url(task_list, finding, draft.reference), finding.message)
                    for finding in task_list.errors
                ],
                "blocked": blocked,
                "here": here,
            },
        )


def _carrier_lines(carrier: document.Vpn | document.Attachment) -> list[str]:
    """Return a VPN's or attachment's answers in plain words, one line each."""
    lines = [
        "Carries " + (", ".join(choice_label(Service, s) for s in carrier.services) or "nothing")
    ]
    if isinstance(carrier, document.Vpn):
        device = carrier.device or document.Device()
        platform = find_platform(device.vendor or "", device.platform or "")
        described = (
            f"{platform.vendor_label} {platform.label}"
            if platform
            else " ".join(filter(None, (device.vendor, device.platform))) or "not given"
        )
        lines += [
            f"Peer IP {carrier.peer_ip or 'not given'}"
            + (f", behind 1:1 NAT as {carrier.private_ip}" if carrier.private_ip else ""),
            f"Device {described}, software {device.software or 'not given'}",
            f"IKEv{carrier.ike_version or 2}",
        ]
    return lines


def _task_url(task_list: TaskList, finding: Finding, reference: str) -> str:
    """Return the page where the answer a finding is about can be changed."""
    urls = {"services": reverse("request-services", kwargs={"reference": reference})}
    urls["sites"] = reverse("site-add", kwargs={"reference": reference})
    site_number = 0
    for task in task_list.tasks:
        if task.key.startswith("site-"):
            urls[f"sites[{site_number}]"] = task.url
            site_number += 1
        else:
            urls[task.key] = task.url
    path = finding.field
    while path and path not in urls:
        path = parent_path(path)
    return urls.get(path, "#answers")
