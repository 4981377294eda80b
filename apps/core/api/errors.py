"""One error body for the whole API:

    {"error": {"code": "invalid", "message": "…", "fields": {"name": ["…"]}}}

Domain errors raised by services, DRF's own exceptions and Django's Http404/PermissionDenied all
come out in this shape, with a translated message in the request's language."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core import errors


def _field_messages(detail) -> dict:
    if isinstance(detail, dict):
        return {key: [str(item) for item in (value if isinstance(value, list) else [value])]
                for key, value in detail.items()}
    return {}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"error": {"code": code, "message": str(message)}}
    if fields:
        body["error"]["fields"] = fields
    return body


def exception_handler(exc, context):
    if isinstance(exc, errors.DomainError):
        fields = {key: [str(m) for m in (v if isinstance(v, list | tuple) else [v])]
                  for key, v in exc.field_errors.items()}
        return Response(error_body(exc.code, exc.message, fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = _field_messages(exc.message_dict) if hasattr(exc, "error_dict") else {}
        message = exc.messages[0] if exc.messages and not fields else errors.ValidationFailed.default_message
        return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None)
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_messages(detail) if isinstance(detail, dict) else {}
        if isinstance(detail, list) and detail:
            message = str(detail[0])
        else:
            message = str(errors.ValidationFailed.default_message)
        response.data = error_body("invalid", message, fields)
    else:
        code = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        response.data = error_body(code if isinstance(code, str) else "error", str(detail or exc))
    return response
