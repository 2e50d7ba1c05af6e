"""A certificate authority for tests, made once per process: its certificate (for clients to trust,
e.g. UPSTREAM_CA_FILE) and one server certificate for the names local test servers answer to
(`localhost`, `upstream.test`, 127.0.0.1, ::1)."""

from __future__ import annotations

import functools
import io
import ipaddress
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAMES = ("localhost", "upstream.test")
SERVER_ADDRESSES = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class LocalCA:
    ca_file: Path
    cert_file: Path
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _authority(
    common_name: str, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, start: datetime,
    end: datetime,
) -> x509.Certificate:  # fmt: skip
    """A self-signed CA certificate that may sign end-entity certificates only."""
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )


@functools.cache
def local_ca() -> LocalCA:
    """The process's test CA and server certificate, as PEM files in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="test-ca-"))
    # The clocks of tests move (tests/support/clock.py): make the certificates valid well around
    # any day the suite may be run on.
    now = datetime.now(UTC)
    start, end = now - timedelta(days=3650), now + timedelta(days=3650)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _authority("Credit Platform Test CA", ca_key, start, end)
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in SERVER_NAMES]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in SERVER_ADDRESSES]
    server = (
        x509.CertificateBuilder()
        .subject_name(_name(SERVER_NAMES[0]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    made = LocalCA(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    made.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    made.cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    made.key_file.write_bytes(_pem(key))
    return made


@dataclass(frozen=True)
class SigningIdentity:
    """A person's signing certificate (RSA, non-repudiation) issued by a CA of its own."""

    ca_pem: str
    cert_file: Path
    key_file: Path


@functools.cache
def signing_identity() -> SigningIdentity:
    """An electronic-signature identity (as a CA like CFCA issues to a person), valid well around
    any day the suite runs on."""
    folder = Path(tempfile.mkdtemp(prefix="test-signer-"))
    now = datetime.now(UTC)
    start, end = now - timedelta(days=3650), now + timedelta(days=3650)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _authority("Test Electronic Signature CA", ca_key, start, end)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=True, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("张三"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    made = SigningIdentity(ca.public_bytes(serialization.Encoding.PEM).decode(),
                           folder / "signer.pem", folder / "signer-key.pem")  # fmt: skip
    made.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    made.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )  # fmt: skip
    )
    return made


def signed_pdf(identity: SigningIdentity, text: str = "授权书") -> bytes:
    """A one-page PDF signed over the whole file by `identity` (pyHanko, as a signing tool would)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from reportlab.pdfgen import canvas

    page = io.BytesIO()
    drawing = canvas.Canvas(page)
    drawing.drawString(100, 750, text.encode("unicode_escape").decode())
    drawing.save()
    signer = signers.SimpleSigner.load(str(identity.key_file), str(identity.cert_file))  # type: ignore[no-untyped-call]
    assert signer is not None
    signed = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(page.getvalue())),
        signers.PdfSignatureMetadata(field_name="Signature1"), signer=signer,
    )  # fmt: skip
    return bytes(signed.getvalue())
