"""A throw-away certificate authority for the transport tests, made with `cryptography`: a CA,
a server certificate naming localhost and 127.0.0.1, and a client certificate, written as PEM."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class TlsBroker:
    """What a Kafka broker is configured with: its PKCS#8 key, its certificate chain and the
    CA it trusts client certificates from, as PEM files."""

    key: Path
    chain: Path
    truststore: Path


@dataclass(frozen=True)
class TlsMaterial:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    broker: TlsBroker
    other_ca: Path
    """A CA that signed nothing here: a client trusting only it must refuse the server."""


def _ca(folder: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW)
        .not_valid_after(NOW + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
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
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    name: str,
    usage: x509.ObjectIdentifier,
    server: bool,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = _key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW)
        .not_valid_after(NOW + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return key, builder.sign(ca_key, hashes.SHA256())


def make_tls_material(folder: Path) -> TlsMaterial:
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _ca(folder, "claims-ledger test CA")
    _, other_cert = _ca(folder, "some other CA")
    server_key, server_cert = _leaf(
        ca_key, ca_cert, "kafka-broker", ExtendedKeyUsageOID.SERVER_AUTH, server=True
    )
    client_key, client_cert = _leaf(
        ca_key, ca_cert, "claims-ledger-relay", ExtendedKeyUsageOID.CLIENT_AUTH, server=False
    )
    ca = folder / "ca.pem"
    ca.write_bytes(_pem(ca_cert))
    other_ca = folder / "other-ca.pem"
    other_ca.write_bytes(_pem(other_cert))
    paths = {
        "server_cert": _pem(server_cert) + _pem(ca_cert),
        "server_key": server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
        "client_cert": _pem(client_cert),
        "client_key": client_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    }
    for name, data in paths.items():
        (folder / f"{name}.pem").write_bytes(data)
    broker_key = folder / "broker-key-pkcs8.pem"
    broker_key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return TlsMaterial(
        ca=ca,
        server_cert=folder / "server_cert.pem",
        server_key=folder / "server_key.pem",
        client_cert=folder / "client_cert.pem",
        client_key=folder / "client_key.pem",
        broker=TlsBroker(key=broker_key, chain=folder / "server_cert.pem", truststore=ca),
        other_ca=other_ca,
    )
