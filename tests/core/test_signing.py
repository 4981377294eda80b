"""Electronic signatures on issued PDFs (SUP-5): sign, verify, detect tampering, manage the signing identity."""

import io
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.core import signing
from apps.core.pdf import render_pdf


@pytest.fixture
def seal_dir(settings, tmp_path):
    """A fresh portal seal for the test (generated on first use under VAR_DIR/signing)."""
    settings.VAR_DIR = tmp_path
    settings.PDF_SIGNING_KEY_FILE = ""
    settings.PDF_SIGNING_CERT_FILE = ""
    return tmp_path / "signing"


@pytest.fixture(scope="module")
def document():
    return render_pdf("pdf/base.html", {})


def test_signed_pdf_verifies_against_the_portal_seal_SUP_5(seal_dir, document):
    signed = signing.sign_pdf(document, reason="批准函 SQ-1-A", location="福州市卫生健康委员会")
    assert signed.startswith(document)  # an incremental update: the rendered document is untouched
    status = signing.verify_pdf(signed)
    assert status["signed"] and status["intact"] and status["valid"] and status["trusted"]
    assert status["covers_whole_file"] and status["ok"] and status["error"] == ""
    assert status["signer"] == signing.SEAL_COMMON_NAME == "医疗健康大数据监管平台 电子签章"
    assert status["signed_at"] is not None and status["signed_at"].tzinfo is not None
    assert status["reason"] == "批准函 SQ-1-A"
    assert status["certificate_fingerprint"] == signing.signing_identity().fingerprint


def test_one_changed_byte_breaks_the_signature(seal_dir, document):
    signed = bytearray(signing.sign_pdf(document, reason="test"))
    position = len(document) // 2  # inside the signed byte range (the rendered page)
    signed[position] = (signed[position] + 1) % 256
    status = signing.verify_pdf(bytes(signed))
    assert status["signed"] and not status["intact"] and not status["ok"]


def test_content_added_after_signing_is_reported(seal_dir, document):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = signing.sign_pdf(document, reason="test")
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    changed = io.BytesIO()
    writer.write(changed)
    status = signing.verify_pdf(changed.getvalue())
    assert status["intact"]  # the signed revision itself is unchanged...
    assert not status["covers_whole_file"] and not status["ok"]  # ...but something was appended
    assert not signing.verify_pdf(signed + b"\n% appended\n")["ok"]


def test_unsigned_and_broken_files(seal_dir, document):
    unsigned = signing.verify_pdf(document)
    assert not unsigned["signed"] and not unsigned["ok"] and unsigned["error"] == ""
    broken = signing.verify_pdf(b"not a pdf at all")
    assert not broken["signed"] and not broken["ok"] and broken["error"]


def test_seal_is_generated_once_with_a_private_key_and_reused(seal_dir, document):
    signing.sign_pdf(document, reason="first")
    key = seal_dir / "portal-seal.key.pem"
    cert = seal_dir / "portal-seal.cert.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"BEGIN PRIVATE KEY" in key.read_bytes() and b"BEGIN CERTIFICATE" in cert.read_bytes()
    before = (key.read_bytes(), cert.read_bytes())
    signing._identities.clear()  # another process: loads the same files, generates nothing
    signing.sign_pdf(document, reason="second")
    assert (key.read_bytes(), cert.read_bytes()) == before
    assert not [path for path in seal_dir.iterdir() if path.name.endswith(".tmp")]


def test_seal_certificate_lasts_ten_years_and_may_sign(seal_dir):
    from cryptography import x509

    identity = signing.signing_identity()
    certificate = x509.load_der_x509_certificate(identity.certificate.dump())
    years = (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days / 365.25
    assert 9.9 < years < 10.1
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert identity.source == "portal" and identity.common_name == signing.SEAL_COMMON_NAME
    assert signing.certificate_pem().startswith(b"-----BEGIN CERTIFICATE-----")


def test_configured_certificate_signs_and_other_seals_are_not_trusted(seal_dir, settings, tmp_path, document):
    signed_by_portal = signing.sign_pdf(document, reason="portal seal")
    elsewhere = tmp_path / "issued"
    elsewhere.mkdir()
    signing._generate_seal(elsewhere / "key.pem", elsewhere / "cert.pem")
    settings.PDF_SIGNING_KEY_FILE = str(elsewhere / "key.pem")
    settings.PDF_SIGNING_CERT_FILE = str(elsewhere / "cert.pem")
    assert signing.signing_identity().source == "configured"
    status = signing.verify_pdf(signing.sign_pdf(document, reason="configured"))
    assert status["ok"] and status["trusted"]
    foreign = signing.verify_pdf(signed_by_portal)  # intact, but not the configured certificate
    assert foreign["intact"] and foreign["valid"] and not foreign["trusted"] and not foreign["ok"]


def test_misconfigured_identity_is_refused(seal_dir, settings, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    signing._generate_seal(first / "key.pem", first / "cert.pem")
    signing._generate_seal(second / "key.pem", second / "cert.pem")
    settings.PDF_SIGNING_KEY_FILE = str(first / "key.pem")
    settings.PDF_SIGNING_CERT_FILE = ""
    with pytest.raises(ImproperlyConfigured, match="both"):
        signing.signing_identity()
    settings.PDF_SIGNING_CERT_FILE = str(second / "cert.pem")  # a key that is not the certificate's
    with pytest.raises(ImproperlyConfigured, match="does not belong"):
        signing.signing_identity()
    settings.PDF_SIGNING_CERT_FILE = str(tmp_path / "missing.pem")
    with pytest.raises(ImproperlyConfigured):
        signing.signing_identity()


def test_signing_and_verifying_work_inside_a_running_event_loop(seal_dir, document):
    """An async caller (or a library that left a loop running) must not break signing."""
    import asyncio

    async def inside_a_loop():
        signed = signing.sign_pdf(document, reason="loop")
        return signing.verify_pdf(signed)

    # Its own thread: the browser journeys (Playwright's sync API) keep a loop running in the main thread.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, inside_a_loop()).result()["ok"]
