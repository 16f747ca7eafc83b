"""Sending notifications: one row per recipient, e-mail afterwards when the hospital configured it."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .kinds import is_registered
from .models import Notification


def notify(
    *,
    recipients: Iterable,
    kind: str,
    params: dict | None = None,
    url: str = "",
    department=None,
    exclude=None,
) -> list[Notification]:
    """Notify each of ``recipients`` (accounts; duplicates and inactive accounts dropped, and
    ``exclude`` — usually the person who acted — left out). Rows are written in the caller's
    transaction; the e-mails go after it commits, when ``WENMING_NOTIFY_EMAIL`` is on."""
    if not is_registered(kind):
        raise ValueError(f"unregistered notification kind {kind!r}")
    excluded = getattr(exclude, "pk", None)
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or not user.is_active or user.pk == excluded or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                params={k: str(v) for k, v in (params or {}).items()},
                url=url,
                department=department,
            )
        )
    created = Notification.objects.bulk_create(rows)
    if created and settings.WENMING_NOTIFY_EMAIL:
        from .tasks import send_notification_emails

        ids = [n.pk for n in created if n.pk is not None]
        transaction.on_commit(lambda: send_notification_emails.delay(ids) if ids else None)
    return created


def notifications_mark_read(*, user, notification: Notification | None = None) -> int:
    """Mark one of ``user``'s notifications, or all of them, read; returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())
