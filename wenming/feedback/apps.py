from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "wenming.feedback"
    label = "feedback"
    verbose_name = _("Patient feedback")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_nav

        from .selectors import may_read_feedback

        register_nav(NavItem(_("Patient feedback"), "feedback:list", may_read_feedback, order=41))

        register_action("feedback.codes.generated", _("generated rating codes: {target}"))
        register_action("feedback.point.added", _("added the service point rating code {target}"))
        register_action("feedback.code.deactivated", _("deactivated the rating code {target}"))
        register_action("feedback.feedback.cleared", _("cleared the flagged feedback {target}; it counts"))
        register_action("feedback.feedback.rejected", _("confirmed the flagged feedback {target} as invalid"))
