from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _load_reference(sender, **kwargs):
    from .services.reference import load_reference_after_migrate

    load_reference_after_migrate(sender, **kwargs)


class StandardsConfig(AppConfig):
    name = "apps.standards"
    label = "standards"
    verbose_name = _("Standards")

    def ready(self):
        from . import panels  # noqa: F401  (home panels)

        # The framework categories and the seed list of standards after every migrate and flush (STD-1, STD-8).
        post_migrate.connect(_load_reference, sender=self, dispatch_uid="standards.reference")
