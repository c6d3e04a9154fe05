"""The project's URL map as a list, for the sweeps that visit every URL."""

from django.urls import URLPattern, URLResolver


def url_patterns(patterns, prefix: str = "", namespace: str = "", params: tuple = ()):
    """Yield (name, parameter names, route) for every URL pattern, depth first."""
    for entry in patterns:
        names = params + tuple(entry.pattern.regex.groupindex)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, route, inner, names)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), names, route
