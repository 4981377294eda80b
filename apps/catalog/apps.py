from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _load_defaults(sender, **kwargs):
    from .services.defaults import load_defaults_after_migrate

    load_defaults_after_migrate(sender, **kwargs)


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = _("Data catalog and sharing")

    def ready(self):
        from . import (
            panels,  # noqa: F401  (home panels)
            receivers,  # noqa: F401  (institution status -> grants)
        )
        from .services import transfer

        transfer.register()
        # The default route table and the first data use agreement after every migrate and flush.
        post_migrate.connect(_load_defaults, sender=self, dispatch_uid="catalog.defaults")
