"""The demo's commitments: applied to the clinical departments, public pages on, a published review
of the last finished quarter; a second run changes nothing."""

from __future__ import annotations

import pytest

from wenming.commitments.demo import load_demo_commitments
from wenming.commitments.models import Commitment, CommitmentReview, PublicSettings
from wenming.core.models import AuditEntry

from .conftest import give

pytestmark = pytest.mark.django_db


def test_demo_is_complete_and_idempotent(people, client):
    give(people.cardio, 5, "2026-08-01")
    give(people.cardio, 2, "2026-08-02")
    result = load_demo_commitments()
    assert result["commitments"] > 0 and result["published"] == 3  # 心血管内科, its ward, 骨科
    assert not Commitment.objects.filter(department=people.office_dept).exists()  # not clinical
    assert Commitment.objects.filter(staff=people.employee_staff, year=2026).count() == 5
    assert PublicSettings.objects.get(pk=1).enabled
    cardio = CommitmentReview.objects.get(department=people.cardio, period_key="2026-Q3")
    assert cardio.is_published and cardio.conclusion == "not_kept" and cardio.reason
    assert CommitmentReview.objects.get(department=people.ortho).conclusion == "kept"
    assert not CommitmentReview.objects.get(department=people.office_dept).is_published
    body = client.get("/p/D01/").content.decode()
    assert "周涛" in body and 'data-testid="review"' in body

    entries = AuditEntry.objects.count()
    rows = Commitment.objects.count()
    assert load_demo_commitments() == {"commitments": 0, "published": 0}
    assert AuditEntry.objects.count() == entries and Commitment.objects.count() == rows
