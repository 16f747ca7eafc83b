from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "wenming.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from wenming.core.audit import register_action

        register_action("inspections.round.submitted", _("submitted the inspection round {target}"))
        register_action("inspections.record.held", _("held the scoring record {target} while it is appealed"))
        register_action("inspections.appeal.filed", _("appealed the finding {target}"))
        register_action("inspections.appeal.decided", _("decided the appeal against the finding {target}"))
