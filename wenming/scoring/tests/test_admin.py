"""The Django admin can look at scoring data but never change it (finalized data stays final)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.scoring.models import Record, RecordKind, ScoringPeriod
from wenming.scoring.services import period_compute, period_finalize
from wenming.scoring.tests.helpers import import_records, load_month, write_jsonl

pytestmark = pytest.mark.django_db


def test_the_admin_shows_records_and_periods_but_refuses_every_change(admin_client, tmp_path):
    load_month()
    row = {"kind": "finding", "standard": "WMKS-M-2026", "subject": "D01", "code": "A1a", "date": "2026-10-03"}
    assert import_records(write_jsonl(tmp_path / "r.jsonl", [row]))[0] == 0
    period_compute(standard_code="WMKS-M-2026", period_key="2026-10")
    period_finalize(standard_code="WMKS-M-2026", period_key="2026-10", reason="test")
    record = Record.objects.get(kind=RecordKind.FINDING)
    period = ScoringPeriod.objects.get()
    client = admin_client

    assert client.get(reverse("admin:scoring_record_change", args=[record.pk])).status_code == 200
    assert client.post(reverse("admin:scoring_record_change", args=[record.pk]), {"count": 5}).status_code == 403
    assert client.post(reverse("admin:scoring_record_delete", args=[record.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:scoring_scoringperiod_change", args=[period.pk]), {}).status_code == 403
    assert client.get(reverse("admin:scoring_record_add")).status_code == 403
    record.refresh_from_db()
    assert record.count == 1
    assert ScoringPeriod.objects.get().is_finalized
