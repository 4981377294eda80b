from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "apps.cases"
    label = "cases"
    verbose_name = _("Accountability cases")

    def ready(self):
        from . import panels  # noqa: F401  (home panels)
        from .receivers import connect

        connect()
