from django.apps import AppConfig


class ConnectivityConfig(AppConfig):
    """The one domain app: organisations, connectivity requests, review and configuration."""

    name = "connectivity"
    verbose_name = "Connectivity"

    def ready(self) -> None:
        from django.urls import register_converter

        from connectivity import checks  # noqa: F401 - registers the system checks
        from connectivity.services.audit import audit_signals_connect
        from connectivity.urls import ReferenceConverter

        audit_signals_connect()
        register_converter(ReferenceConverter, "ref")
