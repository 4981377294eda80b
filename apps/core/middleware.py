"""Turns domain errors that escape an HTML view into the portal's 403/404/409 pages."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from . import errors


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None  # DRF's exception handler answers API errors
        if isinstance(exception, errors.NotFound):
            raise Http404(str(exception.message))
        if isinstance(exception, errors.PermissionDenied):
            raise PermissionDenied(str(exception.message))
        if isinstance(exception, errors.DomainError):
            return render(request, "errors/error.html", {
                "code": exception.status_code, "title": exception.message, "message": "",
            }, status=exception.status_code)
        return None
