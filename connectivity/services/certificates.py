"""mTLS client certificates: Thredd's issuing CA signs the CSR, and renewal is never missed.

Approval writes a pending `ClientCertificate` with the CSR as approved
(`certificate_create_pending`); after commit a Celery task has the environment's issuing CA
sign it (`certificate_issue`): AWS Private CA when `MTLS_PRIVATE_CA_ARNS` names one for the
environment, otherwise the CA the portal holds (`portal_ca_create`, its key encrypted at rest
like the PSKs). The periodic sweep hands out again whatever a dead broker or worker left, so
a CA outage never undoes an approval: the row waits, and staff see why it failed.

Certificates expire: 30 and 7 days before, the client's contacts and Thredd's team get one
mail each (`certificate_expiry_emails_create`); the client renews with an amendment that
carries a new CSR, and its approval issues the new certificate.
"""

import logging
from datetime import timedelta
from functools import partial

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from connectivity import tasks
from connectivity.choices import DOWNLOADABLE_STATUSES, ConnectionType, Environment
from connectivity.configgen.context import client_certificate_file
from connectivity.models import (
    ArtifactDownload,
    AuditAction,
    CertificateStatus,
    ClientCertificate,
    ConnectivityRequest,
    MtlsDetails,
    OutboundEmail,
    PortalCertificateAuthority,
    ThreddSettings,
    User,
)
from connectivity.tasks import AwsUnavailable

from .audit import audit_record
from .aws import AwsMisconfigured, aws_call, aws_refusal
from .downloads import ArtifactUnavailable, Download, safe_file_name
from .notifications import emails_send_after_commit, outbox_rows_both_sides
from .outbox import attempt_started

logger = logging.getLogger(__name__)

# Mail the client this many days before a certificate expires, once each.
EXPIRY_WARNING_DAYS = (30, 7)
# How long a pending certificate waits before the sweep hands it out again: longer than the
# task's own retries take (connectivity.tasks.certificate_issue_task).
ISSUE_AGAIN_AFTER = timedelta(minutes=2)
# Issues started without finishing before the row is failed for staff to look at.
MAX_ISSUE_ATTEMPTS = 5
# AWS Private CA's template for a client-authentication end-entity certificate:
# BasicConstraints CA:FALSE, KeyUsage digitalSignature, ExtendedKeyUsage clientAuth.
PCA_CLIENT_AUTH_TEMPLATE = "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1"
# AWS Private CA issues asynchronously: GetCertificate says so until the certificate exists.
PCA_NOT_YET = "RequestInProgressException"
PORTAL_CA_YEARS = 10
PEM_CONTENT_TYPE = "application/x-pem-file"
PEM_CERTIFICATE_BEGIN = "-----BEGIN CERTIFICATE-----"


class CertificateRefused(Exception):
    """The CA cannot issue this certificate as things stand; the message says what to fix."""


# --- The portal's own CA and Thredd's trust chain --------------------------------------------


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def trust_chain_parse(pem: str) -> list[x509.Certificate]:
    """Return the CA certificates of a trust chain's PEM; raise ValidationError if any is not one.

    Each must be a readable certificate with CA:TRUE: a client's EHI endpoint trusts them to
    sign client certificates, so a leaf certificate pasted by mistake is refused.
    """
    text = pem.strip()
    if not text.isascii() or PEM_CERTIFICATE_BEGIN not in text:
        raise ValidationError(
            "Paste one or more CA certificates in PEM form, each from "
            "-----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----."
        )
    try:
        certificates = x509.load_pem_x509_certificates(text.encode("ascii"))
    except ValueError:
        raise ValidationError(
            "A certificate in the chain cannot be read: paste it again."
        ) from None
    for certificate in certificates:
        try:
            is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise ValidationError(
                f"{certificate.subject.rfc4514_string()} is not a CA certificate: the trust "
                "chain holds only the CAs that sign Thredd's client certificates."
            )
    return certificates


@transaction.atomic
def trust_chain_set(*, environment: str, pem: str, actor: User) -> ThreddSettings:
    """Set Thredd's mTLS trust chain of `environment` (engineers only); return its settings.

    Files rendered from now on carry it; clients see it on their request page.
    """
    if not actor.is_engineer:
        raise PermissionDenied("Only Thredd engineers can set the mTLS trust chain.")
    certificates = trust_chain_parse(pem)
    thredd, _ = ThreddSettings.objects.select_for_update().get_or_create(environment=environment)
    thredd.mtls_trust_chain_pem = "".join(_pem(certificate) for certificate in certificates)
    thredd.save(update_fields=["mtls_trust_chain_pem"])
    logger.info("mTLS trust chain of %s set by user %s", environment, actor.pk)
    return thredd


