"""A fresh `make run` takes an mTLS request from draft to a downloadable certificate with the
demo engineer alone, and engineers set Thredd's trust chain on a staff page, not the admin."""

import pytest
from cryptography import x509
from django.urls import reverse

from connectivity.choices import RequestStatus
from connectivity.demo import DEMO_ENGINEER, DEMO_ORGANISATIONS, demo_load
from connectivity.models import Artifact, ThreddSettings, User
from connectivity.services import artifacts, workflow
from connectivity.services.certificates import portal_ca_create
from connectivity.services.drafts import document_load
from tests.conftest import verified_staff_login
from tests.documents import parsed, valid_mtls_document

from .conftest import client_key, issued

pytestmark = pytest.mark.django_db


def test_demo_data_takes_an_mtls_request_to_a_downloadable_certificate(
    client, django_capture_on_commit_callbacks
):
    demo_load()
    demo_load()  # `make run` loads it on every start: nothing is duplicated
    engineer = User.objects.get(email=DEMO_ENGINEER)
    ada = User.objects.get(email=DEMO_ORGANISATIONS[0][2])
    key = client_key()
    draft = document_load(
        parsed(valid_mtls_document(key.csr_pem)),
        organisation=ada.organisation,
        created_by=ada,
    )
    workflow.request_transition("submit", request=draft, actor=ada)
    workflow.request_transition("start_review", request=draft, actor=engineer)
    with django_capture_on_commit_callbacks(execute=True):
        approved = workflow.request_transition("approve", request=draft, actor=engineer)
    assert approved.status == RequestStatus.APPROVED

    row, certificate = issued(approved)
    (bundle,) = Artifact.objects.filter(request=approved)
    assert bundle.status == "ready", bundle.failure_reason  # the demo has a trust chain
    chain = dict(artifacts.unpack(bundle.content))
    trust_chain = next(text for name, text in chain.items() if name.endswith("trust-chain.pem"))
    (ca,) = x509.load_pem_x509_certificates(trust_chain.encode())
    certificate.verify_directly_issued_by(ca)

    client.force_login(ada)
    response = client.get(reverse("certificate-download", kwargs={"reference": draft.reference}))
    assert response.status_code == 200
    assert x509.load_pem_x509_certificates(response.content)[0] == certificate
    assert row.serial in client.get(approved.get_absolute_url()).content.decode()


def test_engineers_set_the_trust_chain_and_clients_see_it(
    client, portal_ca, approve_mtls, csr_key, thredd_engineer, client_user
):
    url = reverse("mtls-trust-chain") + "?environment=uat"
    client.force_login(client_user)
    assert client.get(url).status_code == 403

    verified_staff_login(client, thredd_engineer)
    page = client.get(url)
    assert page.status_code == 200
    assert portal_ca.certificate_pem.strip() in page.content.decode()
    # A leaf certificate is not a CA: refused with a reason, nothing saved.
    approved = approve_mtls(csr_key.csr_pem)
    leaf, _ = issued(approved)
    refused = client.post(url, {"trust_chain_pem": leaf.certificate_pem})
    assert "is not a CA certificate" in refused.content.decode()
    assert ThreddSettings.objects.get(environment="uat").mtls_trust_chain_pem.strip() == (
        portal_ca.certificate_pem.strip()
    )
    # A second CA (Thredd's next one, say) is added.
    production = portal_ca_create(environment="production")
    chain = portal_ca.certificate_pem + production.certificate_pem
    assert client.post(url, {"trust_chain_pem": chain}).status_code == 302
    saved = ThreddSettings.objects.get(environment="uat").mtls_trust_chain_pem
    assert len(x509.load_pem_x509_certificates(saved.encode())) == 2

    client.force_login(client_user)
    shown = client.get(approved.get_absolute_url()).content.decode()
    assert production.certificate_pem.strip().splitlines()[1] in shown
