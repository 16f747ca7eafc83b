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
