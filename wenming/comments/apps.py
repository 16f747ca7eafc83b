"""Comment analysis (评论分析): segmentation with an editable lexicon, topics and trends."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "wenming.comments"
    label = "comments"
    verbose_name = _("Comment analysis")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_tab

        from .selectors import may_read_comments

        register_tab("patients", NavItem(_("Comment analysis"), "comments:analysis", may_read_comments, order=60))

        register_action("comments.lexicon.added", _("added {target} to the comment lexicon"))
        register_action("comments.lexicon.changed", _("changed {target} in the comment lexicon"))
        register_action("comments.lexicon.deactivated", _("turned off {target} in the comment lexicon"))
        register_action("comments.lexicon.activated", _("turned on {target} in the comment lexicon again"))
