from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "wenming.scoring"
    label = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from wenming.core.audit import register_action

        register_action("scoring.records.imported", _("imported {target} scoring records"))
        register_action("scoring.period.computed", _("computed the scores of {target}"))
        register_action("scoring.period.finalized", _("finalized the scores of {target}"))
