"""Evidence files of adoption declarations and conformance self-assessments (STD-5, STD-6).

Checked by content through the institutions app's `document_check` (PDF, PNG or JPEG only), stored
under the hash of their content, never under the uploader's file name, and served only by a view that
asks the policy layer first."""

from __future__ import annotations

import hashlib

from apps.institutions.services import document_check


def evidence_attach(field_file, upload, *, field: str) -> str:
    """Check `upload` and save it into `field_file` (not yet the row); return the original file name.

    Raises ValidationFailed on `field` for an empty, oversized or wrong-format file. The caller saves the row
    inside its own transaction."""
    _content_type, extension = document_check(upload, field=field)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    field_file.save(f"{digest.hexdigest()[:32]}{extension}", upload, save=False)
    return upload.name[-200:]


def evidence_content_type(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".pdf"):
        return "application/pdf"
    if lowered.endswith(".png"):
        return "image/png"
    return "image/jpeg"
