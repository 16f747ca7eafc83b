"""Follow-up calls (回访): discharged-patient lists, samples, the callers' queue and outcomes."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "wenming.followups"
    label = "followups"
    verbose_name = _("Follow-up calls")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_tab

        from .selectors import may_use_followups

        register_tab("patients", NavItem(_("Follow-up calls"), "followups:queue", may_use_followups, order=40))

        register_action("followups.batch.uploaded", _("uploaded the discharged-patient list {target}"))
        register_action("followups.batch.imported", _("imported the discharged-patient list {target}"))
        register_action("followups.batch.cancelled", _("cancelled the discharged-patient list {target}"))
        register_action("followups.script.updated", _("changed the call script of {target}"))
        register_action("followups.sample.drawn", _("drew the follow-up sample of {target}"))
        register_action("followups.call.assigned", _("gave the follow-up call {target} to another caller"))
        register_action("followups.call.recorded", _("recorded an attempt of the follow-up call {target}"))
