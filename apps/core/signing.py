"""Electronic signatures on the PDFs the portal issues (SUP-5): decision letters, inspection reports.

`sign_pdf` adds one PAdES signature (ETSI.CAdES.detached, baseline B-B, SHA-256) to PDF bytes as an
incremental update, so the rendered document itself is left untouched; `verify_pdf` reports whether a
PDF's signature is intact, made with the portal's certificate, and covers the whole file.

The signing identity is either configured (settings.PDF_SIGNING_KEY_FILE and PDF_SIGNING_CERT_FILE,
unencrypted PEM, for example a certificate issued by an electronic certification service) or the
portal's own seal: an EC P-256 key and a ten-year self-signed certificate "医疗健康大数据监管平台
电子签章", generated once under VAR_DIR/signing/ (key readable by the owner only) and reused by every
process. Generation happens under a file lock and writes through temporary files renamed into place,
so concurrent web and worker processes never see half a key pair.

Verification trusts exactly the portal's certificate (the configured one or the generated seal): a
PDF signed with any other certificate is reported as not valid, however intact it is.

Department keys (SUP-5: an inspection report is signed in the name of the department that inspected):
`sign_pdf(..., organisation=department)` and `verify_pdf(data, organisation=department)` use that
department's own identity instead of the portal's seal. In production the identities are configured in
the directory settings.PDF_SIGNING_DEPARTMENT_KEYS_DIR, one sub-directory per department named after its
unified social credit code (or "org-<id>" when it has none) holding `key.pem` and `cert.pem`; once that
directory is set, a department without its sub-directory cannot sign (ImproperlyConfigured) rather than
silently signing with a key nobody issued. Without the setting (development, tests) each department gets
its own EC P-256 key and ten-year self-signed certificate (CN and O = the department's name), generated
once under VAR_DIR/signing/departments/<database>/<id>/ with the same lock and atomic writes as the portal seal.
Verification with a department trusts exactly that department's certificate: a report of department A
does not verify as department B's, nor as the portal's.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import io
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

SEAL_COMMON_NAME = "医疗健康大数据监管平台 电子签章"
SEAL_VALIDITY_DAYS = 3652  # ten years
SIGNATURE_FIELD = "PortalSignature"
_KEY_NAME = "portal-seal.key.pem"
_CERT_NAME = "portal-seal.cert.pem"
_LOCK_NAME = ".seal.lock"
PORTAL_ORGANISATION_NAME = "医疗健康大数据监管平台"
# A department's identity: in its own directory, configured or generated.
_DEPARTMENT_KEY_NAME = "key.pem"
_DEPARTMENT_CERT_NAME = "cert.pem"

_lock = threading.Lock()
_identities: dict[tuple[str, str], SigningIdentity] = {}


@dataclass(frozen=True)
class SigningIdentity:
    """The key and certificate that sign; `certificate` and `key` are asn1crypto objects (pyHanko's types)."""

    certificate: object
    key: object
    source: str  # "configured" or "portal" (the portal's identity); "department-configured" or "department"

    @property
    def common_name(self) -> str:
        return _common_name(self.certificate)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate (DER), as hex: what a relying party compares."""
        return hashlib.sha256(self.certificate.dump()).hexdigest()


def _common_name(certificate) -> str:
    try:
        return str(certificate.subject.native.get("common_name", "") or "")
    except Exception:  # a malformed subject in a foreign certificate
        return ""


# --- the signing identity ---------------------------------------------------------------------------------


def _seal_directory() -> Path:
    return Path(settings.VAR_DIR) / "signing"


def _configured_paths() -> tuple[str, str] | None:
    key_file = getattr(settings, "PDF_SIGNING_KEY_FILE", "") or ""
    cert_file = getattr(settings, "PDF_SIGNING_CERT_FILE", "") or ""
    if bool(key_file) != bool(cert_file):
        raise ImproperlyConfigured("Set both PDF_SIGNING_KEY_FILE and PDF_SIGNING_CERT_FILE, or neither.")
    return (str(key_file), str(cert_file)) if key_file else None


def signing_identity(organisation=None) -> SigningIdentity:
    """The signing key and certificate, loaded (or generated) once per process and path: the portal's
    seal, or with `organisation` (a department) that department's own identity."""
    if organisation is not None:
        return _department_identity(organisation)
    configured = _configured_paths()
    if configured is None:
        directory = _seal_directory()
        paths = (str(directory / _KEY_NAME), str(directory / _CERT_NAME))
    else:
        paths = configured
    identity = _identities.get(paths)
    if identity is not None:
        return identity
    with _lock:
        identity = _identities.get(paths)
        if identity is None:
            if configured is None:
                identity = _portal_seal(_seal_directory())
            else:
                identity = _load_identity(Path(paths[0]), Path(paths[1]), source="configured")
            _identities[paths] = identity
    return identity


def department_directory_name(organisation) -> str:
    """The sub-directory of PDF_SIGNING_DEPARTMENT_KEYS_DIR that holds a department's key and certificate."""
    credit_code = (getattr(organisation, "credit_code", None) or "").strip()
    return credit_code or f"org-{organisation.pk}"


def _database_label() -> str:
    from django.db import connection

    name = str(connection.settings_dict.get("NAME") or "default")
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:80]


