"""The emulator's TLS material: a local CA and a server certificate signed by it.

``ensure_certs(cert_dir, hosts)`` writes ``ca.pem``, ``ca-key.pem``, ``server.pem`` and
``server-key.pem`` on first use and reuses them while they are valid: the CA and the server
certificate must parse, not expire within a day, chain (server issued by CA), and the server
certificate must name every requested host (always 127.0.0.1, ::1 and localhost). Otherwise
the server certificate (and, if the CA itself is unusable, the CA) is regenerated. Keys are
EC P-256, written with mode 0600. Extensions follow RFC 5280 strictly, so Python's
``VERIFY_X509_STRICT`` accepts them.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS = ("127.0.0.1", "::1", "localhost")
CA_DAYS = 3650
SERVER_DAYS = 825


@dataclass(frozen=True)
class CertPaths:
    ca: Path
    ca_key: Path
    cert: Path
    key: Path


def _paths(cert_dir: Path) -> CertPaths:
    return CertPaths(
        cert_dir / "ca.pem",
        cert_dir / "ca-key.pem",
        cert_dir / "server.pem",
        cert_dir / "server-key.pem",
    )


def _write(path: Path, data: bytes, *, private: bool) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _san(hosts: tuple[str, ...]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _make_ca(now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "graph_emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, "graph_emulator local CA"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CA_DAYS))
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
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _make_server(
    ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, hosts: tuple[str, ...], now: datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_san(hosts), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _load_ca(
    paths: CertPaths, now: datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    try:
        cert = x509.load_pem_x509_certificate(paths.ca.read_bytes())
        key = serialization.load_pem_private_key(paths.ca_key.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    if cert.public_key() != key.public_key() or cert.not_valid_after_utc < now + timedelta(days=1):
        return None
    return cert, key


def _server_usable(
    paths: CertPaths, ca: x509.Certificate, hosts: tuple[str, ...], now: datetime
) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(paths.cert.read_bytes())
        key = serialization.load_pem_private_key(paths.key.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound, Exception):
        return False
    if cert.public_key() != key.public_key() or cert.not_valid_after_utc < now + timedelta(days=1):
        return False
    present = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    present |= {name.lower() for name in san.get_values_for_type(x509.DNSName)}
    wanted = set()
    for host in hosts:
        try:
            wanted.add(str(ipaddress.ip_address(host)))
        except ValueError:
            wanted.add(host.lower())
    return wanted <= present


def ensure_certs(cert_dir: str | Path, extra_hosts: tuple[str, ...] = ()) -> CertPaths:
    """Create or reuse the CA and server certificate in ``cert_dir``; returns their paths."""
    directory = Path(cert_dir)
    directory.mkdir(parents=True, exist_ok=True)
    paths = _paths(directory)
    hosts = tuple(dict.fromkeys((*DEFAULT_HOSTS, *extra_hosts)))
    now = datetime.now(UTC)
    loaded = _load_ca(paths, now)
    if loaded is None:
        ca, ca_key = _make_ca(now)
        _write(paths.ca_key, _key_pem(ca_key), private=True)
        _write(paths.ca, ca.public_bytes(serialization.Encoding.PEM), private=False)
    else:
        ca, ca_key = loaded
        if _server_usable(paths, ca, hosts, now):
            return paths
    cert, key = _make_server(ca, ca_key, hosts, now)
    _write(paths.key, _key_pem(key), private=True)
    _write(paths.cert, cert.public_bytes(serialization.Encoding.PEM), private=False)
    return paths
