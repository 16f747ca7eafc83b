"""Background work of complaints, praise and petitions."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from .deadlines import deadlines_follow_up


@shared_task(name="complaints.deadlines_follow_up", ignore_result=True)
def deadlines_follow_up_task() -> dict:
    """Daily (Celery beat): reminders before a case's deadline and overdue notices."""
    return asdict(deadlines_follow_up())
