"""The generated nginx and Apache files, loaded by Debian's real servers on loopback.

Each server runs from a private directory under tmp_path (configuration, pid, logs, its own
free port): never the system's service. Only the REPLACE_ME_ markers and the trust chain's
path are filled in, as a client would; the EHI upstream is a small HTTP server that records
what reaches it.
"""

import http.server
import shutil
import socket
import ssl
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone

from connectivity.models import Artifact, ClientCertificate, PortalCertificateAuthority
from connectivity.services import artifacts, certificates
from tests.conftest import free_port, wait_until

from .conftest import client_key

pytestmark = pytest.mark.django_db
HOST = "ehi.example.com"
APACHE_MODULES = Path("/usr/lib/apache2/modules")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, public_key, issuer_name, issuer_key, *, ca, start, days, server=False):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class Upstream(http.server.ThreadingHTTPServer):
    """The client's EHI application: answers 200 and records each path and client subject."""

    def __init__(self):
        self.seen: list[tuple[str, str]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.seen.append((self.path, self.headers.get("X-Client-Cert-Subject", "")))
                body = b"EHI reached"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def bundle(tmp_path, portal_ca, approve_mtls, csr_key):
    """An approved mTLS request on a free port: its files, issued certificate and test keys."""
    port = free_port()
    approved = approve_mtls(csr_key.csr_pem, endpoint_url=f"https://{HOST}:{port}/ehi")
    (artifact,) = Artifact.objects.filter(request=approved)
    assert artifact.status == "ready", artifact.failure_reason
    files = {name.rsplit("-", 1)[-1]: text for name, text in artifacts.unpack(artifact.content)}
    row = ClientCertificate.objects.get(request=approved)
    assert row.status == "ready", row.failure_reason
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "client.pem").write_text(row.certificate_pem + row.chain_pem)
    (keys / "client.key").write_bytes(csr_key.key_pem)
    # The client's own server certificate, from a CA of the client's.
    start = timezone.now() - timedelta(hours=1)
    server_ca_key = ec.generate_private_key(ec.SECP256R1())
    server_ca = _certificate(
        _name("Acme server CA"),
        server_ca_key.public_key(),
        _name("Acme server CA"),
        server_ca_key,
        ca=True,
        start=start,
        days=30,
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _certificate(
        _name(HOST),
        server_key.public_key(),
        server_ca.subject,
        server_ca_key,
        ca=False,
        start=start,
        days=30,
        server=True,
    )
    (keys / "server-ca.pem").write_bytes(_pem(server_ca))
    (keys / "server.pem").write_bytes(_pem(server))
    (keys / "server.key").write_bytes(_key_pem(server_key))
    (keys / "thredd-trust-chain.pem").write_text(files["chain.pem"])
    # A certificate for the same key from another CA, and an expired one from Thredd's.
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _certificate(
        _name(HOST),
        csr_key.key.public_key(),
        _name("Not Thredd"),
        other_key,
        ca=False,
        start=start,
        days=30,
    )
    (keys / "other.pem").write_bytes(_pem(other))
    ca = PortalCertificateAuthority.objects.get(environment="uat")
    ca_certificate = x509.load_pem_x509_certificate(ca.certificate_pem.encode())
    expired = _certificate(
        _name(HOST),
        csr_key.key.public_key(),
        ca_certificate.subject,
        serialization.load_pem_private_key(ca.private_key_pem.encode(), None),
        ca=False,
        start=timezone.now() - timedelta(days=40),
        days=30,
    )
    (keys / "expired.pem").write_bytes(_pem(expired))
    return port, files, keys


def _filled(text: str, keys: Path, upstream: Upstream, chain_path: str) -> str:
    """Fill in the markers and the trust chain's path, as the client would."""
    return (
        text.replace("REPLACE_ME_SERVER_CERTIFICATE_PATH", str(keys / "server.pem"))
        .replace("REPLACE_ME_SERVER_KEY_PATH", str(keys / "server.key"))
        .replace("REPLACE_ME_EHI_UPSTREAM_URL", f"http://127.0.0.1:{upstream.server_port}")
        .replace(chain_path, str(keys / "thredd-trust-chain.pem"))
    )


def _call(port: int, keys: Path, *, certificate: str | None, tls: ssl.TLSVersion):
    """GET /ehi/status with `certificate` over exactly `tls`; return the status or the error."""
    context = ssl.create_default_context(cafile=keys / "server-ca.pem")
    context.minimum_version = context.maximum_version = tls
    if certificate:
        context.load_cert_chain(keys / certificate, keys / "client.key")
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=HOST) as tls_socket,
        ):
            tls_socket.sendall(
                f"GET /ehi/status HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
            )
            answer = b""
            while chunk := tls_socket.recv(65536):
                answer += chunk
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as exc:
        return exc
    return int(answer.split(b" ", 2)[1]) if answer else ConnectionResetError("no answer")


