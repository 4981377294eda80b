"""One convention for turning service errors into form errors, reused by every app's views."""

from django.contrib import messages

from . import errors


def apply_domain_error(form, error: errors.DomainError) -> None:
    """Attach a service's ValidationFailed to the form: field errors to fields, the rest on top."""
    placed = False
    for field_name, messages_ in error.field_errors.items():
        target = field_name if field_name in form.fields else None
        for message in messages_ if isinstance(messages_, list | tuple) else [messages_]:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def run_service(request, form, call, *, success_message=None):
    """Call a service with a bound, valid form; return its result or None after recording the error.

    PermissionDenied and NotFound propagate (403/404 pages); validation errors land on the form."""
    try:
        result = call()
    except errors.ValidationFailed as error:
        apply_domain_error(form, error)
        return None
    except errors.TransitionNotAllowed as error:
        form.add_error(None, error.message)
        return None
    if success_message:
        messages.success(request, success_message)
    return result
