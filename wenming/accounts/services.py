"""Account actions: the optional authenticator-app (TOTP) second step."""

from __future__ import annotations

from django.db import transaction

from wenming.core.audit import audit_log

from . import totp
from .models import TOTPDevice


def totp_device(user) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def totp_start(*, user) -> TOTPDevice:
    """A new secret to scan. Replaces an unconfirmed one; refused while a confirmed one exists."""
    device, created = TOTPDevice.objects.select_for_update().get_or_create(
        user=user, defaults={"secret": totp.new_secret()}
    )
    if device.confirmed:
        raise ValueError("An authenticator is already confirmed for this account.")
    if not created:
        device.secret = totp.new_secret()
        device.last_step = -1
        device.save(update_fields=["secret", "last_step"])
    return device


@transaction.atomic
def totp_confirm(*, user, code: str, ip: str | None = None) -> bool:
    """Confirm the scanned secret with a first code; from then on logging in asks for a code."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        return False
    step = totp.matching_step(device.secret, code, after_step=device.last_step)
    if step is None:
        return False
    device.confirmed, device.last_step = True, step
    device.save(update_fields=["confirmed", "last_step"])
    audit_log(actor=user, action="accounts.totp_enabled", target=user, ip=ip)
    return True


@transaction.atomic
def totp_check(*, user, code: str) -> bool:
    """The login step: is this a fresh, valid code from the user's authenticator? Each code works once."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return False
    step = totp.matching_step(device.secret, code, after_step=device.last_step)
    if step is None:
        return False
    device.last_step = step
    device.save(update_fields=["last_step"])
    return True


@transaction.atomic
def totp_disable(*, by, user, ip: str | None = None) -> None:
    deleted, _rows = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit_log(actor=by, action="accounts.totp_disabled", target=user, ip=ip)
