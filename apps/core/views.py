from django.apps import apps as django_apps
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import errors, policy
from .history_diff import history_entries
from .home import panels_for


@login_required
def home(request):
    """A home page per role: the panels each app contributes for the roles this user holds."""
    return render(request, "core/home.html", {"panels": panels_for(request.user)})


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness for load balancers: the database and the broker, each named if it fails."""
    checks = {"database": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        checks["database"] = f"error: {type(error).__name__}"
    try:
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            conn.default_channel.client.ping()
    except Exception as error:
        checks["broker"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


@login_required
def history(request, app_label: str, model_name: str, pk: str):
    """A record's changes field by field, who made them and when (reusable for every TrackedModel)."""
    try:
        model = django_apps.get_model(app_label, model_name)
    except LookupError:
        raise Http404 from None
    if not hasattr(model, "history") or not hasattr(model, "policy_scope"):
        raise Http404
    try:
        obj = policy.get_object(request.user, model, f"{app_label}.view_{model._meta.model_name}", pk=pk)
    except errors.NotFound:
        raise Http404 from None
    return render(request, "core/history.html", {
        "object": obj, "opts": model._meta, "entries": history_entries(obj),
    })


def bad_request(request, exception=None):
    return render(request, "errors/error.html", {"code": 400, "title": _("Bad request")}, status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/error.html", {
        "code": 403, "title": _("Access denied"),
        "message": _("You do not have permission to see this page."),
    }, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/error.html", {
        "code": 404, "title": _("Not found"),
        "message": _("The page does not exist, or you may not see it."),
    }, status=404)


def server_error(request):
    """Rendered without context processors: the database may be what failed."""
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("errors/500.html").render({}))
