from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "wenming.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_nav
        from wenming.notifications.kinds import register_kind

        register_nav(
            NavItem(_("Inspections"), "inspections:home", lambda a: a.sees_whole_hospital or a.is_department_head, 30)
        )

        register_action("inspections.round.submitted", _("submitted the inspection round {target}"))
        register_action("inspections.record.held", _("held the scoring record {target} while it is appealed"))
        register_action("inspections.appeal.filed", _("appealed the finding {target}"))
        register_action("inspections.appeal.decided", _("decided the appeal against the finding {target}"))
        register_action("inspections.plan.created", _("created the inspection plan {target}"))
        register_action("inspections.plan.changed", _("changed the inspection plan {target}"))

        register_kind(
            "inspections.round.findings",
            _("{inspector} recorded {count} findings in {department} on {date}; appeals until {deadline}."),
        )
        register_kind(
            "inspections.round.unannounced_findings",
            _("An unannounced inspection found {count} problems in {department} on {date}; appeals until {deadline}."),
        )
        register_kind("inspections.appeal.filed", _("{department} appealed the finding {finding}: {reason}"))
        register_kind(
            "inspections.appeal.upheld", _("The appeal against {finding} was not accepted; the finding counts.")
        )
        register_kind(
            "inspections.appeal.voided", _("The appeal against {finding} was accepted; the finding was voided.")
        )
