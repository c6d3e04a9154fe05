"""The "Client certificate" panel of an mTLS request: the issued certificate, earlier ones still
valid, Thredd's trust chain, and whether the client may renew."""

from dataclasses import dataclass

from django.utils import timezone

from connectivity.choices import ConnectionType, RequestStatus
from connectivity.models import (
    CertificateStatus,
    ClientCertificate,
    ConnectivityRequest,
    ThreddSettings,
    User,
)


@dataclass(frozen=True, slots=True)
class CertificatePanel:
    """Everything the certificate panel of a request shows."""

    connectivity_request: ConnectivityRequest
    current: ClientCertificate | None
    earlier: tuple[ClientCertificate, ...]
    trust_chain_pem: str
    can_renew: bool
    for_engineer: bool


def request_certificates(*, request: ConnectivityRequest, user: User) -> CertificatePanel | None:
    """Return the certificate panel of an mTLS `request` as `user` sees it; None for others.

    Earlier revisions' certificates (the `amends` chain) are listed until they expire, so a
    client renewing sees both until the old one lapses. The client may renew an active,
    newest revision.
    """
    if request.connection_type != ConnectionType.MTLS:
        return None
    earlier_ids = []
    revision = request.amends
    while revision is not None:
        earlier_ids.append(revision.pk)
        revision = revision.amends
    earlier = ClientCertificate.objects.filter(
        request_id__in=earlier_ids,
        status=CertificateStatus.READY,
        not_after__gt=timezone.now(),
    ).select_related("request")
    return CertificatePanel(
        connectivity_request=request,
        current=ClientCertificate.objects.filter(request=request).first(),
        earlier=tuple(earlier.order_by("-not_after")),
        trust_chain_pem=ThreddSettings.objects.filter(environment=request.environment)
        .values_list("mtls_trust_chain_pem", flat=True)
        .first()
        or "",
        can_renew=request.status == RequestStatus.ACTIVE
        and request.superseded_at is None
        and user.is_client
        and user.organisation_id == request.organisation_id,
        for_engineer=user.is_engineer,
    )
