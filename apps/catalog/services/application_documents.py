"""Documents of a sharing application: ethics approval, project and security plans, consent forms (SVC-2).

Checked by content through the institutions app's `document_check` (PDF, PNG or JPEG, at most 10 MB), stored
under the hash of their content, never under the uploader's name, and downloaded only through views that ask
the policy layer first and write an access record (SUP-5)."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core import errors
from apps.core.history import save_tracked

from ..models import ApplicationDocument, SharingApplication
from .applications import lock_for_change, require_editable, require_editor

# More than this many files is a sign of a mistake, not of a thorough application.
MAX_DOCUMENTS = 30


def document_add(application: SharingApplication, *, kind: str, upload, by) -> ApplicationDocument:
    """Attach one checked file to a draft or returned application; nothing is stored when anything is wrong."""
    from apps.institutions.services import document_check

    with transaction.atomic():
        application = lock_for_change(application)
        require_editor(application, by)
        require_editable(application)
        problems = {}
        if kind not in ApplicationDocument.Kind.values:
            problems["kind"] = [_("Choose the kind of document.")]
        if application.documents.count() >= MAX_DOCUMENTS:
            problems["file"] = [_("An application holds at most %(max)d documents; remove one first.")
                                % {"max": MAX_DOCUMENTS}]
        if problems:
            raise errors.ValidationFailed(field_errors=problems)
        content_type, extension = document_check(upload, field="file")
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        document = ApplicationDocument(application=application, kind=kind, original_name=upload.name[-200:],
                                       content_type=content_type, size=upload.size, sha256=digest.hexdigest(),
                                       uploaded_by=by)
        # Stored last, under its content hash; removed again if the row cannot be written.
        document.file.save(f"{digest.hexdigest()[:32]}{extension}", upload, save=False)
        try:
            with transaction.atomic():
                save_tracked(document, by=by, reason=f"document added: {document.get_kind_display()}")
        except Exception:
            document.file.delete(save=False)
            raise
    return document


def document_remove(application: SharingApplication, *, document: ApplicationDocument, by) -> None:
    """Remove a document from a draft or returned application.

    The file itself is deleted only when nobody has seen it in a submission and no other application (a
    follow-up copies its parent's documents) refers to it; otherwise it stays with the record (SEC-7)."""
    with transaction.atomic():
        application = lock_for_change(application)
        require_editor(application, by)
        require_editable(application)
        document = ApplicationDocument.objects.filter(pk=document.pk, application=application).first()
        if document is None:
            raise errors.NotFound()
        name = document.file.name
        submitted = application.submitted_at is not None and document.uploaded_at <= application.submitted_at
        document._history_user = by
        document._change_reason = f"document removed: {document.original_name}"[:100]
        document.delete()
        shared = ApplicationDocument.objects.filter(file=name).exists()
        if name and not submitted and not shared:
            storage = ApplicationDocument._meta.get_field("file").storage
            transaction.on_commit(lambda: storage.delete(name))


def document_content_type(document: ApplicationDocument) -> str:
    return document.content_type or "application/octet-stream"
