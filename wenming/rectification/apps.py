from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "wenming.rectification"
    label = "rectification"
    verbose_name = _("Rectification ledger")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.dashboard import Panel, register_panel
        from wenming.core.navigation import NavItem, register_nav
        from wenming.notifications.kinds import register_kind

        register_nav(
            NavItem(
                _("Rectification"), "rectification:ledger", lambda a: a.sees_whole_hospital or a.is_department_head, 31
            )
        )

        from .dashboard import ledger_panel

        register_panel(Panel("rectification.ledger", "rectification/_dashboard.html", ledger_panel, order=20))

        register_action("rectification.item.opened", _("opened rectification item {target}"))
        register_action("rectification.item.started", _("started rectifying {target}"))
        register_action("rectification.item.submitted", _("submitted the fix of {target} for verification"))
        register_action("rectification.item.closed", _("verified and closed out {target}"))
        register_action("rectification.item.returned", _("returned {target} for further rectification"))
        register_action("rectification.extension.requested", _("asked for a later deadline for {target}"))
        register_action("rectification.extension.approved", _("approved a later deadline for {target}"))
        register_action("rectification.extension.refused", _("refused a later deadline for {target}"))
        register_action("rectification.item.reminded", _("reminded the department of the deadline of {target}"))
        register_action("rectification.item.escalated", _("reported {target} as overdue"))
        register_action("rectification.item.overdue_deducted", _("recorded the overdue deduction for {target}"))
        register_action("rectification.rule.changed", _("changed the overdue deduction rule"))

        register_kind(
            "rectification.item.opened", _("{department} has a new rectification item: {item}, due {deadline}.")
        )
        register_kind("rectification.item.submitted", _("{department} submitted the fix of {item} for verification."))
        register_kind("rectification.item.returned", _("The fix of {item} did not pass verification: {note}"))
        register_kind("rectification.item.closed", _("{item} was verified and closed out."))
        register_kind(
            "rectification.extension.requested", _("{department} asks for {item} to be due {deadline}: {reason}")
        )
        register_kind("rectification.extension.approved", _("{item} is now due {deadline}."))
        register_kind("rectification.extension.refused", _("The later deadline for {item} was refused: {note}"))
        register_kind("rectification.item.due_soon", _("{item} of {department} is due {deadline}."))
        register_kind("rectification.item.overdue", _("{item} of {department} is overdue since {deadline}."))
        register_kind(
            "rectification.item.overdue_deducted",
            _("{item} of {department} is more than {days} days overdue: deduction {code} was recorded."),
        )
