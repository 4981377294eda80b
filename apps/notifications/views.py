from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.core.pagination import paginate

from . import selectors, services


@login_required
def inbox(request):
    page = paginate(request, selectors.inbox(request.user), 20)
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request, pk: int):
    row = services.notification_mark_read(notification_id=pk, by=request.user)
    if request.htmx:
        return render(request, "notifications/_row.html", {"item": row})
    if row.url and url_has_allowed_host_and_scheme(row.url, {request.get_host()}):
        return redirect(row.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_all_read(by=request.user)
    return redirect("notifications:inbox")


@login_required
def unread_badge(request):
    return render(request, "notifications/_badge.html",
                  {"unread_notifications": selectors.unread_count(request.user)})
