"""Home-page panels of the accounts app: a department's jurisdiction at a glance (SUP-4)."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from apps.core import policy
from apps.core.home import register_panels

from .models import Organisation


@register_panels
def jurisdiction_panel(user):
    if not user.is_regulator or not user.has_perm("accounts.supervise_organisation"):
        return []
    counts = dict(
        policy.visible(user, Organisation.objects.filter(is_active=True), "accounts.view_organisation")
        .values_list("kind").annotate(n=Count("pk")).order_by()
    )
    region = user.organisation.region
    return [{
        "title": _("Your jurisdiction"),
        "template": "core/panels/jurisdiction.html",
        "context": {
            "region": region.name if region else None,
            "counts": [(label, counts.get(value, 0)) for value, label in Organisation.Kind.choices],
        },
    }]
