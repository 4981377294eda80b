from django.utils.translation import gettext_lazy as _

from apps.core.home import register_panels

from .selectors import inbox


@register_panels
def latest_notifications_panel(user):
    return [{
        "title": _("Latest notifications"),
        "template": "core/panels/notifications.html",
        "context": {"items": list(inbox(user)[:5])},
    }]
