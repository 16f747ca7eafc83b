"""Public commitments (三亮：亮标准、亮身份、亮承诺)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "wenming.commitments"
    label = "commitments"
    verbose_name = _("Public commitments")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_tab
        from wenming.notifications.kinds import register_kind

        from .permissions import may_open

        register_tab("people", NavItem(_("Public commitments"), "commitments:home", may_open, order=30))

        register_action("commitments.template.created", _("added the commitment template {target}"))
        register_action("commitments.template.updated", _("changed the commitment template {target}"))
        register_action("commitments.template.deleted", _("deleted the commitment template {target}"))
        register_action("commitments.commitment.applied", _("applied the commitment templates to {target}"))
        register_action("commitments.commitment.added", _("added the commitment {target}"))
        register_action("commitments.commitment.updated", _("changed the commitment {target}"))
        register_action("commitments.commitment.removed", _("removed the commitment {target}"))
        register_action("commitments.settings.updated", _("changed the settings of the {target}"))
        register_action("commitments.page.updated", _("showed or hid the public commitment page of {target}"))
        register_action("commitments.review.generated", _("generated the commitment reviews of {target}"))
        register_action("commitments.review.updated", _("recorded the conclusion of the commitment review {target}"))
        register_action("commitments.review.published", _("published the commitment review {target}"))
        register_action("commitments.review.withdrawn", _("withdrew the commitment review {target}"))

        register_kind(
            "commitments.review.published",
            _("The commitment review of {department} for {quarter} was published: {conclusion}."),
        )
