"""The URLs of the domain: `client` (requests and their tasks), `staff` (review) and `files`
(configuration downloads); the project's urls.py mounts each.

A request reference in a URL is letters, digits and dashes (CR-2026-00042): anything else is
not found before a view or the database sees it (a NUL byte would reach PostgreSQL, which
refuses it in text).
"""


class ReferenceConverter:
    """Match a request reference in a URL."""

    regex = r"[A-Za-z0-9-]{1,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
