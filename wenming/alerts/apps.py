"""Satisfaction alerts (预警): rules the office sets and alerts tracked until acknowledged."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "wenming.alerts"
    label = "alerts"
    verbose_name = _("Satisfaction alerts")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_tab
        from wenming.notifications.kinds import register_kind

        from .selectors import may_read_alerts

        register_tab("patients", NavItem(_("Alerts"), "alerts:list", may_read_alerts, order=50))

        register_action("alerts.alert.acknowledged", _("acknowledged the alert {target}"))
        register_action("alerts.rule.created", _("added the alert rule {target}"))
        register_action("alerts.rule.changed", _("changed the alert rule {target}"))

        register_kind("alerts.alert.low_rating", _("Alert for {department}: a patient rated {overall} of 5."))
        register_kind("alerts.alert.keyword", _("Alert for {department}: a patient's comment mentions {keywords}."))
        register_kind(
            "alerts.alert.below_target",
            _("Alert for {department}: satisfaction below {target} for {weeks} weeks running, up to {week}."),
        )
