from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from wenming.alerts.models import AlertRule
from wenming.feedback.models import Feedback, ReviewStatus

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def rules(scenario):
    """The three rules the data migration seeds, by kind."""
    return {rule.kind: rule for rule in AlertRule.objects.all()}


@pytest.fixture
def make_feedback(scenario):
    """``make_feedback(overall, comment="", department=None, day=None, valid=True)``: one feedback
    (of 心血管内科 by default, given on ``day`` at 10:00 hospital time)."""

    def make(overall=5, comment="", department=None, day=None, valid=True, flagged=False):
        day = day or date(2026, 11, 23)
        at = datetime.combine(day, time(10, 0), tzinfo=TZ)
        return Feedback.objects.create(
            department=department or scenario.cardio,
            at=at,
            local_date=day,
            overall=overall,
            comment=comment,
            is_valid=valid and not flagged,
            review_status=ReviewStatus.PENDING if flagged else ReviewStatus.NONE,
            flag_reasons=["burst"] if flagged else [],
        )

    return make


@pytest.fixture
def week_of(scenario):
    """``week_of(monday, n, satisfied, department=None)``: ``n`` valid feedback spread over the week
    starting ``monday``, ``satisfied`` of them rated 5 and the others 3 (bulk)."""

    def make(monday, n, satisfied, department=None):
        from datetime import timedelta

        rows = []
        for i in range(n):
            day = monday + timedelta(days=i % 7)
            rows.append(
                Feedback(
                    department=department or scenario.cardio,
                    at=datetime.combine(day, time(9, 0), tzinfo=TZ),
                    local_date=day,
                    overall=5 if i < satisfied else 3,
                )
            )
        Feedback.objects.bulk_create(rows)

    return make
