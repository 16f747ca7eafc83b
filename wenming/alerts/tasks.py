"""Background work of the alerts: checking a feedback once it is committed, and the weekly check."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="alerts.feedback_check", ignore_result=True)
def feedback_check(feedback_id: int) -> list[int]:
    """After a feedback is committed (or flagged feedback is cleared): the low-rating and keyword
    rules. Returns the ids of the alerts raised."""
    return [alert.pk for alert in services.feedback_check(feedback_id=feedback_id)]


@shared_task(name="alerts.weekly_check", ignore_result=True)
def weekly_check() -> list[int]:
    """Monday mornings (Celery beat): departments below their satisfaction target for weeks running."""
    return [alert.pk for alert in services.weekly_check()]
