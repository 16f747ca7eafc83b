from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "wenming.feedback"
    label = "feedback"
    verbose_name = _("Patient feedback")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_nav, register_tab

        from .selectors import may_manage_feedback, may_read_feedback

        register_nav(NavItem(_("Patient feedback"), "feedback:list", may_read_feedback, order=41))
        # The patients' section: the other apps (satisfaction, questionnaires, follow-up calls,
        # alerts, comment analysis) add their tabs beside these.
        register_tab("patients", NavItem(_("Feedback"), "feedback:list", may_read_feedback, order=10))
        register_tab("patients", NavItem(_("Review queue"), "feedback:review", may_manage_feedback, order=80))
        register_tab("patients", NavItem(_("QR codes"), "feedback:codes", may_manage_feedback, order=90))

        register_action("feedback.codes.generated", _("generated rating codes: {target}"))
        register_action("feedback.point.added", _("added the service point rating code {target}"))
        register_action("feedback.code.deactivated", _("deactivated the rating code {target}"))
        register_action("feedback.feedback.recorded", _("recorded the feedback {target} taken down by a person"))
        register_action("feedback.kiosk.created", _("registered the kiosk {target}"))
        register_action("feedback.kiosk.deactivated", _("deactivated the kiosk {target}"))
        register_action("feedback.feedback.cleared", _("cleared the flagged feedback {target}; it counts"))
        register_action("feedback.feedback.rejected", _("confirmed the flagged feedback {target} as invalid"))
