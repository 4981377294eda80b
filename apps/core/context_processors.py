"""Template context every page needs: the role-aware navigation and the unread-notification count."""

from django.conf import settings

from .navigation import navigation_for


def portal(request):
    user = getattr(request, "user", None)
    context = {"site_name": settings.SITE_NAME, "navigation": [], "unread_notifications": 0}
    if user is not None and user.is_authenticated and not user.is_machine:
        from apps.notifications.selectors import unread_count

        context["navigation"] = navigation_for(user)
        context["unread_notifications"] = unread_count(user)
    return context
