from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .search.index import ensure_after_migrate


class MetasConfig(AppConfig):
    name = "metas"
    verbose_name = _("Goals and objectives")

    def ready(self):
        post_migrate.connect(ensure_after_migrate, sender=self)
