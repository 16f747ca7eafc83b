"""Background work of evaluation rounds."""

from __future__ import annotations

from celery import shared_task

from .services import rounds_daily


@shared_task(name="rounds.daily", ignore_result=True)
def rounds_daily_task() -> dict:
    """Daily (Celery beat): close the rounds past their closing time, remind pending raters."""
    return rounds_daily()
