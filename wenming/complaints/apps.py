"""Complaints, praise and petitions (投诉、表扬、信访): cases from intake to closing."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "wenming.complaints"
    label = "complaints"
    verbose_name = _("Complaints and praise")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_nav
        from wenming.notifications.kinds import register_kind

        from .services import may_read_cases

        register_nav(NavItem(_("Complaints and praise"), "complaints:list", may_read_cases, order=42))

        register_action("complaints.case.received", _("received case {target}"))
        register_action("complaints.case.started", _("took up case {target} for investigation"))
        register_action("complaints.case.investigated", _("recorded the investigation findings of case {target}"))
        register_action("complaints.case.decided", _("recorded the handling decision of case {target}"))
        register_action("complaints.case.replied", _("recorded the reply to case {target}"))
        register_action("complaints.case.closed", _("closed case {target}"))
        register_action("complaints.case.returned", _("sent case {target} back a step"))
        register_action("complaints.case.extended", _("gave case {target} a later deadline"))
        register_action("complaints.case.scored", _("recorded a score entry for case {target}"))
        register_action("complaints.case.item_opened", _("opened a rectification item for case {target}"))
        register_action("complaints.case.reminded", _("reminded the department of the deadline of case {target}"))
        register_action("complaints.case.overdue", _("reported case {target} as overdue"))

        register_kind("complaints.case.received", _("New {kind} for {department}: {case}, due {deadline}."))
        register_kind("complaints.case.moved", _("{kind} {case} of {department} is now: {state}."))
        register_kind("complaints.case.decided", _("The handling decision of {case} ({department}) was recorded."))
        register_kind("complaints.case.returned", _("{case} of {department} was sent back to “{state}”: {reason}"))
        register_kind("complaints.case.extended", _("{case} of {department} is now due {deadline}: {reason}"))
        register_kind("complaints.case.scored", _("{case} of {department} recorded {code} on the assessment."))
        register_kind("complaints.case.due_soon", _("{case} of {department} must be replied to by {deadline}."))
        register_kind("complaints.case.overdue", _("{case} of {department} is overdue since {deadline}."))
