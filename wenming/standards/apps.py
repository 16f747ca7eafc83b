from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "wenming.standards"
    label = "standards"
    verbose_name = _("Assessment standards")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_nav

        register_nav(NavItem(_("Standards"), "standards:list", lambda a: a.can_view_scores, order=20))

        register_action("standards.version.created", _("imported assessment standard {target}"))
        register_action("standards.version.edited", _("changed assessment standard {target} in the editor"))
