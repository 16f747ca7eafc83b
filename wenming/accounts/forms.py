from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or staff number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    error_messages = {
        "invalid_login": _(
            "The username or password is not correct. After several failed attempts the account is locked for a while."
        ),
        "inactive": _("This account has been disabled."),
    }


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    pass


class CodeForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Six-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True, "pattern": "[0-9 ]*"}
        ),
    )


class PasswordConfirmForm(StyledFormMixin, forms.Form):
    """Asks for the account's password before a sensitive change."""

    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password
