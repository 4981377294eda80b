from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, verbosity=1, **kwargs):
    from .roles import roles_sync

    roles_sync(verbosity=max(verbosity - 1, 0))


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        # After every app's permissions exist (post_migrate of the last app is not ordered, so run each time).
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
        from . import panels  # noqa: F401  (registers home-page panels)
