"""E-mailing notifications (only when ``WENMING_NOTIFY_EMAIL`` is on and the recipient has an address)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from .kinds import describe
from .models import Notification


@shared_task(name="notifications.send_emails", ignore_result=True)
def send_notification_emails(ids: list[int]) -> int:
    sent = 0
    pending = Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related("recipient")
    with translation.override(settings.LANGUAGE_CODE):
        for notification in pending:
            address = notification.recipient.email
            if not address:
                continue
            text = describe(notification.kind, notification.params)
            link = f"{settings.WENMING_BASE_URL.rstrip('/')}{notification.url}" if notification.url else ""
            send_mail(
                subject=f"[{settings.WENMING_PRODUCT_NAME}] {text[:60]}",
                message=f"{text}\n\n{link}".strip(),
                from_email=None,
                recipient_list=[address],
            )
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent
