"""Rules about a mutual TLS request: the certificate signing request and the EHI endpoint."""

from collections.abc import Collection
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from connectivity import constants as limits
from connectivity.document import (
    Mtls,
    join_path,
)
from connectivity.findings import Finding, error


def check_csr(pem: str | None, field: str) -> list[Finding]:
    """Check a certificate signing request is a signed PEM PKCS#10 with a strong key."""
    advice = (
        "Paste the certificate signing request in PEM form, from "
        "-----BEGIN CERTIFICATE REQUEST----- to -----END CERTIFICATE REQUEST-----"
    )
    if not pem or not pem.isascii():
        return [error("csr_invalid", field, f"{advice}.")]
    try:
        csr = x509.load_pem_x509_csr(pem.encode("ascii"))
        key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return [error("csr_invalid", field, f"This is not a readable request. {advice}.")]
    # A weak hash is reported before the signature is verified: cryptography declines to
    # verify SHA-1 and MD5 signatures at all, and the client's fix is the same either way.
    hash_name = _signature_hash_name(csr)
    if hash_name in limits.CSR_WEAK_SIGNATURE_HASHES:
        findings = [
            error(
                "csr_signature_weak",
                field,
                f"The request is signed with {hash_name.upper()}, which is broken: sign it with "
                "SHA-256 or stronger.",
            )
        ]
    elif not csr.is_signature_valid:
        return [
            error(
                "csr_invalid",
                field,
                "The request's signature does not match its contents: it was changed after "
                "signing. Generate it again and paste it unchanged.",
            )
        ]
    else:
        findings = []
    if isinstance(key, rsa.RSAPublicKey):
        weak = key.key_size < limits.CSR_MIN_RSA_BITS
        key_text = f"an RSA key of {key.key_size} bits"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        weak = key.curve.name not in limits.CSR_EC_CURVES
        key_text = f"an EC key on {key.curve.name}"
    else:
        weak = True
        key_text = f"a {type(key).__name__.removeprefix('_')} key"
    if weak:
        findings.insert(
            0,
            error(
                "csr_key_too_weak",
                field,
                f"The request has {key_text}: generate it with an RSA key of at least "
                f"{limits.CSR_MIN_RSA_BITS} bits or an EC key on P-256 or P-384.",
            ),
        )
    return findings


def _signature_hash_name(csr: x509.CertificateSigningRequest) -> str | None:
    try:
        algorithm = csr.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    return None if algorithm is None else algorithm.name


def check_endpoint_url(url: str | None, field: str) -> list[Finding]:
    """Check the EHI endpoint is an https://host[:port]/path URL and nothing more."""
    invalid = [
        error(
            "endpoint_url_invalid",
            field,
            "Enter the address where Thredd will call your EHI host as "
            f"https://host[:port]/path, such as {limits.EXAMPLE_ENDPOINT_URL}, without a user "
            "name, query or fragment.",
        )
    ]
    if not url:
        return invalid
    try:
        URLValidator(schemes=[limits.ENDPOINT_URL_SCHEME])(url)
        parts = urlsplit(url)
        _port = parts.port  # raises ValueError when out of range
    except (ValidationError, ValueError):
        return invalid
    if (
        parts.scheme != limits.ENDPOINT_URL_SCHEME
        or not parts.hostname
        or "@" in parts.netloc
        or not parts.path.startswith("/")
        or parts.query
        or parts.fragment
        or url.endswith(("?", "#"))
    ):
        return invalid
    return []


def check_mtls(mtls: Mtls | None, field: str, *, services: Collection[str]) -> list[Finding]:
    """Check the mTLS details: a CSR always, an EHI endpoint when EHI is requested."""
    mtls = mtls or Mtls()
    findings = check_csr(mtls.csr_pem, join_path(field, "csr_pem"))
    endpoint_needed = any(service in services for service in limits.ENDPOINT_URL_REQUIRED_FOR)
    if mtls.ehi_endpoint_url is not None or endpoint_needed:
        findings += check_endpoint_url(mtls.ehi_endpoint_url, join_path(field, "ehi_endpoint_url"))
    return findings