@transaction.atomic
def portal_ca_create(*, environment: str) -> PortalCertificateAuthority:
    """Create the CA the portal holds for `environment`, and add it to the trust chain.

    Its key (EC P-384) is stored encrypted; its self-signed certificate, valid ten years
    and allowed to sign end-entity certificates only (path length 0), is appended to the
    environment's mTLS trust chain. Raises ValidationError when the CA exists already.
    """
    if PortalCertificateAuthority.objects.filter(environment=environment).exists():
        raise ValidationError(f"The portal already holds an issuing CA for {environment}.")
    key = ec.generate_private_key(ec.SECP384R1())
    label = Environment(environment).label
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Thredd"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Thredd {label} mTLS issuing CA"),
        ]
    )
    start = timezone.now().replace(microsecond=0)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * PORTAL_CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )
    authority = PortalCertificateAuthority.objects.create(
        environment=environment,
        certificate_pem=_pem(certificate),
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii"),
    )
    thredd, _ = ThreddSettings.objects.select_for_update().get_or_create(environment=environment)
    chain = thredd.mtls_trust_chain_pem.strip()
    thredd.mtls_trust_chain_pem = (
        f"{chain}\n{authority.certificate_pem}" if chain else authority.certificate_pem
    )
    thredd.save(update_fields=["mtls_trust_chain_pem"])
    return authority


# --- Approval: the outbox row ----------------------------------------------------------------


def certificate_create_pending(*, request: ConnectivityRequest) -> ClientCertificate | None:
    """Write the pending certificate of an mTLS `request`; return it, or None for other types.

    Call it in the approval transaction and enqueue its issuing after commit
    (`certificate_enqueue_after_commit`). The CSR is copied as approved.
    """
    if request.connection_type != ConnectionType.MTLS:
        return None
    csr_pem = MtlsDetails.objects.get(request=request).csr_pem
    certificate, _ = ClientCertificate.objects.get_or_create(
        request=request, defaults={"csr_pem": csr_pem}
    )
    return certificate if certificate.status == CertificateStatus.PENDING else None


def certificate_enqueue_after_commit(certificate: ClientCertificate | None) -> None:
    """Queue the issuing of `certificate` once the transaction commits (nothing for None).

    Robust: a broker that is down must not undo the approval; the sweep issues it later.
    """
    if certificate is not None:
        transaction.on_commit(
            partial(tasks.certificate_issue_task.delay, certificate.pk), robust=True
        )


# --- Issuing ---------------------------------------------------------------------------------


def _locked(certificate_id: int) -> ClientCertificate:
    return ClientCertificate.objects.select_for_update(of=("self",)).get(pk=certificate_id)


def _failed(certificate: ClientCertificate, reason: str) -> ClientCertificate:
    certificate.status = CertificateStatus.FAILED
    certificate.failure_reason = reason
    certificate.save(update_fields=["status", "failure_reason"])
    logger.warning("Certificate %s of request %s failed", certificate.pk, certificate.request_id)
    return certificate


def _client_auth_extensions(
    csr: x509.CertificateSigningRequest, issuer: x509.Certificate
) -> list[tuple[x509.ExtensionType, bool]]:
    """Return the extensions of a client-authentication certificate (AWS's template's own)."""
    key = csr.public_key()
    extensions = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=isinstance(key, rsa.RSAPublicKey),
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        ),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
        (x509.SubjectKeyIdentifier.from_public_key(key), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), False),
    ]
    try:
        names = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return extensions
    return [*extensions, (names.value, names.critical)]


def _portal_sign(environment: str, csr: x509.CertificateSigningRequest) -> tuple[str, str]:
    """Sign `csr` with the portal's CA of `environment`; return (certificate, chain) PEM."""
    authority = PortalCertificateAuthority.objects.filter(environment=environment).first()
    if authority is None:
        raise CertificateRefused(
            f"Thredd has no issuing CA for {environment}: set MTLS_PRIVATE_CA_ARN_"
            f"{environment.upper()} to an AWS Private CA, or run `manage.py create_mtls_ca "
            f"--environment {environment}`, then retry."
        )
    issuer = x509.load_pem_x509_certificate(authority.certificate_pem.encode("ascii"))
    key = serialization.load_pem_private_key(authority.private_key_pem.encode("ascii"), None)
    start = timezone.now().replace(microsecond=0)
    builder = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(issuer.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=settings.MTLS_CERTIFICATE_DAYS))
    )
    for extension, critical in _client_auth_extensions(csr, issuer):
        builder = builder.add_extension(extension, critical=critical)
    return _pem(builder.sign(key, hashes.SHA384())), authority.certificate_pem


