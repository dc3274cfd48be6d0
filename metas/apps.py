from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetasConfig(AppConfig):
    name = "metas"
    verbose_name = _("Goals and objectives")
