from django.apps import AppConfig


class ConnectivityConfig(AppConfig):
    """The one domain app: organisations, connectivity requests, review and configuration."""

    name = "connectivity"
    verbose_name = "Connectivity"

    def ready(self) -> None:
        from connectivity import checks  # noqa: F401 - registers the system checks
        from connectivity.services.audit import audit_signals_connect

        audit_signals_connect()
