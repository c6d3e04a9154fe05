"""Render a portal page as PDF with WeasyPrint, fetching nothing but the portal's own static
files: a PDF, like every page, loads nothing from the internet (nor any other file)."""

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# The address a page's relative links resolve against while it becomes a PDF. `.invalid`
# never resolves (RFC 2606): only the fetcher below answers for it, from local files.
PAGE_ORIGIN = "https://portal.invalid"


class StaticFilesFetcher(URLFetcher):
    """Serve the portal's static files (stylesheets) to WeasyPrint; refuse every other URL.

    WeasyPrint skips a refused URL with a warning, so a stray link in a template costs a
    missing picture, never a request to another server.
    """

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        prefix = PAGE_ORIGIN + static("")
        if not url.startswith(prefix):
            raise ValueError(f"Only the portal's static files are fetched, not {url}.")
        name = unquote(url.removeprefix(prefix).split("?")[0].split("#")[0])
        if posixpath.normpath(name) != name or name.startswith("../"):
            raise ValueError(f"Only the portal's static files are fetched, not {url}.")
        # In development the files are where the finders look; in production collectstatic
        # has copied them, under hashed names, to the storage.
        found = finders.find(name)
        if found is None and staticfiles_storage.exists(name):
            found = staticfiles_storage.path(name)
        if found is None:
            raise ValueError(f"No static file is called {name}.")
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": content_type})


def html_to_pdf(html: str) -> bytes:
    """Return the PDF of a rendered page, its static files read from the portal's own."""
    return HTML(
        string=html, base_url=PAGE_ORIGIN + "/", url_fetcher=StaticFilesFetcher()
    ).write_pdf()
