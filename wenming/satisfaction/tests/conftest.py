"""Fixtures of the satisfaction tests: a settable clock (23 November 2026, hospital time) and a
quick way to add feedback on a hospital date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from wenming.feedback.models import Feedback
from wenming.scoring.periods import local_date

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 23)


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)

    def set(self, iso: str) -> None:
        self.now = dt.datetime.fromisoformat(iso)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def give(department, overall, day="2026-10-15", *, valid=True, comment="", channel="qr", staff=None, at=None):
    """One feedback on the hospital date ``day`` (10:00 local time), or at the moment ``at``
    (its local date computed as the services do)."""
    if at is None:
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        at = dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI)
    elif isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    return Feedback.objects.create(
        department=department,
        staff=staff,
        at=at,
        local_date=local_date(at, "Asia/Shanghai"),
        overall=overall,
        comment=comment,
        channel=channel,
        is_valid=valid,
    )


def give_many(department, ratings, day="2026-10-15", **kwargs):
    """Several at once: ``ratings`` like ``{5: 30, 4: 5, 2: 1}``."""
    made = []
    for overall, count in ratings.items():
        made += [give(department, overall, day, **kwargs) for _i in range(count)]
    return made
