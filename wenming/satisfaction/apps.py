"""Satisfaction dashboards and the public 满意度公示 page."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    name = "wenming.satisfaction"
    label = "satisfaction"
    verbose_name = _("Satisfaction")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_tab

        from .selectors import may_read

        register_tab("patients", NavItem(_("Satisfaction"), "satisfaction:dashboard", may_read, order=20))

        register_action("satisfaction.board.published", _("published the public satisfaction page"))
        register_action("satisfaction.board.withdrawn", _("withdrew the public satisfaction page"))
        register_action("satisfaction.board.updated", _("changed the settings of the public satisfaction page"))
