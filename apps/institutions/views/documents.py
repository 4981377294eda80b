"""Documents are served only here, after the policy check; never from a public media URL."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.urls import path

from apps.core import errors, policy
from apps.core.files import file_response

from ..models import Document


def document_file_response(document: Document | None, *, inline: bool = False) -> FileResponse:
    """A stored document for pages and API alike (only PDFs may open inline); the caller checked access."""
    if document is None:
        raise errors.NotFound()
    return file_response(document.file, filename=document.original_name, content_type=document.content_type,
                         inline=inline and document.content_type == "application/pdf")


@login_required
def document_download(request, pk: int):
    document = policy.get_object(request.user, Document, "institutions.view_document", pk=pk)
    return document_file_response(document, inline=request.GET.get("inline") == "1")


urlpatterns = [path("documents/<int:pk>/", document_download, name="document_download")]
