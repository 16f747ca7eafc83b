from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "wenming.core"
    label = "core"
    verbose_name = _("Core")


class WenmingAdminConfig(admin_apps.AdminConfig):
    default_site = "wenming.core.admin_site.WenmingAdminSite"
