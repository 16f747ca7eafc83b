"""Questionnaires (问卷): questions, dimensions, versions and templates, and results per dimension."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnairesConfig(AppConfig):
    name = "wenming.questionnaires"
    label = "questionnaires"
    verbose_name = _("Questionnaires")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_tab
        from wenming.feedback.selectors import may_manage_feedback

        register_tab("patients", NavItem(_("Questionnaires"), "questionnaires:list", may_manage_feedback, order=30))

        register_action("questionnaires.questionnaire.created", _("created the questionnaire {target}"))
        register_action(
            "questionnaires.questionnaire.updated", _("renamed or re-introduced the questionnaire {target}")
        )
        register_action("questionnaires.question.added", _("added a question to the draft of {target}"))
        register_action("questionnaires.question.updated", _("changed a question of the draft of {target}"))
        register_action("questionnaires.question.deleted", _("deleted a question from the draft of {target}"))
        register_action("questionnaires.version.published", _("published a new version of {target}"))
        register_action("questionnaires.version.draft_started", _("started a new draft of {target}"))
        register_action("questionnaires.questionnaire.in_use", _("put the questionnaire {target} in use"))
        register_action("questionnaires.questionnaire.not_in_use", _("stopped using the questionnaire {target}"))
        register_action("questionnaires.dimension.created", _("added the dimension {target}"))
        register_action("questionnaires.dimension.updated", _("changed the dimension {target}"))
