from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from wenming.core.audit import audit_log, client_ip

from .forms import LoginForm, PasswordChangeForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_log(
            actor=self.request.user,
            action="accounts.password_changed",
            target=self.request.user,
            ip=client_ip(self.request),
        )
        return response
