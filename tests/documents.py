"""Request documents for every test: valid ones to change, parsed or judged, and real CSRs.

The one place a test builds a request document (REFERENCE §3); stored requests are made
from these by `tests.factories`.
"""

import base64
import copy
import textwrap

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from connectivity.document import RequestDocument, parse_document
from connectivity.findings import Finding
from connectivity.rules import validate_document

THREDD_ASN = 64512


def make_csr(key=None, algorithm=None) -> str:
    """Return a PEM CSR for ehi.example.com signed by `key` (default EC P-256, SHA-256)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ehi.example.com")])
    request = x509.CertificateSigningRequestBuilder().subject_name(subject)
    signed = request.sign(key, algorithm or hashes.SHA256())
    return signed.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _der(tag: int, body: bytes) -> bytes:
    """Encode one DER element (tag, definite length, body)."""
    if len(body) < 0x80:
        length = bytes([len(body)])
    else:
        size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(size)]) + size
    return bytes([tag]) + length + body


def make_sha1_csr(key: rsa.RSAPrivateKey) -> str:
    """Return a PEM CSR signed with SHA-1, which `cryptography` no longer builds itself.

    The request body of a normal CSR is signed again with SHA-1 and reassembled by hand:
    SEQUENCE { body, AlgorithmIdentifier sha1WithRSAEncryption, BIT STRING signature }.
    """
    body = x509.load_pem_x509_csr(make_csr(key).encode()).tbs_certrequest_bytes
    signature = key.sign(body, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - on purpose
    sha1_with_rsa = _der(0x06, bytes.fromhex("2a864886f70d010105")) + _der(0x05, b"")
    der = _der(0x30, body + _der(0x30, sha1_with_rsa) + _der(0x03, b"\x00" + signature))
    lines = textwrap.wrap(base64.b64encode(der).decode("ascii"), 64)
    return "\n".join(
        ["-----BEGIN CERTIFICATE REQUEST-----", *lines, "-----END CERTIFICATE REQUEST-----", ""]
    )


def rsa_key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


VALID_VPN_DOCUMENT = {
    "environment": "uat",
    "connection_type": "ipsec_vpn",
    "services": ["web_services", "ehi", "portal"],
    "contacts": [
        {
            "name": "Ada Ops",
            "email": "ada@example.com",
            "phone": "+44 20 7946 0000",
            "role": "technical",
        }
    ],
    "sites": [
        {
            "name": "London DC1",
            "routing": "static",
            "vpns": [
                {
                    "services": ["web_services", "ehi", "portal"],
                    "peer_ip": "81.2.69.160",
                    "device": {"vendor": "cisco", "platform": "asa", "software": "9.16"},
                    "ike_version": 2,
                    "tunnels": [
                        {"inside_cidr": "169.254.10.0/30", "psk": "optional.client_chosen_1"}
                    ],
                }
            ],
            "subnets": [{"cidr": "10.20.30.0/24", "purpose": "ehi"}],
        }
    ],
}

VALID_TGW_DOCUMENT = {
    "environment": "production",
    "connection_type": "aws_tgw",
    "services": ["web_services", "ehi", "portal"],
    "contacts": [{"email": "ada@example.com", "role": "technical"}],
    "sites": [
        {
            "name": "AWS eu-west-2",
            "routing": "static",
            "attachments": [{"services": ["web_services", "ehi"]}, {"services": ["portal"]}],
            "tgw": {
                "tgw_id": "tgw-0123456789abcdef0",
                "aws_account_id": "012345678901",
                "region": "eu-west-2",
            },
            "subnets": [{"cidr": "10.20.30.0/24", "purpose": "web_services"}],
        }
    ],
}


def valid_vpn_document() -> dict:
    return copy.deepcopy(VALID_VPN_DOCUMENT)


def valid_tgw_document() -> dict:
    return copy.deepcopy(VALID_TGW_DOCUMENT)


def valid_mtls_document(csr_pem: str) -> dict:
    return {
        "environment": "uat",
        "connection_type": "mtls",
        "services": ["ehi"],
        "contacts": [{"email": "ada@example.com", "role": "technical"}],
        "mtls": {"csr_pem": csr_pem, "ehi_endpoint_url": "https://ehi.example.com:8443/ehi"},
    }


CONTACT_EMAIL = "ops@acme-payments.example"
# A PSK as Thredd would generate one: 32 characters of AWS's PSK alphabet.
TUNNEL_PSK = "Kx7.Lm2_Rt9vBz4Np8Qd6Wy3Hs5Jf1Gc"


def request_document(**changes: object) -> dict:
    """Return a valid IPsec UAT request document, with top-level `changes`.

    It is the rules tests' valid document with a strongSwan device, one contact of the
    organisation's own and a tunnel PSK as Thredd would generate one.
    """
    document = valid_vpn_document()
    document["contacts"] = [{"name": "Olu Ops", "email": CONTACT_EMAIL, "role": "technical"}]
    vpn = document["sites"][0]["vpns"][0]
    vpn["device"] = {"vendor": "strongswan", "platform": "swanctl", "software": "5.9"}
    vpn["tunnels"] = [{"psk": TUNNEL_PSK}]
    return document | changes


def parsed(data: dict) -> RequestDocument:
    """Return `data` parsed as a request document; fail the test if it does not parse."""
    doc, findings = parse_document(data)
    assert doc is not None, findings
    return doc


def judged(data: object, *, thredd_asn: int = THREDD_ASN) -> list[Finding]:
    """Return the findings of parsing `data` and, when it parses, of every rule."""
    doc, findings = parse_document(data)
    if doc is not None:
        findings += validate_document(doc, thredd_asn=thredd_asn)
    return findings
