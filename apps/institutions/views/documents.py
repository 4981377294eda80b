"""Documents are served only here, after the policy check; never from a public media URL."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.urls import path

from apps.core import errors, policy

from ..models import Document


@login_required
def document_download(request, pk: int):
    try:
        document = policy.get_object(request.user, Document, "institutions.view_document", pk=pk)
    except errors.NotFound:
        raise Http404 from None
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = request.GET.get("inline") == "1" and document.content_type == "application/pdf"
    response = FileResponse(handle, content_type=document.content_type, as_attachment=not inline,
                            filename=document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [path("documents/<int:pk>/", document_download, name="document_download")]
