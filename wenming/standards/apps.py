from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "wenming.standards"
    label = "standards"
    verbose_name = _("Assessment standards")

    def ready(self) -> None:
        from wenming.core.audit import register_action

        register_action("standards.version.created", _("imported assessment standard {target}"))
