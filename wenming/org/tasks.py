"""Background work of the organisation app."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from .importing import org_import_run


@shared_task(name="org.import_run")
def org_import_task(record_id: int, by_id: int | None = None, language: str | None = None) -> str | None:
    """Run a confirmed organisation import (see ``importing.org_import_run``), with messages in the
    language of the person who confirmed it. Returns the import's final status."""
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    with translation.override(language or settings.LANGUAGE_CODE):
        record = org_import_run(record_id=record_id, by=by)
    return record.status if record is not None else None
