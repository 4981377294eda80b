from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "apps.institutions"
    label = "institutions"
    verbose_name = _("Institutions")

    def ready(self):
        from . import panels, signals  # noqa: F401  (home panels, credit triggers)
