from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuartersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quarters"
    verbose_name = _("季度研判")
