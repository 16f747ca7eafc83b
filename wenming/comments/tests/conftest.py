from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from wenming.feedback.models import Feedback

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def comment(scenario):
    """``comment(text, department=None, day=None, overall=4, valid=True)``: one feedback with a
    comment (of 心血管内科 on 23 November 2026 by default)."""

    def make(text, department=None, day=None, overall=4, valid=True):
        day = day or date(2026, 11, 23)
        return Feedback.objects.create(
            department=department or scenario.cardio,
            at=datetime.combine(day, time(10, 0), tzinfo=TZ),
            local_date=day,
            overall=overall,
            comment=text,
            is_valid=valid,
        )

    return make
