from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "wenming.scoring"
    label = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_nav

        register_nav(NavItem(_("Scores"), "scoring:periods", lambda a: a.can_view_rankings, order=21))
        register_nav(
            NavItem(
                _("My scores"), "scoring:mine", lambda a: a.is_department_head and not a.sees_whole_hospital, order=22
            )
        )

        register_action("scoring.records.imported", _("imported {target} scoring records"))
        register_action("scoring.period.computed", _("computed the scores of {target}"))
        register_action("scoring.period.scoped", _("set which subjects {target} covers"))
        register_action("scoring.period.finalized", _("finalized the scores of {target}"))
        register_action("scoring.pay_rule.saved", _("changed the pay linkage rule of {target}"))
        register_action("scoring.run.requested", _("asked for the scores of {target} to be computed"))
        register_action("scoring.run.failed", _("computing the scores of {target} failed"))
        register_action("scoring.record.created", _("entered the scoring record {target}"))
        register_action("scoring.record.updated", _("changed the scoring record {target}"))
        register_action("scoring.record.approved", _("approved the scoring record {target}"))
        register_action("scoring.record.voided", _("voided the scoring record {target}"))
        register_action("scoring.evidence.added", _("attached evidence to the scoring record {target}"))
        register_action("scoring.manual.saved", _("saved manual scores for {target}"))
        register_action("scoring.correction.created", _("entered a correction of {target}"))
