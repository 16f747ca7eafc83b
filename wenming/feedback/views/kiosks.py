"""Kiosks: the office's page (register a kiosk with a PIN, its activation link and QR, deactivate)
and the tablet's side (the activation link that puts the browser in kiosk mode, leaving with the
PIN). The rating page itself is ``public.rate``, which notices kiosk mode."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.org.forms import apply_service_errors

from .. import kiosk as kiosks
from ..forms import KioskForm
from ..models import Kiosk
from .office import manager
from .public import public_page


def _activation_url(kiosk: Kiosk) -> str:
    return settings.WENMING_BASE_URL.rstrip("/") + reverse("rate:kiosk_start", args=[kiosk.token])


def _page(request, form: KioskForm, *, status: int = 200):
    rows = list(Kiosk.objects.select_related("rating_code__department", "rating_code__staff", "created_by"))
    for row in rows:
        if row.active:
            row.url = _activation_url(row)
            row.svg = segno.make(row.url, error="m").svg_inline(scale=3)
    return render(request, "feedback/kiosks.html", {"kiosks": rows, "form": form}, status=status)


@manager
@require_GET
def kiosk_list(request):
    return _page(request, KioskForm())


@manager
@require_POST
def kiosk_add(request):
    form = KioskForm(request.POST)
    if form.is_valid():
        try:
            kiosks.kiosk_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Kiosk registered. Open its activation link on the tablet."))
            return redirect("feedback:kiosks")
    return _page(request, form, status=400)


@manager
@require_POST
def kiosk_deactivate(request, pk: int):
    kiosk = get_object_or_404(Kiosk, pk=pk)
    kiosks.kiosk_deactivate(by=request.user, kiosk=kiosk)
    messages.success(request, _("Kiosk deactivated: the tablet leaves kiosk mode within a minute."))
    return redirect("feedback:kiosks")


# --- The tablet -----------------------------------------------------------------------------------


@require_GET
def kiosk_start(request, token: str):
    """The activation link: this browser rates the kiosk's code in kiosk mode from now on."""
    kiosk = kiosks.kiosk_by_token(token)
    if kiosk is None:
        return public_page(request, "feedback/public_missing.html", {}, status=404)
    response = redirect("rate:rate", code=kiosk.rating_code.code)
    response.set_cookie(
        kiosks.COOKIE,
        kiosks.kiosk_cookie(kiosk),
        max_age=kiosks.COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@csrf_exempt  # no session on the tablet; the PIN is what is checked
@require_http_methods(["GET", "POST"])
def kiosk_exit(request):
    info = kiosks.kiosk_from_cookie(request.COOKIES.get(kiosks.COOKIE))
    if info is None:
        response = public_page(request, "feedback/kiosk_exit.html", {"done": True})
        response.delete_cookie(kiosks.COOKIE)
        return response
    error = ""
    if request.method == "POST":
        try:
            right = kiosks.kiosk_pin_check(kiosk=info, pin=request.POST.get("pin", ""))
        except ValidationError as refused:
            right, error = False, " ".join(refused.messages)
        if right:
            response = public_page(request, "feedback/kiosk_exit.html", {"done": True})
            response.delete_cookie(kiosks.COOKIE)
            return response
        error = error or _("Wrong PIN.")
    return public_page(
        request, "feedback/kiosk_exit.html", {"kiosk": info, "error": error}, status=400 if error else 200
    )