def _department_identity(organisation) -> SigningIdentity:
    if getattr(organisation, "pk", None) is None:
        raise ValueError("A department must be saved before it can sign.")
    configured_dir = str(getattr(settings, "PDF_SIGNING_DEPARTMENT_KEYS_DIR", "") or "")
    if configured_dir:
        directory = Path(configured_dir) / department_directory_name(organisation)
        source = "department-configured"
    else:
        # Generated keys are per database as well as per department: ids repeat across databases (each test
        # database, a re-created demo), and a key made for another database's department would sign in its name.
        directory = _seal_directory() / "departments" / _database_label() / str(organisation.pk)
        source = "department"
    paths = (str(directory / _DEPARTMENT_KEY_NAME), str(directory / _DEPARTMENT_CERT_NAME))
    identity = _identities.get(paths)
    if identity is not None:
        return identity
    with _lock:
        identity = _identities.get(paths)
        if identity is None:
            if configured_dir:
                key_path, cert_path = Path(paths[0]), Path(paths[1])
                if not (key_path.is_file() and cert_path.is_file()):
                    raise ImproperlyConfigured(
                        f"No signing key for department {organisation.pk} ({organisation.name}): expected "
                        f"{key_path} and {cert_path} (PDF_SIGNING_DEPARTMENT_KEYS_DIR is set).")
                identity = _load_identity(key_path, cert_path, source=source)
            else:
                name = str(getattr(organisation, "name", "") or f"org-{organisation.pk}")
                identity = _generated_identity(directory, _DEPARTMENT_KEY_NAME, _DEPARTMENT_CERT_NAME,
                                               common_name=name, organisation_name=name, source=source)
            _identities[paths] = identity
    return identity


