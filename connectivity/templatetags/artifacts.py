"""`{% configuration_files connectivity_request %}`: a request's "Configuration files" section.

An inclusion tag, so the client's request page and the staff review page show the section
without their views gathering its data.
"""

from django import template

from connectivity.artifacts import request_files

register = template.Library()


@register.inclusion_tag("connectivity/includes/artifacts.html", takes_context=True)
def configuration_files(context, connectivity_request) -> dict:
    """Render the files of `connectivity_request` as the signed-in user may see them."""
    return {
        "files": request_files(request=connectivity_request, user=context["request"].user),
        "csrf_token": context.get("csrf_token"),
    }
