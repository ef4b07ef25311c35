from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "org"
    verbose_name = _("组织与审计")

    def ready(self):
        from django.apps import apps

        from . import signals  # noqa: F401 - connects the login/logout audit receivers

        if apps.is_installed("axes"):
            from . import axes_hooks  # noqa: F401 - audits lockouts, lets "unlock" reset them
