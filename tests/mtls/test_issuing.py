"""Approval has Thredd's issuing CA sign the client's CSR: the portal's own CA, or AWS Private
CA through real boto3 (moto), after commit, so a CA outage never undoes an approval."""

from datetime import timedelta

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from moto import mock_aws
from moto.acmpca.models import CertificateAuthority

from connectivity.choices import RequestStatus
from connectivity.models import (
    ArtifactDownload,
    CertificateStatus,
    ClientCertificate,
    PortalCertificateAuthority,
    ThreddSettings,
)
from connectivity.services import certificates
from tests.conftest import verified_staff_login

from .conftest import issued

pytestmark = pytest.mark.django_db

REGION = "eu-west-2"


def _assert_client_auth_certificate(certificate, csr_key, issuer_name, days=365):
    """The CSR's key, Thredd's CA as issuer, the agreed validity, client authentication."""
    assert (
        certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == csr_key.public_der()
    )
    assert certificate.issuer == issuer_name
    assert certificate.not_valid_after_utc - certificate.not_valid_before_utc == timedelta(
        days=days
    )
    extensions = certificate.extensions
    assert extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usages = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature


def test_the_portals_ca_signs_the_csr_on_approval(portal_ca, approve_mtls, csr_key):
    approved = approve_mtls(csr_key.csr_pem)

    row, certificate = issued(approved)
    ca_certificate = x509.load_pem_x509_certificate(portal_ca.certificate_pem.encode())
    _assert_client_auth_certificate(certificate, csr_key, ca_certificate.subject)
    certificate.verify_directly_issued_by(ca_certificate)
    assert row.serial == f"{certificate.serial_number:X}"
    assert row.fingerprint_sha256 == certificate.fingerprint(hashes.SHA256()).hex(":").upper()
    assert row.not_after == certificate.not_valid_after_utc
    assert row.chain_pem == portal_ca.certificate_pem
    # The CA is in the environment's trust chain, which the endpoint bundle carries.
    trust_chain = ThreddSettings.objects.get(environment="uat").mtls_trust_chain_pem
    assert portal_ca.certificate_pem.strip() in trust_chain


def test_the_portal_ca_key_is_encrypted_at_rest(portal_ca):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT private_key_pem FROM connectivity_portalcertificateauthority WHERE id = %s",
            [portal_ca.pk],
        )
        (stored,) = cursor.fetchone()
    assert "PRIVATE KEY" not in stored
    assert "PRIVATE KEY" in PortalCertificateAuthority.objects.get(pk=portal_ca.pk).private_key_pem


def test_a_second_portal_ca_is_refused(portal_ca):
    with pytest.raises(ValidationError):
        certificates.portal_ca_create(environment="uat")


# --- AWS Private CA, through real boto3 against moto ---------------------------------------


def _client_auth_template(original):
    """Teach moto AWS's EndEntityClientAuthCertificate/V1 template, which it lacks.

    moto adds no extension for templates it does not know; AWS documents this one as
    BasicConstraints CA:FALSE, KeyUsage digitalSignature, ExtendedKeyUsage clientAuth.
    """

    def extensions(self, csr, template_arn):
        if template_arn != certificates.PCA_CLIENT_AUTH_TEMPLATE:
            return original(self, csr, template_arn)
        return [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (
                x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                True,
            ),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
        ]

    return extensions


