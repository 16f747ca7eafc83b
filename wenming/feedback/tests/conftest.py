import datetime as dt
import uuid

import pytest
from django.utils import timezone

from wenming.feedback import services
from wenming.feedback.models import CodeKind, RatingCode


@pytest.fixture
def codes(scenario):
    """Codes for the scenario: every department and staff member in post, and a window of 骨科."""
    services.rating_codes_ensure(by=scenario.office)
    active = RatingCode.objects.filter(active=True)
    point = services.rating_point_add(by=scenario.office, department=scenario.ortho, label="3号窗口")
    return type(
        "Codes",
        (),
        {
            "cardio": active.get(kind=CodeKind.DEPARTMENT, department=scenario.cardio),
            "ortho": active.get(kind=CodeKind.DEPARTMENT, department=scenario.ortho),
            "doctor": active.get(kind=CodeKind.STAFF, staff=scenario.head_cardio_staff),
            "point": point,
        },
    )


def sid() -> str:
    return uuid.uuid4().hex


class Clock:
    """A settable ``timezone.now`` (starts on a weekday morning, hospital time)."""

    def __init__(self):
        self.now = dt.datetime.fromisoformat("2026-11-23T10:00:00+08:00")

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)

    def set(self, iso: str) -> None:
        self.now = dt.datetime.fromisoformat(iso)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock
