"""Rules about a mutual TLS request: the certificate signing request and the EHI endpoint."""

import re
from collections.abc import Collection
from dataclasses import dataclass
from ipaddress import AddressValueError, IPv4Address, IPv4Network

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from connectivity import constants as limits
from connectivity.document import (
    Mtls,
    join_path,
)
from connectivity.findings import Finding, error


def csr_load(pem: str | None) -> x509.CertificateSigningRequest | None:
    """Return the certificate signing request in `pem`, or None when it is not a readable one."""
    if not pem or not pem.isascii():
        return None
    try:
        csr = x509.load_pem_x509_csr(pem.encode("ascii"))
        csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return None
    return csr


@dataclass(frozen=True, slots=True)
class CsrDetails:
    """What a certificate signing request says, so the client can recognise the one they sent."""

    subject: str
    key: str
    fingerprint_sha256: str


# The NIST names clients know the curves by (RFC 5480 §2.1.1.1 lists both names).
EC_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def csr_details(pem: str | None) -> CsrDetails | None:
    """Return the subject, key type and size and SHA-256 fingerprint of a CSR; None if unreadable.

    The fingerprint is of the request's DER encoding, as `openssl req -outform DER | sha256sum`
    prints it, in the colon-separated form the certificate panel uses.
    """
    csr = csr_load(pem)
    if csr is None:
        return None
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key_text = f"RSA, {key.key_size} bits"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        curve = EC_CURVE_NAMES.get(key.curve.name, key.curve.name)
        key_text = f"EC, {curve} ({key.key_size} bits)"
    else:
        key_text = type(key).__name__.removeprefix("_").removesuffix("PublicKey")
    fingerprint = hashes.Hash(hashes.SHA256())
    fingerprint.update(csr.public_bytes(serialization.Encoding.DER))
    return CsrDetails(
        subject=csr.subject.rfc4514_string() or "No subject",
        key=key_text,
        fingerprint_sha256=fingerprint.finalize().hex(":").upper(),
    )


def check_csr(pem: str | None, field: str) -> list[Finding]:
    """Check a certificate signing request is a signed PEM PKCS#10 with a strong key."""
    advice = (
        "Paste the certificate signing request in PEM form, from "
        "-----BEGIN CERTIFICATE REQUEST----- to -----END CERTIFICATE REQUEST-----"
    )
    if not pem or not pem.isascii():
        return [error("csr_invalid", field, f"{advice}.")]
    csr = csr_load(pem)
    if csr is None:
        return [error("csr_invalid", field, f"This is not a readable request. {advice}.")]
    key = csr.public_key()
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


# https://host[:port]/path, and nothing a shell, nginx or Apache would read as syntax: the
# host a DNS name (letters, digits, hyphens between dots) or a dotted IPv4 address, the
# port digits, the path slashes and unreserved characters only (RFC 3986 §2.3).
ENDPOINT_URL_PATTERN = re.compile(
    r"https://(?P<host>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(?::(?P<port>[0-9]{1,5}))?(?P<path>/[A-Za-z0-9._~/-]*)",
    re.ASCII,
)
MAX_PORT = 65535  # TCP port numbers are 16 bits
# Addresses that lead inside a network rather than to the client's public endpoint.
# [interpretation] The documentation ranges (RFC 5737) stay allowed: examples use them.
DOCUMENTATION_NETWORKS = tuple(
    IPv4Network(block) for block in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)


def _not_public(address: IPv4Address) -> bool:
    """Say whether `address` leads inside a network: private, loopback, link-local, shared…"""
    if any(address in network for network in DOCUMENTATION_NETWORKS):
        return False
    return not address.is_global or address.is_multicast or address.is_reserved


def check_endpoint_url(url: str | None, field: str) -> list[Finding]:
    """Check the EHI endpoint is an https://host[:port]/path URL and nothing more.

    Its host is a DNS name or a public IPv4 address; no user name, query or fragment, and
    none of the characters a shell or a server's configuration would read (quotes, `$`,
    braces, semicolons, spaces, newlines): the generated files embed it.
    """
    invalid = [
        error(
            "endpoint_url_invalid",
            field,
            "Enter the address where Thredd will call your EHI host as "
            f"https://host[:port]/path, such as {limits.EXAMPLE_ENDPOINT_URL}: a host name or "
            "public IPv4 address, an optional port from 1 to 65535, and a path of letters, "
            "digits and / . _ ~ - only (no user name, query, fragment, spaces or quotes).",
        )
    ]
    match = ENDPOINT_URL_PATTERN.fullmatch(url or "")
    if match is None:
        return invalid
    host, port = match["host"], match["port"]
    if all(label.isdigit() for label in host.split(".")):
        try:
            address = IPv4Address(host)
        except AddressValueError:
            return invalid
        if _not_public(address):
            return invalid
    if port is not None and not 1 <= int(port) <= MAX_PORT:
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
