"""mTLS fixtures: the portal's own issuing CA, a client key and CSR, approved mTLS requests."""

from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from connectivity.choices import RequestStatus
from connectivity.models import ClientCertificate, ConnectivityRequest
from connectivity.services import certificates, workflow
from tests.documents import make_csr, valid_mtls_document
from tests.factories import request_create


@dataclass
class ClientKey:
    """The key only the client holds, and the CSR it sends Thredd."""

    key: ec.EllipticCurvePrivateKey
    csr_pem: str

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_der(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def client_key() -> ClientKey:
    key = ec.generate_private_key(ec.SECP256R1())
    return ClientKey(key, make_csr(key))


@pytest.fixture
def csr_key() -> ClientKey:
    return client_key()


@pytest.fixture
def portal_ca(db):
    """The portal's own UAT issuing CA (which also sets the UAT trust chain)."""
    return certificates.portal_ca_create(environment="uat")


def mtls_request(
    *,
    organisation,
    created_by,
    csr_pem: str,
    status=RequestStatus.IN_REVIEW,
    endpoint_url: str = "https://ehi.example.com:8443/ehi",
    **kw,
):
    """Store an mTLS UAT request for `csr_pem` and `endpoint_url`, at `status`."""
    document = valid_mtls_document(csr_pem)
    document["mtls"]["ehi_endpoint_url"] = endpoint_url
    document["contacts"] = [
        {"name": "Olu Ops", "email": "ops@acme-payments.example", "role": "technical"}
    ]
    return request_create(
        organisation=organisation, created_by=created_by, status=status, sites=[], **document, **kw
    )


@pytest.fixture
def approve_mtls(organisation, client_user, thredd_engineer, django_capture_on_commit_callbacks):
    """Approve an mTLS request for a CSR, running what approval queues after commit."""

    def approve(csr_pem: str, **kw) -> ConnectivityRequest:
        reviewed = mtls_request(
            organisation=organisation, created_by=client_user, csr_pem=csr_pem, **kw
        )
        with django_capture_on_commit_callbacks(execute=True):
            return workflow.request_transition("approve", request=reviewed, actor=thredd_engineer)

    return approve


def issued(request: ConnectivityRequest) -> tuple[ClientCertificate, x509.Certificate]:
    """Return the request's certificate row and the certificate it holds, which must be issued."""
    row = ClientCertificate.objects.get(request=request)
    assert row.status == "ready", row.failure_reason
    return row, x509.load_pem_x509_certificate(row.certificate_pem.encode())
