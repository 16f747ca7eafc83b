"""Helpers of the cycle tests: the YDKP-2026 standard, a cycle over the standing scenario and a
hospital date inside the cycle's year."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from wenming.evaluations.models import EthicsCycle
from wenming.evaluations.services.cycles import cycle_create

from .test_archive_factories import ethics_standard


def on(monkeypatch, day: date) -> None:
    """Make "now" noon of ``day`` in Shanghai."""
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)


def make_cycle(scenario, *, year: int = 2026, categories=None, **kwargs) -> EthicsCycle:
    return cycle_create(by=scenario.office, year=year, standard=ethics_standard(), categories=categories, **kwargs)
