"""Uploaded documents: checked by content (not by name), hashed, stored outside the web root."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from apps.core import errors
from apps.core.history import save_tracked

from ..models import Document, Institution

# Magic numbers of the formats accepted as documents (PDF or an image of a paper document).
SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}


def max_document_bytes() -> int:
    return getattr(settings, "INSTITUTION_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)


def document_check(upload, *, field: str = "file") -> tuple[str, str]:
    """Return (content type, extension) of an acceptable upload, else raise ValidationFailed on `field`."""
    if upload is None:
        raise errors.ValidationFailed(field_errors={field: [_("Choose a file to upload.")]})
    if upload.size > max_document_bytes():
        raise errors.ValidationFailed(field_errors={field: [
            _("“%(name)s” is %(size)s; the largest accepted file is %(limit)s.") % {
                "name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_document_bytes())}
        ]})
    if upload.size == 0:
        raise errors.ValidationFailed(field_errors={field: [_("“%(name)s” is empty.") % {"name": upload.name}]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise errors.ValidationFailed(field_errors={field: [
        _("“%(name)s” is not a PDF, PNG or JPEG file.") % {"name": upload.name}]})


def document_store(*, institution: Institution, kind: str, upload, by, application=None,
                   field: str = "file") -> Document:
    """Check and store one upload for `institution`. Callers hold the transaction and the permission."""
    content_type, extension = document_check(upload, field=field)
    if kind not in Document.Kind.values:
        raise errors.ValidationFailed(field_errors={"kind": [_("Choose a document type.")]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = Document(institution=institution, kind=kind, application=application,
                        original_name=upload.name[-200:], content_type=content_type, size=upload.size,
                        sha256=digest.hexdigest(), uploaded_by=by)
    # The stored name is the content hash, never the uploader's file name.
    document.file.save(f"{digest.hexdigest()[:32]}{extension}", upload, save=False)
    return save_tracked(document, by=by, reason="uploaded")


def document_store_bytes(*, institution: Institution, kind: str, name: str, content: bytes, content_type: str,
                         by) -> Document:
    """Store a document the portal generated itself (decision letters)."""
    from django.core.files.base import ContentFile

    digest = hashlib.sha256(content).hexdigest()
    document = Document(institution=institution, kind=kind, original_name=name, content_type=content_type,
                        size=len(content), sha256=digest, uploaded_by=by)
    extension = ".pdf" if content_type == "application/pdf" else ""
    document.file.save(f"{digest[:32]}{extension}", ContentFile(content), save=False)
    return save_tracked(document, by=by, reason="generated")


def may_add_documents(user, institution: Institution) -> bool:
    """The supervising department (change rights) or the institution's own administrators."""
    from apps.core import policy

    if policy.can(user, "institutions.change_institution", institution):
        return True
    return (getattr(user, "organisation_id", None) == institution.pk
            and policy.can(user, "institutions.propose_institution_change", institution))


def institution_document_add(*, institution: Institution, kind: str, upload, by) -> Document:
    """Add a document to an institution's file (INS-1): its own administrators or its department."""
    from django.db import transaction

    from apps.core import policy

    with transaction.atomic():
        if not may_add_documents(by, institution):
            policy.require(by, "institutions.change_institution", institution)  # 404 or 403 as appropriate
        return document_store(institution=institution, kind=kind, upload=upload, by=by)