@pytest.fixture
def private_ca(monkeypatch, settings):
    """An active AWS Private CA in moto, named for UAT; what boto3 sends is recorded."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(
        CertificateAuthority,
        "_x509_extensions",
        _client_auth_template(CertificateAuthority._x509_extensions),
    )
    with mock_aws():
        pca = boto3.client("acm-pca", region_name=REGION)
        arn = pca.create_certificate_authority(
            CertificateAuthorityConfiguration={
                "KeyAlgorithm": "RSA_2048",
                "SigningAlgorithm": "SHA256WITHRSA",
                "Subject": {"Organization": "Thredd", "CommonName": "Thredd UAT Private CA"},
            },
            CertificateAuthorityType="ROOT",
        )["CertificateAuthorityArn"]
        root = pca.issue_certificate(
            CertificateAuthorityArn=arn,
            Csr=pca.get_certificate_authority_csr(CertificateAuthorityArn=arn)["Csr"],
            SigningAlgorithm="SHA256WITHRSA",
            TemplateArn="arn:aws:acm-pca:::template/RootCACertificate/V1",
            Validity={"Value": 10, "Type": "YEARS"},
        )["CertificateArn"]
        root_pem = pca.get_certificate(CertificateAuthorityArn=arn, CertificateArn=root)[
            "Certificate"
        ]
        pca.import_certificate_authority_certificate(
            CertificateAuthorityArn=arn, Certificate=root_pem.encode()
        )
        sent = []
        pca.meta.events.register(
            "provide-client-params.acm-pca.IssueCertificate",
            lambda params, **kwargs: sent.append(params),
        )
        monkeypatch.setattr(certificates, "pca_client", lambda region: pca)
        settings.MTLS_PRIVATE_CA_ARNS = {"uat": arn, "production": ""}
        yield arn, x509.load_pem_x509_certificate(root_pem.encode()), sent


def test_aws_private_ca_signs_the_csr_through_boto3(private_ca, approve_mtls, csr_key, db):
    arn, root, sent = private_ca
    ThreddSettings.objects.create(environment="uat")
    approved = approve_mtls(csr_key.csr_pem)

    row, certificate = issued(approved)
    _assert_client_auth_certificate(certificate, csr_key, root.subject)
    certificate.verify_directly_issued_by(root)
    assert row.aws_certificate_arn.startswith(f"{arn}/certificate/")
    assert row.chain_pem.strip() == root.public_bytes(serialization.Encoding.PEM).decode().strip()
    (call,) = sent
    assert call["TemplateArn"] == "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1"
    assert call["Validity"] == {"Value": 365, "Type": "DAYS"}
    assert call["SigningAlgorithm"] == "SHA256WITHRSA"
    assert call["IdempotencyToken"] == f"thredd-certificate-{row.pk}"
    # Issuing again does nothing: the row is no longer pending.
    assert certificates.certificate_issue(certificate_id=row.pk).serial == row.serial
    assert len(sent) == 1


def test_a_private_ca_outage_keeps_the_approval_and_the_sweep_issues_later(
    monkeypatch, settings, approve_mtls, csr_key, portal_ca
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # Nothing listens there: every call fails to connect, as in an outage.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    settings.MTLS_PRIVATE_CA_ARNS = {
        "uat": "arn:aws:acm-pca:eu-west-2:111122223333:certificate-authority/abc",
        "production": "",
    }
    # The issuing task meets the outage (and gives up after its retries); approval stands.
    approve_mtls(csr_key.csr_pem)

    row = ClientCertificate.objects.get()
    assert row.request.status == RequestStatus.APPROVED
    assert row.status == CertificateStatus.PENDING
    assert certificates.certificates_due() == []
    ClientCertificate.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert certificates.certificates_due() == [row.pk]
    # The CA is back (here: the portal's own): the sweep's task issues it.
    settings.MTLS_PRIVATE_CA_ARNS = {"uat": "", "production": ""}
    assert certificates.certificate_issue(certificate_id=row.pk).status == "ready"


def test_without_any_ca_the_certificate_fails_for_staff_to_retry(
    approve_mtls, csr_key, thredd_engineer, django_capture_on_commit_callbacks
):
    approved = approve_mtls(csr_key.csr_pem)
    row = ClientCertificate.objects.get(request=approved)
    assert row.status == CertificateStatus.FAILED
    assert "create_mtls_ca --environment uat" in row.failure_reason

    certificates.portal_ca_create(environment="uat")
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_retry(certificate=row, actor=thredd_engineer)
    issued(approved)


def test_the_certificate_is_a_download_on_the_request_page(
    client, portal_ca, approve_mtls, csr_key, client_user, other_client_user
):
    approved = approve_mtls(csr_key.csr_pem)
    row, certificate = issued(approved)

    client.force_login(client_user)
    page = client.get(approved.get_absolute_url()).content.decode()
    assert row.serial in page
    assert row.fingerprint_sha256 in page
    assert f"{row.not_after:%Y}" in page
    assert "PRIVATE KEY" not in page
    url = reverse("certificate-download", kwargs={"reference": approved.reference})
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(
        f'filename="{approved.reference.lower()}-client-certificate.pem"'
    )
    downloaded = x509.load_pem_x509_certificates(response.content)
    assert downloaded[0] == certificate
    assert downloaded[1].subject == certificate.issuer
    assert ArtifactDownload.objects.filter(request=approved, user=client_user).count() == 1

    client.force_login(other_client_user)
    assert client.get(url).status_code == 404


def test_the_engineer_sees_the_certificate_on_the_review_page(
    client, portal_ca, approve_mtls, csr_key, thredd_engineer
):
    approved = approve_mtls(csr_key.csr_pem)
    row, _ = issued(approved)
    verified_staff_login(client, thredd_engineer)
    page = client.get(reverse("review-detail", kwargs={"reference": approved.reference}))
    assert row.serial in page.content.decode()
