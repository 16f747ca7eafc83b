import segno
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, client_ip
from wenming.org.selectors import current_hospital

from . import services, totp
from .forms import CodeForm, LoginForm, PasswordChangeForm, PasswordConfirmForm

# Session keys for a login waiting for its authenticator code.
PENDING_USER = "wenming_pending_user"
PENDING_BACKEND = "wenming_pending_backend"
PENDING_NEXT = "wenming_pending_next"
PENDING_TRIES = "wenming_pending_tries"
MAX_CODE_TRIES = 5


class LoginView(auth_views.LoginView):
    """Password first; accounts with a confirmed authenticator app then give a code."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if services.totp_device(user) is None:
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING_USER] = user.pk
        self.request.session[PENDING_BACKEND] = user.backend
        self.request.session[PENDING_NEXT] = self.get_success_url()
        self.request.session[PENDING_TRIES] = 0
        return redirect("accounts:login_code")


def login_code(request):
    """The second step: the six-digit code from the authenticator app."""
    session = request.session
    user = get_user_model().objects.filter(pk=session.get(PENDING_USER), is_active=True).first()
    if user is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_check(user=user, code=form.cleaned_data["code"]):
            next_url = session.get(PENDING_NEXT) or reverse("core:home")
            backend = session.get(PENDING_BACKEND)
            for key in (PENDING_USER, PENDING_BACKEND, PENDING_NEXT, PENDING_TRIES):
                session.pop(key, None)
            login(request, user, backend=backend)
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = reverse("core:home")
            return HttpResponseRedirect(next_url)
        session[PENDING_TRIES] = session.get(PENDING_TRIES, 0) + 1
        if session[PENDING_TRIES] >= MAX_CODE_TRIES:
            for key in (PENDING_USER, PENDING_BACKEND, PENDING_NEXT, PENDING_TRIES):
                session.pop(key, None)
            messages.error(request, _("Too many wrong codes. Please log in again."))
            return redirect("accounts:login")
        form.add_error("code", _("This code is not correct or has already been used. Please wait for a new one."))
    return render(request, "accounts/login_code.html", {"form": form})


@login_required
def totp_setup(request):
    """Turn the authenticator app on (scan, confirm with a code) or off (with the password)."""
    device = services.totp_device(request.user)
    if device is not None:
        form = PasswordConfirmForm(request.user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.totp_disable(by=request.user, user=request.user, ip=client_ip(request))
            messages.success(request, _("The authenticator app is turned off for your account."))
            return redirect("accounts:totp")
        return render(request, "accounts/totp.html", {"enabled": True, "form": form})

    if request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid() and services.totp_confirm(
            user=request.user, code=form.cleaned_data["code"], ip=client_ip(request)
        ):
            messages.success(request, _("The authenticator app is on. From now on you will be asked for a code."))
            return redirect("accounts:totp")
        form.add_error("code", _("This code is not correct. Check the phone's time and try the newest code."))
        pending = request.user.totp_device
    else:
        form = CodeForm()
        pending = services.totp_start(user=request.user)
    hospital = current_hospital()
    uri = totp.provisioning_uri(
        secret=pending.secret, account=request.user.get_username(), issuer=hospital.short_name or hospital.name
    )
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4)
    return render(
        request, "accounts/totp.html", {"enabled": False, "form": form, "secret": pending.secret, "qr_svg": qr_svg}
    )


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
