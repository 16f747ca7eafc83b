"""How pages that cache figures of feedback (the satisfaction dashboards) know they are stale.

Two counters in the shared cache: ``running`` moves with every feedback stored (new ratings land
in the running month), ``past`` with every change that can touch an earlier date (feedback taken
down by a person with its own date, a flagged rating cleared or confirmed invalid, an import).
A cache key that includes the counters it depends on is never read after such a change; the old
entries simply expire. ``past`` moves at once and again when the change is committed (figures
another process counted before the commit are not kept); ``running`` moves once, at once — the
public page's hot path saves the second trip, and figures counted in the instant before a commit
are replaced by the next rating or within a minute (the running month's cache time).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

RUNNING = "feedback:generation:running"
PAST = "feedback:generation:past"


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not there yet (or evicted): any new value differs from the keys in use
        cache.set(key, 1, None)


def _bump_now_and_on_commit(*keys: str) -> None:
    for key in keys:
        _bump(key)
    transaction.on_commit(lambda: [_bump(key) for key in keys])


def feedback_added() -> None:
    """New feedback in the running month (call inside the transaction that stores it)."""
    _bump(RUNNING)


def feedback_changed() -> None:
    """Feedback of any date added or changed (call inside the transaction that did it)."""
    _bump_now_and_on_commit(RUNNING, PAST)


def generations() -> tuple[int, int]:
    """(running, past) as they are now."""
    values = cache.get_many([RUNNING, PAST])
    return values.get(RUNNING, 0), values.get(PAST, 0)
