"""Background work of the rectification ledger."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from .deadlines import deadlines_follow_up


@shared_task(name="rectification.deadlines_follow_up", ignore_result=True)
def deadlines_follow_up_task() -> dict:
    """Daily (Celery beat): reminders before deadlines, overdue escalation, the overdue deduction rule."""
    return asdict(deadlines_follow_up())