def _prove(port: int, keys: Path, upstream: Upstream) -> None:
    """With the issued certificate both TLS versions reach /ehi; nothing else does."""
    for tls in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
        assert _call(port, keys, certificate="client.pem", tls=tls) == 200, tls
    assert [path for path, _ in upstream.seen] == ["/ehi/status", "/ehi/status"]
    assert all(f"CN={HOST}" in subject for _, subject in upstream.seen)
    for certificate in (None, "other.pem", "expired.pem"):
        for tls in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            outcome = _call(port, keys, certificate=certificate, tls=tls)
            # Refused in the handshake, or (nginx) with 400 before the upstream is asked.
            assert outcome == 400 or isinstance(outcome, Exception), (certificate, tls, outcome)
    assert len(upstream.seen) == 2


def _listening(port: int, process: subprocess.Popen, log: Path) -> bool:
    if process.poll() is not None:
        pytest.fail(f"the server exited: {log.read_text() if log.exists() else ''}")
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def upstream():
    server = Upstream()
    yield server
    server.shutdown()


def test_nginx_loads_the_generated_file_and_checks_client_certificates(bundle, upstream, tmp_path):
    port, files, keys = bundle
    assert shutil.which("nginx"), "nginx is missing: apt-get install nginx"
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    (prefix / "ehi.conf").write_text(
        _filled(files["nginx.conf"], keys, upstream, "/etc/nginx/thredd-trust-chain.pem")
    )
    (prefix / "nginx.conf").write_text(
        f"""pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{}}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/ehi.conf;
}}
"""
    )
    process = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.STDOUT,
        stdout=(prefix / "stdout.log").open("w"),
    )
    try:
        wait_until(
            lambda: _listening(port, process, prefix / "error.log"),
            timeout=15,
            message="nginx to listen",
        )
        _prove(port, keys, upstream)
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_apache_loads_the_generated_file_and_checks_client_certificates(bundle, upstream, tmp_path):
    port, files, keys = bundle
    assert shutil.which("apache2"), "Apache is missing: apt-get install apache2"
    root = tmp_path / "apache"
    root.mkdir()
    (root / "ehi.conf").write_text(
        _filled(files["apache.conf"], keys, upstream, "/etc/apache2/thredd-trust-chain.pem")
    )
    modules = "\n".join(
        f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so"
        for name in ("mpm_event", "authz_core", "ssl", "proxy", "proxy_http", "headers")
    )
    (root / "httpd.conf").write_text(
        f"""ServerRoot {root}
DefaultRuntimeDir {root}
PidFile {root}/apache.pid
ErrorLog {root}/error.log
LogLevel info
{modules}
User nobody
Group nogroup
ServerName localhost
Listen 127.0.0.1:{port}
Include {root}/ehi.conf
"""
    )
    process = subprocess.Popen(
        ["apache2", "-f", str(root / "httpd.conf"), "-DFOREGROUND"],
        stderr=subprocess.STDOUT,
        stdout=(root / "stdout.log").open("w"),
    )
    try:
        wait_until(
            lambda: _listening(port, process, root / "stdout.log"),
            timeout=15,
            message="Apache to listen",
        )
        _prove(port, keys, upstream)
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_certificate_for_another_key_is_never_stored(portal_ca, csr_key):
    """A CA answer for another key than the CSR's is refused, never stored."""
    other = client_key()
    csr = x509.load_pem_x509_csr(csr_key.csr_pem.encode())
    pem, _ = certificates._portal_sign("uat", x509.load_pem_x509_csr(other.csr_pem.encode()))
    with pytest.raises(certificates.CertificateRefused):
        certificates._issued_values(pem, csr)
