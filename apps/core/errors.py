"""Domain errors raised by services. One DRF exception handler (apps.core.api.errors) and one form
mixin (apps.core.forms.ServiceFormMixin) turn them into HTTP answers and form errors."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    code = "invalid"
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, field_errors: dict | None = None, code: str | None = None):
        self.message = message or self.default_message
        self.field_errors = field_errors or {}
        if code:
            self.code = code
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    status_code = 400
    code = "invalid"
    default_message = _("Some of the information is not valid.")


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class NotFound(DomainError):
    """Also raised for objects a user may not see, so that ids reveal nothing."""

    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class TransitionNotAllowed(DomainError):
    status_code = 409
    code = "transition_not_allowed"
    default_message = _("This step is not allowed from the record's current state.")
