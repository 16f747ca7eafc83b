"""Background work of scoring."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from .services.runs import compute_run


@shared_task(name="scoring.compute_run")
def compute_run_task(run_id: int, by_id: int | None = None, language: str | None = None) -> str | None:
    """Run a queued computation (see ``services.runs.compute_run``), with its messages in the language
    of the person who asked for it. Returns the run's final status."""
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    with translation.override(language or settings.LANGUAGE_CODE):
        run = compute_run(run_id=run_id, by=by)
    return run.status if run is not None else None
