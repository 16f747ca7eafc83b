"""Scoring record services: entry, the manual grid, approval and voiding, evidence, corrections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from wenming.core import attachments
from wenming.core.models import AuditEntry
from wenming.org.models import StaffStatus
from wenming.org.selectors import hospital_today
from wenming.org.tests.factories import DepartmentFactory
from wenming.scoring.models import Evidence, Record, RecordKind, RecordStatus, Result
from wenming.scoring.services import (
    ManualScoresConflict,
    ManualScoresInvalid,
    RecordConflict,
    ScoringError,
    correction_create,
    evidence_add,
    finalized_period,
    manual_scores_save,
    period_compute,
    period_finalize,
    record_approve,
    record_create,
    record_update,
    record_void,
)
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard
from wenming.standards.services import standard_import

pytestmark = pytest.mark.django_db

MONTH = "WMKS-M-2026"
OCT = dt.date(2026, 10, 8)
SEP = dt.date(2026, 9, 8)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def std(scenario):
    load_example_standards()
    return Standard.objects.get(code=MONTH)


@pytest.fixture
def ethics(std):
    return Standard.objects.get(code="YDKP-2026")


def finalize(code: str, key: str) -> None:
    period_compute(standard_code=code, period_key=key)
    period_finalize(standard_code=code, period_key=key, reason="test")


def photo(name: str = "photo.jpg", size: int = 10) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size, content_type="image/jpeg")


def finding(std, scenario, **kwargs) -> Record:
    values = {
        "standard": std,
        "kind": RecordKind.FINDING,
        "subject": scenario.cardio,
        "code": "C1",
        "date": OCT,
        "by": scenario.office,
    }
    return record_create(**{**values, **kwargs})


# --- record_create ----------------------------------------------------------------------------


def test_create_a_finding_with_evidence_is_audited(std, scenario):
    record = finding(std, scenario, count=2, note="两起投诉", evidence=[photo(), photo("scan.pdf")])
    assert (record.kind, record.code, record.count, record.status) == ("finding", "C1", 2, "counts")
    assert record.department == scenario.cardio and record.entered_by == scenario.office
    assert [e.name for e in record.evidence.all()] == ["photo.jpg", "scan.pdf"]
    assert record.evidence.first().content_type == "image/jpeg"
    assert record.evidence.last().file.name.startswith("evidence/scoring/")
    entry = AuditEntry.objects.get(action="scoring.record.created")
    assert entry.target_id == str(record.pk) and entry.department == scenario.cardio
    assert entry.data["evidence"] == ["photo.jpg", "scan.pdf"]


def test_bonus_and_veto_take_their_own_codes(std, scenario):
    assert finding(std, scenario, kind=RecordKind.BONUS, code="F2").kind == "bonus"
    assert finding(std, scenario, kind=RecordKind.VETO, code="V1").kind == "veto"
    assert finding(std, scenario, status=RecordStatus.PENDING).status == "pending"


@pytest.mark.parametrize(
    ("kind", "code", "words"),
    [
        ("finding", "F1", "not a deduction"),
        ("finding", "A1", "not a deduction"),
        ("bonus", "C1", "not a bonus"),
        ("veto", "F1", "not a veto"),
        ("finding", "ZZ9", "not a code of WMKS-M-2026"),
        ("manual", "A1", "not an item scored by hand"),
        ("correction", "C1", "cannot be entered here"),
    ],
)
def test_the_code_must_fit_the_kind(std, scenario, kind, code, words):
    extra = {"period_key": "2026-10", "value": Decimal(1), "date": None} if kind == "manual" else {}
    with pytest.raises(ScoringError, match=words):
        finding(std, scenario, kind=kind, code=code, **extra)
    assert not Record.objects.exists()


def test_count_value_date_and_status_are_checked(std, scenario):
    with pytest.raises(ScoringError, match="at least 1"):
        finding(std, scenario, count=0)
    with pytest.raises(ScoringError, match="Only manual scores"):
        finding(std, scenario, value=Decimal(1))
    with pytest.raises(ScoringError, match="Enter the date"):
        finding(std, scenario, date=None)
    with pytest.raises(ScoringError, match="either counts or waits"):
        finding(std, scenario, status=RecordStatus.VOIDED)
    assert not Record.objects.exists()


def test_subjects_must_be_in_the_standards_scope(std, ethics, scenario):
    closed = DepartmentFactory(code="D77", name="已撤销科室", is_active=False)
    with pytest.raises(ScoringError, match="is not scored by"):
        finding(std, scenario, subject=closed)
    with pytest.raises(ScoringError, match="scores departments"):
        finding(std, scenario, subject=scenario.employee_staff)
    with pytest.raises(ScoringError, match="scores staff members"):
        finding(std, scenario, standard=ethics, subject=scenario.cardio, code="Y1a")
    scenario.employee_staff.status = StaffStatus.LEFT
    scenario.employee_staff.save()
    with pytest.raises(ScoringError, match="not in post"):
        finding(std, scenario, standard=ethics, subject=scenario.employee_staff, code="Y1a")
    clinical_only = "\n".join(
        [
            "code: CLIN-2026",
            "name: 临床科室专项",
            "subject: department",
            "cycle: month",
            "applies_to: [clinical]",
            "full_score: 10",
            "grades: [{name: 合格, min: 0}]",
            "veto_grade: 合格",
            "items:",
            "  - {code: K, name: 专项, points: 10, rule: deduct, deductions: [{code: K1, name: 问题, points: 1}]}",
        ]
    )
    standard_import(text=clinical_only)
    clinical = Standard.objects.get(code="CLIN-2026")
    with pytest.raises(ScoringError, match="is not scored by CLIN-2026"):
        finding(std, scenario, standard=clinical, subject=scenario.office_dept, code="K1")
    assert finding(std, scenario, standard=clinical, code="K1").department == scenario.cardio


def test_a_staff_standard_takes_staff(ethics, scenario):
    record = finding(ethics, scenario, standard=ethics, subject=scenario.employee_staff, code="Y4a")
    assert record.staff == scenario.employee_staff and record.department is None


def test_manual_values_are_kept_in_range_and_once_per_person(std, scenario):
    manual = {"kind": RecordKind.MANUAL, "code": "A2", "date": None, "period_key": "2026-10"}
    with pytest.raises(ScoringError, match=r"between 0 and 9\.00"):
        finding(std, scenario, value=Decimal("9.5"), **manual)
    with pytest.raises(ScoringError, match=r"between 0 and 9\.00"):
        finding(std, scenario, value=Decimal("-1"), **manual)
    with pytest.raises(ScoringError, match="two decimal places"):
        finding(std, scenario, value=Decimal("8.125"), **manual)
    with pytest.raises(ScoringError, match="Enter the score"):
        finding(std, scenario, **manual)
    with pytest.raises(ScoringError, match="cycle is month"):
        finding(std, scenario, value=Decimal(8), **{**manual, "period_key": "2026-Q4"})
    record = finding(std, scenario, value=Decimal("8.5"), **manual)
    assert (record.value, record.period_key, record.date) == (Decimal("8.50"), "2026-10", None)
    with pytest.raises(ScoringError, match="already scored"):
        finding(std, scenario, value=Decimal(7), **manual)
    assert finding(std, scenario, value=Decimal(7), by=scenario.leader, **manual).value == Decimal(7)


# --- Finalized periods ------------------------------------------------------------------------


def test_the_finalized_check_covers_dates_and_keys(std, scenario):
    finalize(MONTH, "2026-09")
    assert finalized_period(standard=std, day=SEP).key == "2026-09"
    assert finalized_period(standard=std, day=dt.date(2026, 9, 30)) is not None
    assert finalized_period(standard=std, day=dt.date(2026, 10, 1)) is None
    assert finalized_period(standard=std, day=dt.date(2026, 8, 31)) is None
    assert finalized_period(standard=std, period_key="2026-09") is not None
    assert finalized_period(standard=std, period_key="2026-10") is None
    period_compute(standard_code=MONTH, period_key="2026-10")  # computed, not finalized
    assert finalized_period(standard=std, day=OCT) is None


def test_no_record_can_be_created_in_a_finalized_period(std, scenario):
    finalize(MONTH, "2026-09")
    with pytest.raises(ScoringError, match="has been finalized"):
        finding(std, scenario, date=SEP)
    with pytest.raises(ScoringError, match="has been finalized"):
        finding(std, scenario, kind="manual", code="A2", date=None, period_key="2026-09", value=Decimal(5))
    with pytest.raises(ScoringError, match="has been finalized"):
        manual_scores_save(
            standard=std,
            period_key="2026-09",
            values={(scenario.cardio.pk, "A2"): Decimal(5)},
            by=scenario.office,
            seen_versions={},
        )
    assert not Record.objects.exists()
    assert finding(std, scenario, date=OCT).date == OCT


def test_records_of_a_finalized_period_are_frozen(std, scenario):
    counted = finding(std, scenario, date=SEP)
    pending = finding(std, scenario, date=SEP, status=RecordStatus.PENDING)
    finalize(MONTH, "2026-09")
    for attempt in (
        lambda: record_update(record=counted, by=scenario.office, expected_version=1, note="x"),
        lambda: record_void(record=counted, by=scenario.office, reason="申诉成立"),
        lambda: record_approve(record=pending, by=scenario.office),
        lambda: evidence_add(record=counted, files=[photo()], by=scenario.office),
    ):
        with pytest.raises(ScoringError, match="has been finalized"):
            attempt()
    counted.refresh_from_db()
    pending.refresh_from_db()
    assert (counted.status, counted.note, counted.version) == ("counts", "", 1)
    assert pending.status == "pending"
    assert not Evidence.objects.exists()


# --- Approval and voiding ---------------------------------------------------------------------


def test_approve_moves_pending_to_counts_once(std, scenario):
    record = finding(std, scenario, status=RecordStatus.PENDING)
    approved = record_approve(record=record, by=scenario.office)
    assert (approved.status, approved.decided_by, approved.version) == ("counts", scenario.office, 2)
    assert approved.decided_at is not None
    with pytest.raises(ScoringError, match="Only a record waiting for approval"):
        record_approve(record=record, by=scenario.office)
    assert AuditEntry.objects.filter(action="scoring.record.approved", target_id=str(record.pk)).count() == 1


def test_void_needs_a_reason_and_happens_once(std, scenario):
    record = finding(std, scenario)
    with pytest.raises(ScoringError, match="reason"):
        record_void(record=record, by=scenario.office, reason="  ")
    voided = record_void(record=record, by=scenario.office, reason="申诉成立")
    assert (voided.status, voided.reason, voided.version) == ("voided", "申诉成立", 2)
    with pytest.raises(ScoringError, match="already been voided"):
        record_void(record=record, by=scenario.office, reason="again")
    with pytest.raises(ScoringError, match="Only a record waiting"):
        record_approve(record=record, by=scenario.office)
    pending = finding(std, scenario, status=RecordStatus.PENDING)
    assert record_void(record=pending, by=scenario.office, reason="不予认定").status == "voided"
    entry = AuditEntry.objects.filter(action="scoring.record.voided").first()
    assert entry.data["reason"] == "不予认定" and entry.data["status"] == ["pending", "voided"]


def test_only_records_that_count_are_scored(std, scenario):
    record = finding(std, scenario, status=RecordStatus.PENDING, count=2)  # C1: 3 points each
    period = period_compute(standard_code=MONTH, period_key="2026-10")
    assert Result.objects.get(period=period, subject_code="D01").items["C"] == "25.00"
    record_approve(record=record, by=scenario.office)
    period = period_compute(standard_code=MONTH, period_key="2026-10")
    assert Result.objects.get(period=period, subject_code="D01").items["C"] == "19.00"
    record_void(record=record, by=scenario.office, reason="申诉成立")
    period = period_compute(standard_code=MONTH, period_key="2026-10")
    assert Result.objects.get(period=period, subject_code="D01").items["C"] == "25.00"


# --- record_update ----------------------------------------------------------------------------


def test_update_checks_the_version_and_bumps_it(std, scenario):
    record = finding(std, scenario)
    updated = record_update(
        record=record, by=scenario.office, expected_version=1, note="复核", count=3, date=dt.date(2026, 10, 31)
    )
    assert (updated.note, updated.count, updated.date, updated.version) == ("复核", 3, dt.date(2026, 10, 31), 2)
    entry = AuditEntry.objects.get(action="scoring.record.updated")
    assert entry.data["count"] == ["1", "3"]
    with pytest.raises(RecordConflict):
        record_update(record=record, by=scenario.leader, expected_version=1, note="stale")
    record.refresh_from_db()
    assert record.note == "复核"
    unchanged = record_update(record=record, by=scenario.office, expected_version=2, note="复核")
    assert unchanged.version == 2  # nothing changed, nothing written
    assert AuditEntry.objects.filter(action="scoring.record.updated").count() == 1


def test_update_keeps_the_date_in_its_period_and_refuses_voided_records(std, scenario):
    record = finding(std, scenario)
    with pytest.raises(ScoringError, match="must stay inside"):
        record_update(record=record, by=scenario.office, expected_version=1, date=dt.date(2026, 11, 1))
    with pytest.raises(ScoringError, match="at least 1"):
        record_update(record=record, by=scenario.office, expected_version=1, count=0)
    record_void(record=record, by=scenario.office, reason="错录")
    with pytest.raises(ScoringError, match="voided"):
        record_update(record=record, by=scenario.office, expected_version=2, note="x")


# --- Evidence ---------------------------------------------------------------------------------


def test_evidence_is_limited_by_type_and_size(std, scenario, monkeypatch):
    record = finding(std, scenario)
    with pytest.raises(ScoringError, match="only images, PDF and Office documents"):
        evidence_add(record=record, files=[SimpleUploadedFile("run.exe", b"MZ")], by=scenario.office)
    with pytest.raises(ScoringError, match="only images"):
        evidence_add(record=record, files=[SimpleUploadedFile("x.svg", b"<svg/>")], by=scenario.office)
    with pytest.raises(ScoringError, match="is empty"):
        evidence_add(record=record, files=[SimpleUploadedFile("a.png", b"")], by=scenario.office)
    monkeypatch.setattr(attachments, "MAX_BYTES", 100)
    with pytest.raises(ScoringError, match="larger than"):
        evidence_add(record=record, files=[photo(), photo("big.docx", 101)], by=scenario.office)
    with pytest.raises(ScoringError, match="at least one file"):
        evidence_add(record=record, files=[], by=scenario.office)
    assert not Evidence.objects.exists()  # all or nothing
    stored = evidence_add(record=record, files=[photo(), photo("会议记录.DOCX", 100)], by=scenario.office)
    assert [e.name for e in stored] == ["photo.jpg", "会议记录.DOCX"]
    assert stored[1].size == 100 and stored[1].uploaded_by == scenario.office
    assert AuditEntry.objects.get(action="scoring.evidence.added").data["files"] == ["photo.jpg", "会议记录.DOCX"]
    record_void(record=record, by=scenario.office, reason="错录")
    with pytest.raises(ScoringError, match="voided"):
        evidence_add(record=record, files=[photo()], by=scenario.office)


def test_a_bad_file_keeps_the_record_from_being_created(std, scenario):
    with pytest.raises(ScoringError, match="only images"):
        finding(std, scenario, evidence=[photo(), SimpleUploadedFile("a.html", b"<p>")])
    assert not Record.objects.exists()


# --- The manual grid --------------------------------------------------------------------------


def grid(std, scenario, values, *, by=None, seen=None):
    return manual_scores_save(
        standard=std, period_key="2026-10", values=values, by=by or scenario.leader, seen_versions=seen or {}
    )


def mine(scenario, user):
    return {
        (r.department_id, r.code): r
        for r in Record.objects.filter(kind="manual", entered_by=user).exclude(status="voided")
    }


def test_the_grid_creates_updates_and_clears_the_persons_own_values(std, scenario):
    cardio, ortho = (scenario.cardio.pk, "A2"), (scenario.ortho.pk, "A2")
    summary = grid(std, scenario, {cardio: Decimal("8.5"), ortho: Decimal(7)})
    assert (summary.created, summary.changed, summary.cleared) == (2, 0, 0)
    own = mine(scenario, scenario.leader)
    assert own[cardio].value == Decimal("8.50") and own[cardio].status == "counts"
    # Someone else's value for the same cell is theirs alone.
    grid(std, scenario, {cardio: Decimal(6)}, by=scenario.office)
    seen = {cell: (r.pk, r.version) for cell, r in own.items()}
    summary = grid(std, scenario, {cardio: Decimal(9), ortho: None}, seen=seen)
    assert (summary.created, summary.changed, summary.cleared) == (0, 1, 1)
    own = mine(scenario, scenario.leader)
    assert list(own) == [cardio] and own[cardio].value == Decimal(9) and own[cardio].version == 2
    assert mine(scenario, scenario.office)[cardio].value == Decimal(6)
    assert Record.objects.filter(kind="manual").count() == 2  # the cleared value is deleted
    entries = AuditEntry.objects.filter(action="scoring.manual.saved")
    assert entries.count() == 3
    assert entries.first().data["changes"] == ["D01 A2: 8.50 → 9.00", "D02 A2: 7.00 → —"]
    # Saving the same values again writes nothing and logs nothing.
    own = mine(scenario, scenario.leader)
    assert grid(std, scenario, {cardio: Decimal(9)}, seen={cardio: (own[cardio].pk, 2)}).total == 0
    assert entries.count() == 3


def test_a_value_out_of_range_names_the_department_and_item_and_saves_nothing(std, scenario):
    values = {(scenario.cardio.pk, "A2"): Decimal(8), (scenario.ortho.pk, "A2"): Decimal("9.01")}
    with pytest.raises(ManualScoresInvalid) as caught:
        grid(std, scenario, values)
    assert caught.value.cells == {
        (
            scenario.ortho.pk,
            "A2",
        ): "骨科（D02）, A2 科室负责人履职评议（领导小组打分）: the score must be between 0 and 9.00."
    }
    with pytest.raises(ManualScoresInvalid, match="two decimal places"):
        grid(std, scenario, {(scenario.cardio.pk, "A2"): Decimal("1.005")})
    with pytest.raises(ManualScoresInvalid, match="not an item scored by hand"):
        grid(std, scenario, {(scenario.cardio.pk, "A1"): Decimal(1)})
    closed = DepartmentFactory(code="D78", is_active=False)
    with pytest.raises(ManualScoresInvalid, match="not scored by"):
        grid(std, scenario, {(closed.pk, "A2"): Decimal(1)})
    assert not Record.objects.exists()
    assert not AuditEntry.objects.filter(action="scoring.manual.saved").exists()


def test_the_grid_refuses_everything_when_a_cell_changed_since_it_was_shown(std, scenario):
    cardio, ortho = (scenario.cardio.pk, "A2"), (scenario.ortho.pk, "A2")
    grid(std, scenario, {cardio: Decimal(8)})
    shown = {cell: (r.pk, r.version) for cell, r in mine(scenario, scenario.leader).items()}
    # The same person saves from another tab…
    grid(std, scenario, {cardio: Decimal(5)}, seen=shown)
    # …so the first tab's save is refused whole, including the new cell.
    with pytest.raises(ManualScoresConflict) as caught:
        grid(std, scenario, {cardio: Decimal(7), ortho: Decimal(6)}, seen=shown)
    assert caught.value.cells == [cardio]
    own = mine(scenario, scenario.leader)
    assert list(own) == [cardio] and own[cardio].value == Decimal(5)
    # A value created elsewhere after the grid was shown (seen: none) is a conflict too.
    grid(std, scenario, {ortho: Decimal(4)}, seen={**shown, cardio: (own[cardio].pk, 2)})
    with pytest.raises(ManualScoresConflict):
        grid(std, scenario, {ortho: Decimal(3)}, seen={})


def test_clearing_a_value_with_evidence_voids_it(std, scenario):
    cell = (scenario.cardio.pk, "A2")
    grid(std, scenario, {cell: Decimal(8)})
    record = mine(scenario, scenario.leader)[cell]
    evidence_add(record=record, files=[photo()], by=scenario.leader)
    grid(std, scenario, {cell: None}, seen={cell: (record.pk, 1)})
    record.refresh_from_db()
    assert record.status == "voided" and record.reason
    grid(std, scenario, {cell: Decimal(6)}, seen={cell: None})  # a fresh value again
    assert mine(scenario, scenario.leader)[cell].value == Decimal(6)


def test_grid_values_feed_the_engine_as_the_mean(std, scenario):
    cell = (scenario.cardio.pk, "A2")
    grid(std, scenario, {cell: Decimal(8)})
    grid(std, scenario, {cell: Decimal(7)}, by=scenario.office)
    period = period_compute(standard_code=MONTH, period_key="2026-10")
    assert Result.objects.get(period=period, subject_code="D01").items["A2"] == "7.50"


# --- Corrections ------------------------------------------------------------------------------


def test_a_correction_changes_no_stored_result_and_is_audited(std, scenario):
    finding(std, scenario, date=SEP)
    finalize(MONTH, "2026-09")
    period = std.periods.get(key="2026-09")
    stored = list(Result.objects.filter(period=period).order_by("pk").values())
    record = correction_create(
        scoring_period=period,
        subject=scenario.cardio,
        code="C",
        value=Decimal("3"),
        reason="申诉成立，恢复扣分",
        by=scenario.office,
        evidence=[photo("复核意见.pdf")],
    )
    assert (record.kind, record.corrects, record.value, record.code) == ("correction", period, Decimal(3), "C")
    assert record.date == hospital_today() and record.status == "counts"
    assert record.evidence.get().name == "复核意见.pdf"
    assert list(Result.objects.filter(period=period).order_by("pk").values()) == stored
    entry = AuditEntry.objects.get(action="scoring.correction.created")
    assert entry.data["value"] == "3.00" and entry.data["reason"] == "申诉成立，恢复扣分"
    assert entry.target_repr == "WMKS-M-2026 2026-09 D01"
    whole = correction_create(
        scoring_period=period, subject=scenario.ortho, value="-1.5", reason="漏扣", by=scenario.office
    )
    assert (whole.code, whole.value) == ("", Decimal("-1.50"))


def test_corrections_are_checked(std, ethics, scenario):
    open_period = period_compute(standard_code=MONTH, period_key="2026-10")
    base = {"subject": scenario.cardio, "value": Decimal(1), "reason": "x", "by": scenario.office}
    with pytest.raises(ScoringError, match="not been finalized"):
        correction_create(scoring_period=open_period, **base)
    finalize(MONTH, "2026-09")
    period = std.periods.get(key="2026-09")
    for changes, words in (
        ({"reason": " "}, "reason"),
        ({"value": Decimal(0)}, "positive or negative"),
        ({"value": Decimal("0.001")}, "two decimal places"),
        ({"value": "abc"}, "must be a number"),
        ({"code": "C1"}, "not an item"),  # a deduction code, not an item
        ({"subject": scenario.employee_staff}, "Choose a subject"),
        ({"value": Decimal(15)}, "would be 106.00, outside 0 to 105.00"),  # 91 (A2 pending)
        ({"value": Decimal(-92)}, "would be -1.00"),
    ):
        with pytest.raises(ScoringError, match=words):
            correction_create(scoring_period=period, **{**base, **changes})
    closed = DepartmentFactory(code="D79")  # created after the period was computed: no result
    with pytest.raises(ScoringError, match="has no result"):
        correction_create(scoring_period=period, **{**base, "subject": closed})
    correction_create(scoring_period=period, **{**base, "value": Decimal(14)})
    with pytest.raises(ScoringError, match=r"would be 105\.01"):  # earlier corrections add up
        correction_create(scoring_period=period, **{**base, "value": Decimal("0.01")})
    assert Record.objects.filter(kind="correction").count() == 1
