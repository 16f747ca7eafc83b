"""Writes of the satisfaction app: the public board's settings.

Who: the civility office and system administrators (the view checks; the service checks again).
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, changes, snapshot
from wenming.org.access import access_for
from wenming.org.selectors import hospital_today
from wenming.scoring.periods import parse_period

from .models import PublicBoard
from .selectors import BOARD_CACHE_KEY, may_manage

BOARD_FIELDS = ["enabled", "title", "period_key", "min_responses", "note"]
TITLE_MAX = 60
NOTE_MAX = 500
MIN_RESPONSES_MAX = 10000


class BoardConflict(Exception):
    """The board was saved by someone else after the form was opened."""


def _clean(*, title: str, period_key: str, min_responses: int, note: str) -> dict:
    errors = {}
    title = (title or "").strip()
    note = (note or "").strip()
    period_key = (period_key or "").strip()
    if len(title) > TITLE_MAX:
        errors["title"] = _("Keep the title to %(max)d characters.") % {"max": TITLE_MAX}
    if len(note) > NOTE_MAX:
        errors["note"] = _("Keep the note to %(max)d characters.") % {"max": NOTE_MAX}
    if period_key:
        try:
            period = parse_period(period_key)
        except ValueError:
            errors["period_key"] = _("Choose a month, a quarter or a year.")
        else:
            if period.start > hospital_today():
                errors["period_key"] = _("This period has not begun yet.")
    if not isinstance(min_responses, int) or not 1 <= min_responses <= MIN_RESPONSES_MAX:
        errors["min_responses"] = _("Enter a whole number from 1 to %(max)d.") % {"max": MIN_RESPONSES_MAX}
    if errors:
        raise ValidationError(errors)
    return {"title": title, "period_key": period_key, "min_responses": min_responses, "note": note}


def public_board_update(
    *,
    by,
    enabled: bool,
    title: str = "",
    period_key: str = "",
    min_responses: int = 30,
    note: str = "",
    expected_version: int | None = None,
) -> PublicBoard:
    """Save the public board's settings (creating the board on first use).

    ``expected_version`` is the version the form was opened at: if someone saved in between,
    :class:`BoardConflict` is raised and nothing is written. One audit entry when something
    changed; the cached board (and so the public page) is dropped, now and after commit."""
    if not may_manage(access_for(by)):
        raise PermissionDenied
    values = {
        "enabled": bool(enabled),
        **_clean(title=title, period_key=period_key, min_responses=min_responses, note=note),
    }
    with transaction.atomic():
        board, created = PublicBoard.objects.select_for_update().get_or_create(pk=1)
        if not created and expected_version is not None and board.version != expected_version:
            raise BoardConflict(f"opened at version {expected_version}, now {board.version}")
        before = {} if created else snapshot(board, BOARD_FIELDS)
        changed = False
        for name, value in values.items():
            if getattr(board, name) != value:
                setattr(board, name, value)
                changed = True
        if changed or created:
            board.version += 1  # an unsaved board is version 1: whoever opened it then must reload
            board.updated_at = timezone.now()
            board.updated_by = by
            board.save()
            action = "satisfaction.board.published" if board.enabled and not before.get("enabled") else None
            if not board.enabled and before.get("enabled"):
                action = "satisfaction.board.withdrawn"
            audit_log(
                actor=by,
                action=action or "satisfaction.board.updated",
                target=board,
                data=changes(before, snapshot(board, BOARD_FIELDS)),
            )
        transaction.on_commit(lambda: cache.delete(BOARD_CACHE_KEY))
    cache.delete(BOARD_CACHE_KEY)
    return board