def _load_identity(key_path: Path, cert_path: Path, *, source: str) -> SigningIdentity:
    from cryptography import x509 as pyca_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder

    try:
        certificate = load_cert_from_pemder(str(cert_path))
        key = load_private_key_from_pemder(str(key_path), passphrase=None)
        pyca_cert = pyca_x509.load_der_x509_certificate(certificate.dump())
        pyca_key = serialization.load_der_private_key(key.dump(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"Cannot load the PDF signing key or certificate ({source}): {error}") from error
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if pyca_key.public_key().public_bytes(encoding, public) != pyca_cert.public_key().public_bytes(encoding, public):
        raise ImproperlyConfigured(f"The PDF signing key does not belong to the certificate {cert_path}.")
    return SigningIdentity(certificate=certificate, key=key, source=source)


def _portal_seal(directory: Path) -> SigningIdentity:
    """Load the portal's seal, generating it first if this is the first use on this machine."""
    return _generated_identity(directory, _KEY_NAME, _CERT_NAME, common_name=SEAL_COMMON_NAME,
                               organisation_name=PORTAL_ORGANISATION_NAME, source="portal")


def _generated_identity(directory: Path, key_name: str, cert_name: str, *, common_name: str,
                        organisation_name: str, source: str) -> SigningIdentity:
    """Load a generated key pair from `directory`, generating it under a file lock on first use."""
    key_path, cert_path = directory / key_name, directory / cert_name
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / _LOCK_NAME, "a+") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            if not (key_path.exists() and cert_path.exists()):
                _generate_seal(key_path, cert_path, common_name=common_name, organisation_name=organisation_name)
            return _load_identity(key_path, cert_path, source=source)
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _write_atomically(path: Path, content: bytes, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _generate_seal(key_path: Path, cert_path: Path, *, common_name: str = SEAL_COMMON_NAME,
                   organisation_name: str = PORTAL_ORGANISATION_NAME) -> None:
    """An EC P-256 key and a self-signed certificate for signing (digital signature, non-repudiation)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name[:64]),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=SEAL_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    # The key first, the certificate last: a certificate on disk always has its key beside it.
    _write_atomically(key_path, key_pem, 0o600)
    _write_atomically(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    logger.info("generated a PDF signing key and certificate %s (%s)", cert_path, common_name)


def certificate_pem(organisation=None) -> bytes:
    """The signing certificate as PEM (the portal's, or a department's), for relying parties who want to
    check a letter or report themselves."""
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", signing_identity(organisation).certificate.dump())


# --- signing and verifying -----------------------------------------------------------------------------


def _outside_event_loop(function):
    """pyHanko drives its signer and validator with asyncio.run(), which refuses to start inside a running
    event loop (an async view, a test that left a loop running): run the call in a worker thread then."""
    import asyncio
    import functools
    from concurrent.futures import ThreadPoolExecutor

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return function(*args, **kwargs)
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(function, *args, **kwargs).result()

    return wrapper


@_outside_event_loop
def sign_pdf(data: bytes, *, reason: str, location: str = "", signer_name: str | None = None,
             organisation=None) -> bytes:
    """Return `data` with one PAdES signature appended as an incremental update (SUP-5): the portal's seal,
    or with `organisation` (a department) that department's key.

    `reason` and `location` are stored in the signature dictionary (shown by PDF readers);
    `signer_name` defaults to the certificate's common name."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    identity = signing_identity(organisation)
    signer = signers.SimpleSigner(signing_cert=identity.certificate, signing_key=identity.key,
                                  cert_registry=SimpleCertificateStore.from_certs([identity.certificate]))
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None, location=location or None, name=signer_name or identity.common_name)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    output = signers.sign_pdf(writer, metadata, signer=signer)
    return output.getvalue()


def _unsigned_status(**extra) -> dict:
    return {"signed": False, "intact": False, "valid": False, "trusted": False, "covers_whole_file": False,
            "ok": False, "signer": "", "signed_at": None, "certificate_fingerprint": "", "reason": "",
            "error": "", **extra}


@_outside_event_loop
def verify_pdf(data: bytes, organisation=None) -> dict:
    """The status of the last signature of a PDF, judged against the portal's certificate or, with
    `organisation` (a department), against that department's certificate only (SUP-5).

    Keys: signed (a signature is present), intact (the signed bytes are unchanged), valid (the
    cryptographic signature checks out), trusted (the signer is the expected certificate),
    covers_whole_file (nothing was appended after signing), ok (all of these), signer (common name),
    signed_at (the time the signer reported, aware datetime or None), certificate_fingerprint,
    reason, error (why the file could not be checked, else "")."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # not a PDF, or damaged beyond reading
        return _unsigned_status(error=f"{type(error).__name__}: {error}")
    if not signatures:
        return _unsigned_status()
    embedded = signatures[-1]
    identity = signing_identity(organisation)
    context = ValidationContext(trust_roots=[identity.certificate], allow_fetching=False)
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=context)
    except Exception as error:  # a signature so damaged that it cannot even be evaluated
        return _unsigned_status(signed=True, error=f"{type(error).__name__}: {error}")
    certificate = status.signing_cert
    fingerprint = hashlib.sha256(certificate.dump()).hexdigest() if certificate is not None else ""
    trusted = bool(status.trusted) and fingerprint == identity.fingerprint
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    reason = ""
    try:
        reason = str(embedded.sig_object.get("/Reason", "") or "")
    except Exception:
        reason = ""
    return {
        "signed": True, "intact": bool(status.intact), "valid": bool(status.valid), "trusted": trusted,
        "covers_whole_file": covers, "ok": bool(status.intact and status.valid and trusted and covers),
        "signer": _common_name(certificate) if certificate is not None else "",
        "signed_at": status.signer_reported_dt, "certificate_fingerprint": fingerprint, "reason": reason,
        "error": "",
    }
