from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "wenming.rectification"
    label = "rectification"
    verbose_name = _("Rectification ledger")

    def ready(self) -> None:
        from wenming.core.audit import register_action

        register_action("rectification.item.opened", _("opened rectification item {target}"))
        register_action("rectification.item.started", _("started rectifying {target}"))
        register_action("rectification.item.submitted", _("submitted the fix of {target} for verification"))
        register_action("rectification.item.closed", _("verified and closed out {target}"))
        register_action("rectification.item.returned", _("returned {target} for further rectification"))
        register_action("rectification.extension.requested", _("asked for a later deadline for {target}"))
        register_action("rectification.extension.approved", _("approved a later deadline for {target}"))
        register_action("rectification.extension.refused", _("refused a later deadline for {target}"))
