"""A period pinned to a list of subjects (a 医德考评 cycle's members): only they get results, and
quotas count only them; a finalized period's scope cannot change."""

from __future__ import annotations

import pytest

from wenming.core.models import AuditEntry
from wenming.org.tests.factories import StaffFactory
from wenming.scoring.models import Result, ScoringPeriod
from wenming.scoring.services import ScoringError, period_compute, period_finalize, period_scope_set
from wenming.standards.demo import load_example_standards

pytestmark = pytest.mark.django_db

STD = "YDKP-2026"


def test_scope_limits_the_subjects_and_the_quota(scenario):
    load_example_standards()
    extra = [StaffFactory(staff_no=f"E05{n:02d}", department=scenario.cardio) for n in range(14)]
    everyone = period_compute(standard_code=STD, period_key="2026")
    assert everyone.results.count() == 20
    codes = [s.staff_no for s in extra[:7]]
    period = period_scope_set(standard_code=STD, period_key="2026", codes=codes)
    assert period.scope == sorted(codes)
    period = period_compute(standard_code=STD, period_key="2026")
    assert sorted(period.results.values_list("subject_code", flat=True)) == sorted(codes)
    # Nobody lost a point, so the quota decides: floor(0.15 × 7) = 1 place, and seven people tie
    # at 80.00 (no manual scores), so the group does not fit and nobody gets 优秀.
    assert set(Result.objects.filter(period=period).values_list("grade", flat=True)) == {"良好"}
    # Setting the same scope again changes nothing; a finalized period refuses a new scope.
    before = AuditEntry.objects.filter(action="scoring.period.scoped").count()
    period_scope_set(standard_code=STD, period_key="2026", codes=list(reversed(codes)))
    assert AuditEntry.objects.filter(action="scoring.period.scoped").count() == before
    period_finalize(standard_code=STD, period_key="2026", reason="测试")
    with pytest.raises(ScoringError):
        period_scope_set(standard_code=STD, period_key="2026", codes=None)
    assert ScoringPeriod.objects.get(key="2026").scope == sorted(codes)
