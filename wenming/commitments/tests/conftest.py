"""Fixtures of the commitments tests: a settable clock (23 November 2026, hospital time), the
standing scenario's people with posts, titles and a party member, and small helpers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from wenming.feedback.models import Feedback
from wenming.org.models import PartyOrganization, PartyOrgKind
from wenming.scoring.periods import local_date

SHANGHAI = ZoneInfo("Asia/Shanghai")


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


@pytest.fixture
def people(scenario):
    """周涛 (head of 心血管内科) a party member of 心血管内科党支部, with post and title; 郑爽 a nurse."""
    branch = PartyOrganization.objects.create(code="P01", name="心血管内科党支部", kind=PartyOrgKind.BRANCH)
    head = scenario.head_cardio_staff
    head.post, head.title, head.is_party_member, head.party_branch = "科主任", "主任医师", True, branch
    head.save()
    scenario.cardio.head = head
    scenario.cardio.save(update_fields=["head"])
    nurse = scenario.employee_staff
    nurse.post, nurse.title = "护士", "主管护师"
    nurse.save()
    scenario.branch = branch
    return scenario


def give(department, overall, day="2026-08-15", *, valid=True):
    at = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(10), tzinfo=SHANGHAI)
    return Feedback.objects.create(
        department=department, at=at, local_date=local_date(at, "Asia/Shanghai"), overall=overall, is_valid=valid
    )
