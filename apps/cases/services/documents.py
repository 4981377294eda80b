"""Files of a case (SUP-3, SEC-7): evidence, defence documents, waivers, hearing records, execution records,
appeal documents and rectification evidence. Every file is checked by content (PDF, PNG or JPEG, at most
10 MB) before any is stored, stored under the hash of its content, never under the uploader's name."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib

from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import CaseDocument

MAX_FILES = 10
VIEW_DOCUMENT = "cases.view_casedocument"

# Files stored inside `files_removed_on_failure()`: the rows roll back with the transaction, the files would
# stay behind without it.
_stored: contextvars.ContextVar[list | None] = contextvars.ContextVar("case_files_stored", default=None)


@contextlib.contextmanager
def files_removed_on_failure():
    """Delete the files stored inside the block when the block raises. Wrap a service's transaction in it (an
    inner block joins the outer one, so the files go when the outermost fails)."""
    if _stored.get() is not None:
        yield
        return
    stored: list = []
    token = _stored.set(stored)
    try:
        yield
    except BaseException:
        for field_file in stored:
            field_file.storage.delete(field_file.name)
        raise
    finally:
        _stored.reset(token)


def files_check(files, *, field: str = "files") -> list[tuple]:
    """Check every upload before any is stored: [(upload, content type, extension)], else ValidationFailed on
    `field` naming each refused file."""
    from apps.institutions.services.documents import document_check

    files = [upload for upload in (files or []) if upload is not None]
    if len(files) > MAX_FILES:
        raise errors.ValidationFailed(field_errors={field: [
            _("Attach at most %(max)d files at a time.") % {"max": MAX_FILES}]})
    checked, problems = [], []
    for upload in files:
        try:
            content_type, extension = document_check(upload, field=field)
        except errors.ValidationFailed as error:
            problems.extend(error.field_errors.get(field, [error.message]))
            continue
        checked.append((upload, content_type, extension))
    if problems:
        raise errors.ValidationFailed(field_errors={field: problems})
    return checked


def documents_store(*, case, kind: str, files, by, description: str = "", defence=None, appeal=None,
                    rectification_report=None, field: str = "files") -> list[CaseDocument]:
    """Check all `files`, then store each as a CaseDocument of `kind` (callers hold the transaction and have
    authorised `by`). Nothing is stored when one file is refused."""
    if kind not in CaseDocument.Kind.values:
        raise errors.ValidationFailed(field_errors={"kind": [_("Choose the kind of document.")]})
    description = str(description or "").replace("\x00", "").strip()
    if len(description) > 300:
        raise errors.ValidationFailed(field_errors={"description": [
            _("Keep the description under 300 characters.")]})
    checked = files_check(files, field=field)
    documents = []
    for upload, content_type, extension in checked:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        document = CaseDocument(case=case, kind=kind, description=description, defence=defence, appeal=appeal,
                                rectification_report=rectification_report, original_name=upload.name[-200:],
                                content_type=content_type, size=upload.size, sha256=digest.hexdigest(),
                                uploaded_by=by)
        document.file.save(f"{digest.hexdigest()[:32]}{extension}", upload, save=False)
        stored = _stored.get()
        if stored is not None:
            stored.append(document.file)
        save_tracked(document, by=by, reason=f"{kind} document")
        documents.append(document)
    return documents


def documents_visible(user):
    """Documents the user may read: the jurisdiction's; the institution its own kinds from the notice on."""
    return policy.visible(user, CaseDocument.objects.all(), VIEW_DOCUMENT)


def document_get(user, pk) -> CaseDocument:
    """A document the user may download, else NotFound (missing and invisible alike)."""
    text = str(pk)
    if not (text.isascii() and text.isdigit()):
        raise errors.NotFound()
    document = documents_visible(user).select_related("case").filter(pk=int(text)).first()
    if document is None:
        raise errors.NotFound()
    return document
