from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "wenming.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from wenming.core.audit import register_action

        register_action("accounts.password_changed", _("changed the password of {target}"))
        register_action("accounts.totp_enabled", _("turned on the authenticator app for {target}"))
        register_action("accounts.totp_disabled", _("turned off the authenticator app for {target}"))
