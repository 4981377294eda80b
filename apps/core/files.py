"""Serving stored files: the one response every download view (pages and API) returns after its own
access check. Private by default, never content-sniffed, and a 404 rather than a 500 when a row has
outlived its file."""

from django.http import FileResponse

from . import errors


def file_response(field_file, *, filename: str, content_type: str, inline: bool = False,
                  public: bool = False, audit_request=None, audit_object=None) -> FileResponse:
    """`audit_request` and `audit_object` together write an access record once the file is found (SUP-5)."""
    if not field_file:
        raise errors.NotFound()
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise errors.NotFound() from None
    if audit_object is not None:
        from .access import access_record

        access_record(request=audit_request, obj=audit_object, label=filename)
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
