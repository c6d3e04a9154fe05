"""Check your answers: every answer with a Change link, the findings, a picture per site; send."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from connectivity.places import locate
from connectivity.selectors.answers import answers_summary
from connectivity.selectors.tasks import TaskList, request_tasks
from connectivity.services import workflow

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
        here = reverse("request-check", kwargs={"reference": draft.reference})
        return render(
            self.request,
            "connectivity/check_answers.html",
            {
                "draft": draft,
                "summary": answers_summary(request=task_list.request, doc=task_list.doc),
                "task_list": task_list,
                "errors": [
                    (located.anchor, located.message)
                    for located in locate(
                        task_list.errors, task_list.doc, _answer_anchors(task_list, draft.reference)
                    )
                ],
                "warnings": locate(task_list.warnings, task_list.doc),
                "blocked": blocked,
                "here": here,
            },
        )


def _answer_anchors(task_list: TaskList, reference: str) -> dict[str, str]:
    """Return where each part of the request is changed: its page, and on a site's page the
    fieldset of each VPN or attachment and of the subnets (`site.html`'s ids)."""
    anchors = {
        "": "#answers",
        "environment": reverse("request-details", kwargs={"reference": reference}),
        "connection_type": reverse("request-details", kwargs={"reference": reference}),
        "services": reverse("request-services", kwargs={"reference": reference}),
        "sites": reverse("site-add", kwargs={"reference": reference}),
    }
    site_urls = []
    for task in task_list.tasks:
        if task.key.startswith("site-"):
            site_urls.append(task.url)
        else:
            anchors[task.key] = task.url
    for index, (url, site) in enumerate(zip(site_urls, task_list.doc.sites, strict=False)):
        root = f"sites[{index}]"
        anchors[root] = f"{url}#site-details"
        anchors[f"{root}.subnets"] = f"{url}#subnets"
        for key in ("vpns", "attachments"):
            for number in range(len(getattr(site, key))):
                anchors[f"{root}.{key}[{number}]"] = f"{url}#carrier-{number}"
    return anchors
