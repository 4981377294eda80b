from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _load_defaults(sender, **kwargs):
    from .services.defaults import load_defaults_after_migrate

    load_defaults_after_migrate(sender, **kwargs)


class InspectionsConfig(AppConfig):
    name = "apps.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self):
        from . import panels  # noqa: F401  (home panels)

        # The default checklist (SEC-1..9, SVC-2..4) after every migrate and flush.
        post_migrate.connect(_load_defaults, sender=self, dispatch_uid="inspections.defaults")
