from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _load_credit_defaults(sender, **kwargs):
    from .services.credit_defaults import load_credit_defaults_after_migrate

    load_credit_defaults_after_migrate(sender, **kwargs)


class InstitutionsConfig(AppConfig):
    name = "apps.institutions"
    label = "institutions"
    verbose_name = _("Institutions")

    def ready(self):
        from . import panels, signals  # noqa: F401  (home panels, credit triggers)

        # Default credit scheme, grades and rules after every migrate and test-database flush (INS-3).
        post_migrate.connect(_load_credit_defaults, sender=self, dispatch_uid="institutions.credit_defaults")
