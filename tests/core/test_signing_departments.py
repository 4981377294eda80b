"""Department keys (SUP-5): an inspection report is signed with the key of the department that issues it, and
verifies against that department only; the portal's seal keeps signing the catalog's letters."""

import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.core import signing
from apps.core.pdf import render_pdf
from tests.factories import department


@pytest.fixture
def seal_dir(settings, tmp_path):
    """Fresh identities for the test: the portal seal and department keys generated under tmp_path."""
    settings.VAR_DIR = tmp_path
    settings.PDF_SIGNING_KEY_FILE = ""
    settings.PDF_SIGNING_CERT_FILE = ""
    settings.PDF_SIGNING_DEPARTMENT_KEYS_DIR = ""
    return tmp_path / "signing"


@pytest.fixture(scope="module")
def document():
    return render_pdf("pdf/base.html", {})


@pytest.fixture
def departments(db):
    return (department("350100", "municipal", "福州市卫生健康委员会"),
            department("350200", "municipal", "厦门市卫生健康委员会"))


def test_department_report_verifies_against_its_department_only_SUP_5(seal_dir, document, departments):
    fuzhou, xiamen = departments
    signed = signing.sign_pdf(document, reason="检查报告 JC-1", location=fuzhou.name, organisation=fuzhou)
    own = signing.verify_pdf(signed, organisation=fuzhou)
    assert own["ok"] and own["trusted"] and own["signer"] == "福州市卫生健康委员会"
    assert own["certificate_fingerprint"] == signing.signing_identity(fuzhou).fingerprint
    other = signing.verify_pdf(signed, organisation=xiamen)
    assert other["intact"] and other["valid"] and not other["trusted"] and not other["ok"]
    portal = signing.verify_pdf(signed)
    assert portal["intact"] and not portal["trusted"] and not portal["ok"]
    # ...and the portal's seal is not trusted as a department's.
    letter = signing.sign_pdf(document, reason="批准函")
    assert signing.verify_pdf(letter)["ok"]
    assert not signing.verify_pdf(letter, organisation=fuzhou)["ok"]


def test_department_key_is_generated_once_per_department_with_its_name(seal_dir, document, departments):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    fuzhou, xiamen = departments
    first = signing.signing_identity(fuzhou)
    assert first.source == "department" and first.common_name == fuzhou.name
    certificate = x509.load_der_x509_certificate(first.certificate.dump())
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == fuzhou.name
    directory = seal_dir / "departments" / signing._database_label() / str(fuzhou.pk)
    key, cert = directory / "key.pem", directory / "cert.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and b"BEGIN CERTIFICATE" in cert.read_bytes()
    before = (key.read_bytes(), cert.read_bytes())
    signing._identities.clear()  # another process: the same files are loaded, nothing regenerated
    assert signing.signing_identity(fuzhou).fingerprint == first.fingerprint
    assert (key.read_bytes(), cert.read_bytes()) == before
    assert signing.signing_identity(xiamen).fingerprint != first.fingerprint
    assert signing.signing_identity().fingerprint not in (first.fingerprint,)
    assert not [path for path in directory.iterdir() if path.name.endswith(".tmp")]
    pem = signing.certificate_pem(fuzhou)
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----") and pem != signing.certificate_pem()


def test_configured_department_directory_is_used_when_present(seal_dir, settings, tmp_path, document, departments):
    fuzhou, xiamen = departments
    fuzhou.credit_code = "12350100MB0000001X"
    fuzhou.save()
    keys = tmp_path / "department-keys"
    (keys / "12350100MB0000001X").mkdir(parents=True)
    signing._generate_seal(keys / "12350100MB0000001X" / "key.pem", keys / "12350100MB0000001X" / "cert.pem",
                           common_name="福州市卫生健康委员会 电子印章", organisation_name=fuzhou.name)
    (keys / f"org-{xiamen.pk}").mkdir()  # no credit code: named by id
    signing._generate_seal(keys / f"org-{xiamen.pk}" / "key.pem", keys / f"org-{xiamen.pk}" / "cert.pem",
                           common_name="厦门", organisation_name=xiamen.name)
    generated = signing.sign_pdf(document, reason="development key", organisation=fuzhou)
    settings.PDF_SIGNING_DEPARTMENT_KEYS_DIR = str(keys)
    identity = signing.signing_identity(fuzhou)
    assert identity.source == "department-configured" and identity.common_name == "福州市卫生健康委员会 电子印章"
    assert signing.signing_identity(xiamen).common_name == "厦门"
    signed = signing.sign_pdf(document, reason="configured", organisation=fuzhou)
    assert signing.verify_pdf(signed, organisation=fuzhou)["ok"]
    assert not signing.verify_pdf(generated, organisation=fuzhou)["ok"]  # the development key is no longer trusted
    # nothing generated for a configured one
    assert not (seal_dir / "departments" / signing._database_label() / str(xiamen.pk)).exists()


def test_configured_directory_without_the_department_or_with_a_wrong_key_is_refused(
        seal_dir, settings, tmp_path, departments):
    fuzhou, _xiamen = departments
    keys = tmp_path / "department-keys"
    folder = keys / f"org-{fuzhou.pk}"
    folder.mkdir(parents=True)
    settings.PDF_SIGNING_DEPARTMENT_KEYS_DIR = str(keys)
    with pytest.raises(ImproperlyConfigured, match="No signing key for department"):
        signing.signing_identity(fuzhou)
    other = tmp_path / "other"
    other.mkdir()
    signing._generate_seal(folder / "key.pem", folder / "cert.pem")
    signing._generate_seal(other / "key.pem", other / "cert.pem")
    (folder / "key.pem").write_bytes((other / "key.pem").read_bytes())  # a key that is not the certificate's
    with pytest.raises(ImproperlyConfigured, match="does not belong"):
        signing.signing_identity(fuzhou)
    assert not (seal_dir / "departments").exists()


def test_an_unsaved_organisation_cannot_sign(seal_dir, document):
    from apps.accounts.models import Organisation

    with pytest.raises(ValueError, match="saved"):
        signing.sign_pdf(document, reason="x", organisation=Organisation(name="未保存", kind="department"))


def test_generated_department_keys_are_kept_per_database_SUP_5(seal_dir, departments, monkeypatch):
    """Department ids repeat across databases (test databases, a re-created demo): a key generated for
    department 1 of another database must not sign in this database's department 1's name."""
    fuzhou, _xiamen = departments
    here = signing.signing_identity(fuzhou)
    monkeypatch.setattr(signing, "_database_label", lambda: "another_database")
    elsewhere = signing.signing_identity(fuzhou)
    assert elsewhere.fingerprint != here.fingerprint
    assert (seal_dir / "departments" / "another_database" / str(fuzhou.pk) / "cert.pem").is_file()
