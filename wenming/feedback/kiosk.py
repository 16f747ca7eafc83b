"""Kiosk mode (a tablet at a discharge desk): registering kiosks, the signed cookie that puts a
browser in kiosk mode, and leaving it with the PIN.

- :func:`kiosk_create` / :func:`kiosk_deactivate` — the office's writes (audited).
- :func:`kiosk_cookie` — the value the activation link stores in the tablet's browser: the kiosk's
  id and token, signed with the server's secret, so it cannot be forged or moved to another kiosk.
- :func:`kiosk_for_request` — the active kiosk of this browser for this code, or None (cached
  for a minute, so a deactivated kiosk leaves kiosk mode within a minute).
- :func:`kiosk_pin_check` — the PIN to leave kiosk mode, at most :data:`PIN_TRIES` wrong tries a
  minute per kiosk (a 4-digit PIN must not be guessable by trying them all).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.core.cache import cached_lookup

from .models import CodeKind, Kiosk, RatingCode

COOKIE = "wm_kiosk"
COOKIE_SALT = "wenming.feedback.kiosk"
COOKIE_AGE = 365 * 24 * 3600
PIN_TRIES = 5
CACHE_SECONDS = 60


@dataclass(frozen=True)
class KioskInfo:
    pk: int
    name: str
    code: str
    token: str


def _cache_key(pk: int) -> str:
    return f"feedback:kiosk:{pk}"


def _clean_pin(pin: str) -> str:
    pin = (pin or "").strip()
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValidationError({"pin": _("The PIN is 4 to 8 digits.")})
    return pin


@transaction.atomic
def kiosk_create(*, by, name: str, rating_code: RatingCode, pin: str) -> Kiosk:
    """Register a kiosk rating ``rating_code`` (a department's or a service point's code)."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Name the kiosk, e.g. 住院部出院结算处.")
    if not rating_code.active or rating_code.kind == CodeKind.STAFF:
        errors["rating_code"] = _("Choose an active code of a department or a service point.")
    try:
        pin = _clean_pin(pin)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    kiosk = Kiosk.objects.create(
        name=name, rating_code=rating_code, token=secrets.token_urlsafe(18), pin_hash=make_password(pin), created_by=by
    )
    audit_log(
        actor=by,
        action="feedback.kiosk.created",
        target=kiosk,
        department=rating_code.department,
        data={"code": rating_code.code},
    )
    return kiosk


@transaction.atomic
def kiosk_deactivate(*, by, kiosk: Kiosk) -> Kiosk:
    kiosk = Kiosk.objects.select_for_update().get(pk=kiosk.pk)
    if kiosk.active:
        kiosk.active = False
        kiosk.save(update_fields=["active"])
        cache.delete(_cache_key(kiosk.pk))
        audit_log(actor=by, action="feedback.kiosk.deactivated", target=kiosk, department=kiosk.rating_code.department)
    return kiosk


def _info(pk: int) -> KioskInfo | None:
    return cached_lookup(_cache_key(pk), CACHE_SECONDS, lambda: _active(pk))


def _active(pk: int) -> KioskInfo | None:
    row = (
        Kiosk.objects.filter(pk=pk, active=True, rating_code__active=True)
        .values_list("pk", "name", "rating_code__code", "token")
        .first()
    )
    return KioskInfo(*row) if row else None


def kiosk_by_token(token: str) -> Kiosk | None:
    return (
        Kiosk.objects.filter(token=token, active=True, rating_code__active=True).select_related("rating_code").first()
    )


def kiosk_cookie(kiosk: Kiosk) -> str:
    return signing.dumps({"k": kiosk.pk, "t": kiosk.token}, salt=COOKIE_SALT)


def kiosk_from_cookie(value: str | None) -> KioskInfo | None:
    """The active kiosk a cookie names (None for no cookie, a forged or old one, a retired kiosk)."""
    if not value:
        return None
    try:
        data = signing.loads(value, salt=COOKIE_SALT, max_age=COOKIE_AGE)
        info = _info(int(data["k"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if info is None or not secrets.compare_digest(info.token, str(data.get("t", ""))):
        return None
    return info


def kiosk_for_request(request, code: str) -> KioskInfo | None:
    """This browser's kiosk if it is in kiosk mode for ``code``."""
    info = kiosk_from_cookie(request.COOKIES.get(COOKIE))
    return info if info is not None and info.code == code else None


def kiosk_pin_check(*, kiosk: KioskInfo, pin: str) -> bool:
    """Whether ``pin`` is the kiosk's PIN. Refused (ValidationError) after too many wrong tries."""
    key = f"feedback:kiosk-pin:{kiosk.pk}"
    tries = cache.get(key, 0)
    if tries >= PIN_TRIES:
        raise ValidationError(_("Too many wrong PINs. Wait a minute and try again."))
    pin_hash = Kiosk.objects.filter(pk=kiosk.pk).values_list("pin_hash", flat=True).first()
    if pin_hash and check_password((pin or "").strip(), pin_hash):
        cache.delete(key)
        return True
    cache.set(key, tries + 1, 60)
    return False