def pca_client(region: str):
    """Return an ACM Private CA client for `region`: boto3's standard credentials."""
    return boto3.client(
        "acm-pca",
        region_name=region,
        config=Config(retries={"max_attempts": 3, "mode": "standard"}),
    )


def _pca_issue(certificate: ClientCertificate, ca_arn: str) -> tuple[str, str]:
    """Have AWS Private CA sign the certificate's CSR; return (certificate, chain) PEM.

    The certificate's ARN is committed as soon as AWS gives it, and the request carries an
    idempotency token, so a retried or redelivered task fetches the same certificate rather
    than having a second one issued.
    """
    client = pca_client(ca_arn.split(":")[3])
    if not certificate.aws_certificate_arn:
        described = aws_call(client.describe_certificate_authority, CertificateAuthorityArn=ca_arn)
        algorithm = described["CertificateAuthority"]["CertificateAuthorityConfiguration"][
            "SigningAlgorithm"
        ]
        issued = aws_call(
            client.issue_certificate,
            CertificateAuthorityArn=ca_arn,
            Csr=certificate.csr_pem.encode("ascii"),
            SigningAlgorithm=algorithm,
            TemplateArn=PCA_CLIENT_AUTH_TEMPLATE,
            Validity={"Value": settings.MTLS_CERTIFICATE_DAYS, "Type": "DAYS"},
            IdempotencyToken=f"thredd-certificate-{certificate.pk}",
        )
        certificate.aws_certificate_arn = issued["CertificateArn"]
        with transaction.atomic():
            ClientCertificate.objects.filter(pk=certificate.pk).update(
                aws_certificate_arn=certificate.aws_certificate_arn
            )
    try:
        got = aws_call(
            client.get_certificate,
            CertificateAuthorityArn=ca_arn,
            CertificateArn=certificate.aws_certificate_arn,
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == PCA_NOT_YET:
            raise AwsUnavailable(str(exc)) from exc
        raise
    return got["Certificate"], got.get("CertificateChain", "")


def _issued_values(certificate_pem: str, csr: x509.CertificateSigningRequest) -> dict:
    """Return what the portal keeps of an issued certificate, after checking it is the CSR's."""
    issued = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if issued.public_key().public_bytes(
        serialization.Encoding.DER, public
    ) != csr.public_key().public_bytes(serialization.Encoding.DER, public):
        raise CertificateRefused("The CA returned a certificate for another key: not stored.")
    return {
        "serial": f"{issued.serial_number:X}",
        "fingerprint_sha256": issued.fingerprint(hashes.SHA256()).hex(":").upper(),
        "not_before": issued.not_valid_before_utc,
        "not_after": issued.not_valid_after_utc,
        "issuer": issued.issuer.rfc4514_string()[:300],
    }


def certificate_issue(*, certificate_id: int) -> ClientCertificate:
    """Have Thredd's issuing CA sign one pending certificate; store it ready, or failed with why.

    Idempotent: a certificate no longer pending is returned as it is. A refusal (no CA for
    the environment, AWS refusing the CSR, no AWS credentials) fails it at once with the
    reason for staff, who retry; AWS being away raises AwsUnavailable for the task to retry,
    and the row stays pending.
    """
    # The attempt is committed first, so a worker killed mid-issue still counts it.
    with transaction.atomic():
        certificate = _locked(certificate_id)
        if certificate.status != CertificateStatus.PENDING:
            return certificate
        if not attempt_started(
            certificate,
            limit=MAX_ISSUE_ATTEMPTS,
            work="Issuing",
            cause="a worker died or hit its time limit each time",
            fail=_failed,
        ):
            return certificate
        certificate.save(update_fields=["attempts"])
    environment = certificate.request.environment
    csr = x509.load_pem_x509_csr(certificate.csr_pem.encode("ascii"))
    ca_arn = settings.MTLS_PRIVATE_CA_ARNS.get(environment, "")
    try:
        if ca_arn:
            certificate_pem, chain_pem = _pca_issue(certificate, ca_arn)
        else:
            certificate_pem, chain_pem = _portal_sign(environment, csr)
        values = _issued_values(certificate_pem, csr)
    except (CertificateRefused, AwsMisconfigured) as exc:
        with transaction.atomic():
            return _failed(_locked(certificate_id), str(exc))
    except ClientError as exc:
        with transaction.atomic():
            return _failed(_locked(certificate_id), aws_refusal(exc))
    with transaction.atomic():
        certificate = _locked(certificate_id)
        if certificate.status != CertificateStatus.PENDING:
            return certificate  # another worker stored it while this one asked the CA
        for name, value in values.items():
            setattr(certificate, name, value)
        certificate.certificate_pem = certificate_pem.strip() + "\n"
        certificate.chain_pem = chain_pem.strip() + "\n" if chain_pem.strip() else ""
        certificate.status = CertificateStatus.READY
        certificate.failure_reason = ""
        certificate.issued_at = timezone.now()
        certificate.save()
    logger.info("Certificate %s of request %s issued", certificate.pk, certificate.request_id)
    return certificate


def certificates_due() -> list[int]:
    """Return the ids of certificates pending for longer than an issue and its retries take."""
    return list(
        ClientCertificate.objects.filter(
            status=CertificateStatus.PENDING, created_at__lt=timezone.now() - ISSUE_AGAIN_AFTER
        )
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    )


def certificate_retry(*, certificate: ClientCertificate, actor: User) -> ClientCertificate:
    """Put a failed certificate back to pending and issue it after commit (engineers only)."""
    if not actor.is_engineer:
        raise PermissionDenied("Only Thredd engineers can retry a certificate.")
    with transaction.atomic():
        locked = _locked(certificate.pk)
        if locked.status != CertificateStatus.FAILED:
            return locked
        locked.status = CertificateStatus.PENDING
        locked.failure_reason = ""
        locked.attempts = 0
        locked.save(update_fields=["status", "failure_reason", "attempts"])
        certificate_enqueue_after_commit(locked)
    return locked


# --- Download --------------------------------------------------------------------------------


def certificate_download(*, certificate: ClientCertificate, user: User) -> Download:
    """Return an issued certificate and its chain as one PEM file, and record the download.

    The file name is the one the endpoint bundle's test script expects. Who may see the
    request is the caller's to check (`visible_to`).
    """
    request = certificate.request
    if request.status not in DOWNLOADABLE_STATUSES or certificate.status != CertificateStatus.READY:
        raise ArtifactUnavailable(f"The certificate of {request.reference} is not issued yet.")
    download = Download(
        safe_file_name(client_certificate_file(request.reference)),
        (certificate.certificate_pem + certificate.chain_pem).encode("ascii"),
        PEM_CONTENT_TYPE,
    )
    ArtifactDownload.objects.create(request=request, file_name=download.file_name, user=user)
    audit_record(action=AuditAction.DOWNLOAD, actor=user, obj=request, detail=download.file_name)
    return download


# --- Renewal ---------------------------------------------------------------------------------


def _expiry_contacts(request: ConnectivityRequest) -> set[str]:
    return {contact.email.lower() for contact in request.contacts.all() if contact.email}


def certificate_expiry_emails_create() -> list[OutboundEmail]:
    """Write the mails that say a certificate expires in 30 or 7 days; return the new rows.

    Each certificate of an approved or active connection is mailed once per warning, to the
    client's contacts and Thredd's team: the topic `cert-expiry-<days>:<serial>` is unique
    per recipient. A certificate already renewed (a later revision of its request holds an
    issued one) is not mailed. Delivery is queued after commit.
    """
    now = timezone.now()
    created: list[OutboundEmail] = []
    windows = sorted(EXPIRY_WARNING_DAYS)  # 7, then 30: each window starts where the last ends
    for index, days in enumerate(windows):
        after = now + timedelta(days=windows[index - 1]) if index else now
        due = (
            ClientCertificate.objects.filter(
                status=CertificateStatus.READY,
                not_after__gt=after,
                not_after__lte=now + timedelta(days=days),
                request__status__in=DOWNLOADABLE_STATUSES,
            )
            .exclude(
                request__amendments__client_certificate__status=CertificateStatus.READY,
            )
            .select_related("request__organisation")
        )
        for certificate in due:
            created += _expiry_rows(certificate, days=days)
    return created


@transaction.atomic
def _expiry_rows(certificate: ClientCertificate, *, days: int) -> list[OutboundEmail]:
    request = certificate.request
    ConnectivityRequest.objects.select_for_update().filter(pk=request.pk).first()
    topic = f"cert-expiry-{days}:{certificate.serial}"
    rows = outbox_rows_both_sides(
        request=request,
        template="connectivity/emails/certificate_expiry",
        context={"request": request, "certificate": certificate, "days": days},
        client=_expiry_contacts(request),
        thredd={settings.THREDD_TEAM_EMAIL.lower()},
        topic=topic,
    )
    emails_send_after_commit(rows)
    return rows
