"""period_compute / period_finalize, compute_scores and export_scores on the database."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from wenming.core.models import AuditEntry
from wenming.org.models import Department
from wenming.scoring.aggregation import period_facts, subjects_in_scope
from wenming.scoring.models import Record, RecordKind, Result, ScoringPeriod
from wenming.scoring.periods import parse_period
from wenming.scoring.services import ScoringError, period_compute, period_finalize
from wenming.scoring.services import periods as period_services
from wenming.scoring.tests.helpers import QUARTER, SAMPLE, import_records, load_month, run, write_jsonl
from wenming.standards.selectors import newest_version

pytestmark = pytest.mark.django_db

STD = "WMKS-M-2026"


@pytest.fixture
def sample():
    load_month()
    run("import_records", str(SAMPLE / "records.jsonl"))


@pytest.fixture(autouse=True)
def _english():
    """The service messages are asserted in English (users read them translated)."""
    with translation.override("en"):
        yield


def test_compute_stores_results_and_audits(sample):
    period = period_compute(standard_code=STD, period_key="2026-10")
    assert (period.key, period.cycle, period.start, period.end) == ("2026-10", "month", dt.date(2026, 10, 1),
                                                                   dt.date(2026, 11, 1))  # fmt: skip
    assert period.version.number == 1 and period.computed_at is not None
    assert Result.objects.filter(period=period).count() == 10
    first = Result.objects.filter(period=period).first()
    assert first.rank == 1 and first.department.code == first.subject_code
    assert set(first.items) >= {"A", "A1", "A2"}
    exported = json.loads(run("export_scores", STD, "2026-10"))
    assert list(exported["results"][0]["items"])[:3] == ["A", "A1", "A2"]  # standard order, even on jsonb
    assert all(isinstance(v, str) for v in first.items.values())
    assert first.explanations
    assert AuditEntry.objects.filter(action="scoring.period.computed").count() == 1
    again = period_compute(standard_code=STD, period_key="2026-10")
    assert again.pk == period.pk
    assert Result.objects.count() == 10
    assert json.loads(run("export_scores", STD, "2026-10")) == exported  # recomputing is idempotent
    assert AuditEntry.objects.filter(action="scoring.period.computed").count() == 2


def test_compute_refuses_bad_keys_and_unknown_standards(sample):
    with pytest.raises(ScoringError):
        period_compute(standard_code=STD, period_key="2026-Q4")
    with pytest.raises(ScoringError):
        period_compute(standard_code=STD, period_key="2026-13")
    with pytest.raises(ScoringError):
        period_compute(standard_code="NOPE", period_key="2026-10")
    with pytest.raises(CommandError):
        call_command("compute_scores", STD, "2026-Q4", stdout=io.StringIO())


def test_inactive_and_out_of_scope_departments_get_no_result(sample):
    Department.objects.filter(code="D09").update(is_active=False)
    period = period_compute(standard_code=STD, period_key="2026-10")
    assert "D09" not in set(period.results.values_list("subject_code", flat=True))


def test_finalized_period_refuses_recomputation(sample):
    period_compute(standard_code=STD, period_key="2026-10")
    period_compute(standard_code=STD, period_key="2026-11")
    with pytest.raises(ScoringError, match=r"pending|reason"):
        period_finalize(standard_code=STD, period_key="2026-11")
    period_finalize(standard_code=STD, period_key="2026-10")
    with pytest.raises(ScoringError, match="finalized"):
        period_compute(standard_code=STD, period_key="2026-10")
    exported = json.loads(run("export_scores", STD, "2026-10"))
    assert exported["finalized"] is True
    assert AuditEntry.objects.filter(action="scoring.period.finalized").count() == 1
    with pytest.raises(CommandError, match="finalized"):
        call_command("compute_scores", STD, "2026-10", "--language", "en", stdout=io.StringIO())


def test_feedback_at_utc_evening_counts_in_the_next_local_month(tmp_path, settings):
    settings.LANGUAGE_CODE = "en"  # explanations are stored in the hospital's language
    load_month()
    row = {"kind": "feedback", "department": "D01", "at": "2026-10-31T20:00:00Z", "overall": 5}
    assert import_records(write_jsonl(tmp_path / "f.jsonl", [row]))[0] == 0
    version = newest_version(STD)
    definition = version.definition
    subjects = subjects_in_scope(definition=definition)

    def feedback(key: str) -> dict:
        facts = period_facts(
            standard=version.standard, definition=definition, period=parse_period(key), subjects=subjects
        )
        return next(f for f in facts if f.subject == "D01").feedback

    assert feedback("2026-10") == {}
    assert feedback("2026-11") == {5: 1}
    period = period_compute(standard_code=STD, period_key="2026-11")
    assert "1 valid responses" in period.results.get(subject_code="D01").explanations["S"]


def test_quarter_rollup_computes_its_begun_months_first(sample, monkeypatch, tmp_path):
    run("import_standard", str(QUARTER))
    rows = [{"kind": "finding", "standard": STD, "subject": "D01", "code": "A1a", "date": "2026-11-03", "count": 2}]
    assert import_records(write_jsonl(tmp_path / "n.jsonl", rows))[0] == 0
    monkeypatch.setattr(period_services, "hospital_today", lambda: dt.date(2026, 11, 15))
    quarter = period_compute(standard_code="WMKS-Q-2026", period_key="2026-Q4")
    months = dict(ScoringPeriod.objects.filter(standard__code=STD).values_list("key", "computed_at"))
    assert set(months) == {"2026-10", "2026-11"}
    oct_total = Result.objects.get(period__standard__code=STD, period__key="2026-10", subject_code="D01").total
    nov_total = Result.objects.get(period__standard__code=STD, period__key="2026-11", subject_code="D01").total
    d01 = quarter.results.get(subject_code="D01")
    expected = (Decimal(85) * (oct_total + nov_total) / 2 / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(d01.items["M"]) == expected
    assert "pending:L" in d01.flags
    # A vetoed month makes the quarter vetoed (D09 has a veto in October).
    assert quarter.results.get(subject_code="D09").vetoed is True
    # A finalized month is used as it stands, not recomputed.
    period_finalize(standard_code=STD, period_key="2026-10", reason="test")
    kept = ScoringPeriod.objects.get(standard__code=STD, key="2026-10").computed_at
    period_compute(standard_code="WMKS-Q-2026", period_key="2026-Q4")
    assert ScoringPeriod.objects.get(standard__code=STD, key="2026-10").computed_at == kept
    assert ScoringPeriod.objects.get(standard__code=STD, key="2026-11").computed_at > months["2026-11"]


def _findings(n: int) -> None:
    standard = newest_version(STD).standard
    departments = list(Department.objects.filter(is_active=True).order_by("code"))
    Record.objects.bulk_create(
        Record(
            kind=RecordKind.FINDING,
            standard=standard,
            department=departments[i % len(departments)],
            code=("A1a", "A1b", "B1")[i % 3],
            date=dt.date(2026, 10, 1 + i % 28),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [10, 500])
def test_query_count_does_not_grow_with_records(n):
    load_month()
    _findings(10)
    period_compute(standard_code=STD, period_key="2026-10")  # the period row exists from here on
    with CaptureQueriesContext(connection) as small:
        period_compute(standard_code=STD, period_key="2026-10")
    _findings(n)
    with CaptureQueriesContext(connection) as large:
        period_compute(standard_code=STD, period_key="2026-10")
    assert len(large) == len(small)
    assert len(large) <= 20


def test_export_xlsx_reads_back(sample, tmp_path):
    period_compute(standard_code=STD, period_key="2026-10")
    target = tmp_path / "scores.xlsx"
    out = io.StringIO()
    call_command("export_scores", STD, "2026-10", "--format", "xlsx", "--output", str(target), stdout=out)
    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    exported = json.loads(run("export_scores", STD, "2026-10"))
    assert rows[0][:8] == ("排名", "编码", "名称", "总分", "等次", "一票否决", "加分", "扣分")
    item_codes = list(exported["results"][0]["items"])
    assert [header.split(" ")[0] for header in rows[0][8:-1]] == item_codes
    assert len(rows) == 1 + len(exported["results"])
    for row, result in zip(rows[1:], exported["results"], strict=True):
        assert row[1] == result["subject"] and row[2] == result["name"]
        assert f"{Decimal(str(row[3])):.2f}" == result["total"]
        assert row[0] == result["rank"]


def test_export_of_a_period_never_computed_fails(sample):
    with pytest.raises(CommandError, match="not been computed"):
        call_command("export_scores", STD, "2026-10", "--language", "en", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("export_scores", STD, "2026-10", "--format", "xlsx", stdout=io.StringIO())
