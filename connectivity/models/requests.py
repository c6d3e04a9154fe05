"""A connectivity request: one client organisation asking for private access in one environment."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models.query import ModelIterable
from django.urls import reverse
from django.utils import timezone

from connectivity.choices import (
    EDITABLE_STATUSES,
    FINAL_STATUSES,
    ConnectionType,
    ContactRole,
    Environment,
    RequestStatus,
    Service,
)

from .answers import answers_load
from .organisations import Organisation

__all__ = ["ConnectivityRequest", "Contact", "MtlsDetails"]


class ConnectivityRequestQuerySet(models.QuerySet):
    """Reads of requests, scoped to what a user may see."""

    def visible_to(self, user) -> "ConnectivityRequestQuerySet":
        """Return the requests `user` may see: engineers all, a client user its organisation's.

        Staff without the engineer's role see none.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self if user.is_engineer else self.none()
        if user.organisation_id is None:
            return self.none()
        return self.filter(organisation_id=user.organisation_id)

    # Set by `with_answers()`: read every answer of the requests fetched (`answers_load`).
    _answers: dict | None = None

    def with_answers(self, *, confirmations: bool = False) -> "ConnectivityRequestQuerySet":
        """Return these requests with every answer read, to dump or show them whole.

        Each site's and VPN's AWS side (the peering attachment, the VPN connection) comes
        with them, and with `confirmations` each subnet's confirmation and who made it (the
        review page). One round trip for all of it, whatever the number of sites
        (`answers.answers_load`), once the requests themselves are fetched.
        """
        clone = self.select_related("organisation", "mtls")
        clone._answers = {"confirmations": confirmations}
        return clone

    def _clone(self) -> "ConnectivityRequestQuerySet":
        clone = super()._clone()
        clone._answers = self._answers
        return clone

    def _fetch_all(self) -> None:
        unread = self._result_cache is None
        super()._fetch_all()
        if unread and self._answers is not None and self._iterable_class is ModelIterable:
            answers_load(self._result_cache, **self._answers)


def next_reference() -> str:
    """Return the next request reference, such as CR-2026-00042 (a database sequence)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('connectivity_request_reference_seq')")
        (number,) = cursor.fetchone()
    return f"CR-{timezone.now().year}-{number:05d}"


class ConnectivityRequest(models.Model):
    """The VPN Connectivity Setup Form of one organisation for one environment.

    Its status changes only through `services.workflow`. An amendment of an active
    request is a new request whose `amends` points at the revision it will supersede.
    """

    reference = models.CharField(max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="requests"
    )
    environment = models.CharField(max_length=16, choices=Environment.choices)
    connection_type = models.CharField(max_length=16, choices=ConnectionType.choices)
    services = ArrayField(
        models.CharField(max_length=16, choices=Service.choices),
        default=list,
        help_text="The Thredd services the client needs.",
    )
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT, editable=False
    )
    amends = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        help_text="The active request this one amends.",
    )
    superseded_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When an amendment of this active request became active in its place.",
    )
    # How long the request has waited, kept as it moves so the review queue can sort
    # thousands of requests by it without reading their events.
    submitted_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When it was first sent to Thredd."
    )
    client_wait = models.DurationField(
        default=timedelta(0),
        db_default=timedelta(0),
        editable=False,
        help_text="Time spent with the client (Changes requested) that has ended.",
    )
    client_wait_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Since when it is with the client."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assigned_requests",
        null=True,
        blank=True,
        editable=False,
        limit_choices_to={"is_staff": True},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConnectivityRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("review_connectivityrequest", "Can review connectivity requests")]
        indexes = [models.Index(fields=["status", "environment"])]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs) -> None:
        # The reference is given once, when the request is first stored.
        if not self.reference:
            self.reference = next_reference()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """Return the request's own page, where its client follows it."""
        return reverse("request-detail", kwargs={"reference": self.reference})

    def track_waiting(self, *, target: str, at: datetime) -> list[str]:
        """Update the waiting clocks for a move to `target` at `at`; return the fields changed.

        The first submission starts Thredd's clock; Changes requested hands the request to
        the client until it moves on, and that stay is added to `client_wait`.
        """
        changed = []
        if target == RequestStatus.SUBMITTED and self.submitted_at is None:
            self.submitted_at = at
            changed.append("submitted_at")
        if self.client_wait_since is not None:
            self.client_wait += at - self.client_wait_since
            self.client_wait_since = None
            changed += ["client_wait", "client_wait_since"]
        if target == RequestStatus.CHANGES_REQUESTED:
            self.client_wait_since = at
            changed.append("client_wait_since")
        return list(dict.fromkeys(changed))

    @property
    def is_editable(self) -> bool:
        """Say whether the client may change the answers now."""
        return self.status in EDITABLE_STATUSES

    @property
    def can_copy_to_production(self) -> bool:
        """Say whether the client may start a production draft from this request's answers.

        Only a UAT request that is still alive (not withdrawn, not rejected) is copied.
        """
        return self.environment == Environment.UAT and self.status not in FINAL_STATUSES


class Contact(models.Model):
    """A person at the client Thredd may call about this connection."""

    request = models.ForeignKey(
        ConnectivityRequest, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    role = models.CharField(
        max_length=16, choices=ContactRole.choices, default=ContactRole.TECHNICAL
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["request_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class MtlsDetails(models.Model):
    """What an mTLS request supplies: the client's certificate request and EHI endpoint."""

    request = models.OneToOneField(
        ConnectivityRequest, on_delete=models.CASCADE, related_name="mtls"
    )
    csr_pem = models.TextField("certificate signing request (PEM)", blank=True)
    ehi_endpoint_url = models.CharField("EHI endpoint URL", max_length=300, blank=True)

    class Meta:
        verbose_name = "mTLS details"
        verbose_name_plural = "mTLS details"

    def __str__(self) -> str:
        return f"mTLS details of {self.request}"
