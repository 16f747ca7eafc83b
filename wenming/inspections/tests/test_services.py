from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from wenming.core.models import AuditEntry
from wenming.inspections.models import Appeal, AppealState, InspectionPlan, InspectionRound, Photo, RoundFinding
from wenming.inspections.services import (
    InspectionError,
    appeal_deadline,
    appeal_decide,
    appeal_file,
    round_submit,
)
from wenming.org.selectors import hospital_today as local_today
from wenming.scoring.models import Record, RecordStatus, ScoringPeriod

from .images import jpeg_with_gps, upload


def submit(scenario, month, *, token="tok-1", department=None, findings=None, **kwargs):
    return round_submit(
        client_token=token,
        department=department or scenario.ward,
        inspector=scenario.inspector,
        standard=month,
        findings=findings
        if findings is not None
        else [
            {"code": "D1a", "count": 2, "note": "两人未佩戴工作牌"},
            {"code": "C1", "count": 1, "note": "", "responsible": scenario.employee_staff},
        ],
        by=scenario.inspector,
        **kwargs,
    )


def finalize_this_month(month):
    day = local_today()
    start = day.replace(day=1)
    ScoringPeriod.objects.create(
        standard=month,
        key=f"{day.year}-{day.month:02d}",
        cycle="month",
        start=start,
        end=(start + timedelta(days=32)).replace(day=1),
        finalized_at=timezone.now(),
    )


# --- Submitting ---------------------------------------------------------------------------------


def test_submit_creates_round_findings_and_counting_records(scenario, month):
    inspection_round = submit(scenario, month, unannounced=True)

    assert inspection_round.state == "submitted"
    assert inspection_round.unannounced is True
    assert inspection_round.date == local_today()
    findings = list(inspection_round.findings.select_related("record"))
    assert [(f.code, f.count) for f in findings] == [("D1a", 2), ("C1", 1)]
    assert findings[1].responsible == scenario.employee_staff
    records = Record.objects.order_by("pk")
    assert [(r.kind, r.status, r.code, r.count, r.department, r.date, r.entered_by) for r in records] == [
        ("finding", "counts", "D1a", 2, scenario.ward, local_today(), scenario.inspector),
        ("finding", "counts", "C1", 1, scenario.ward, local_today(), scenario.inspector),
    ]
    assert [f.record for f in findings] == list(records)
    actions = list(
        AuditEntry.objects.exclude(action__startswith="standards.").order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["scoring.record.created", "scoring.record.created", "inspections.round.submitted"]
    entry = AuditEntry.objects.get(action="inspections.round.submitted")
    assert entry.actor == scenario.inspector
    assert entry.department == scenario.ward
    assert entry.data["findings"] == ["D1a×2", "C1×1"]
    assert entry.data["unannounced"] is True


def test_submitting_twice_with_the_same_token_creates_nothing_more(scenario, month):
    first = submit(scenario, month)
    again = submit(scenario, month, findings=[{"code": "E1", "count": 5}])

    assert again.pk == first.pk
    assert InspectionRound.objects.count() == 1
    assert RoundFinding.objects.count() == 2
    assert Record.objects.count() == 2
    assert AuditEntry.objects.filter(action="inspections.round.submitted").count() == 1


def test_race_on_the_token_returns_the_stored_round(scenario, month, monkeypatch):
    """Two requests pass the "already stored?" check at once; the second insert hits the unique
    constraint and answers with the round the first stored."""
    from wenming.inspections.services import rounds as services

    first = submit(scenario, month)
    calls = []
    real = services._existing_round

    def not_seen_the_first_time(token, by):
        calls.append(token)
        return None if len(calls) == 1 else real(token, by)

    monkeypatch.setattr(services, "_existing_round", not_seen_the_first_time)
    again = submit(scenario, month)
    assert again.pk == first.pk
    assert Record.objects.count() == 2
    assert RoundFinding.objects.count() == 2


def test_a_clean_round_has_no_findings(scenario, month):
    inspection_round = submit(scenario, month, findings=[])
    assert inspection_round.findings.count() == 0
    assert not Record.objects.exists()


def test_another_inspector_cannot_reuse_a_token(scenario, month):
    submit(scenario, month)
    with pytest.raises(InspectionError):
        round_submit(
            client_token="tok-1",
            department=scenario.ward,
            inspector=scenario.office,
            standard=month,
            findings=[],
            by=scenario.office,
        )


def test_unknown_code_is_refused_and_nothing_written(scenario, month):
    with translation.override("en"), pytest.raises(InspectionError) as caught:
        submit(scenario, month, findings=[{"code": "D1a", "count": 1}, {"code": "ZZ9", "count": 1}])
    assert caught.value.messages == ["ZZ9 is not a deduction of WMKS-M-2026."]
    assert not InspectionRound.objects.exists()
    assert not Record.objects.exists()
    assert not AuditEntry.objects.exclude(action__startswith="standards.").exists()


@pytest.mark.parametrize("code", ["A1", "F1", "V1"])  # an item, a bonus, a veto
def test_codes_that_are_not_deductions_are_refused(scenario, month, code):
    with pytest.raises(InspectionError):
        submit(scenario, month, findings=[{"code": code, "count": 1}])
    assert not InspectionRound.objects.exists()


@pytest.mark.parametrize("count", [0, -1, "x", 1.5, True, None])
def test_bad_counts_are_refused(scenario, month, count):
    with pytest.raises(InspectionError):
        submit(scenario, month, findings=[{"code": "C1", "count": count}])
    assert not Record.objects.exists()


def test_responsible_person_must_be_of_the_department(scenario, month):
    with pytest.raises(InspectionError):
        submit(scenario, month, findings=[{"code": "C1", "count": 1, "responsible": scenario.head_ortho_staff}])
    assert not InspectionRound.objects.exists()


def test_only_inspectors_submit_their_own_rounds(scenario, month):
    for user in (scenario.head_cardio, scenario.employee):
        with pytest.raises(InspectionError):
            round_submit(
                client_token=f"t-{user.pk}",
                department=scenario.ward,
                inspector=user,
                standard=month,
                findings=[],
                by=user,
            )
    with pytest.raises(InspectionError):  # submitting for another inspector
        round_submit(
            client_token="t-other",
            department=scenario.ward,
            inspector=scenario.inspector,
            standard=month,
            findings=[],
            by=scenario.office,
        )
    assert not InspectionRound.objects.exists()


def test_department_must_be_in_the_plan(scenario, month):
    plan = InspectionPlan.objects.create(name="每周巡查", standard=month)
    plan.departments.set([scenario.cardio])
    with pytest.raises(InspectionError):
        submit(scenario, month, department=scenario.ortho, plan=plan)
    plan.active = False
    plan.save()
    with pytest.raises(InspectionError):
        submit(scenario, month, department=scenario.cardio, plan=plan)
    assert not InspectionRound.objects.exists()
    plan.active = True
    plan.save()
    assert submit(scenario, month, department=scenario.cardio, plan=plan).plan == plan


def test_inactive_department_is_refused(scenario, month):
    scenario.ortho.is_active = False
    scenario.ortho.save()
    with pytest.raises(InspectionError):
        submit(scenario, month, department=scenario.ortho)


def test_finalized_period_is_refused_and_nothing_written(scenario, month):
    finalize_this_month(month)
    with pytest.raises(InspectionError):
        submit(scenario, month)
    assert not InspectionRound.objects.exists()
    assert not Record.objects.exists()


def test_photos_are_stored_without_location(scenario, month):
    import io

    from PIL import Image

    inspection_round = submit(
        scenario, month, findings=[{"code": "E1", "count": 1, "photos": [upload(jpeg_with_gps(), "IMG_0001.jpg")]}]
    )
    photo = Photo.objects.get(finding__round=inspection_round)
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (40, 20)
    assert photo.uploaded_by == scenario.inspector
    assert photo.image.name.startswith("inspections/photos/") and "IMG_0001" not in photo.image.name
    with photo.image.open("rb") as stored, Image.open(io.BytesIO(stored.read())) as image:
        assert not image.getexif()
    assert photo.size == photo.image.size
    assert photo.thumbnail.size > 0


def test_a_bad_photo_refuses_the_whole_round(scenario, month):
    with pytest.raises(InspectionError):
        submit(
            scenario,
            month,
            findings=[
                {"code": "C1", "count": 1},
                {"code": "E1", "count": 1, "photos": [upload(b"not an image", "fake.jpg")]},
            ],
        )
    assert not InspectionRound.objects.exists()
    assert not Photo.objects.exists()
    assert not Record.objects.exists()


# --- Appeal window ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "deadline"),
    [
        (date(2026, 11, 16), date(2026, 11, 19)),  # Monday → Thursday
        (date(2026, 11, 19), date(2026, 11, 24)),  # Thursday → Tuesday (weekend skipped)
        (date(2026, 11, 20), date(2026, 11, 25)),  # Friday → Wednesday
        (date(2026, 11, 21), date(2026, 11, 25)),  # Saturday → Wednesday
    ],
)
def test_appeal_deadline_counts_working_days(held, deadline):
    assert appeal_deadline(held) == deadline


def test_the_appeal_window_is_a_setting(settings):
    settings.WENMING_APPEAL_WORKING_DAYS = 5
    assert appeal_deadline(date(2026, 11, 16)) == date(2026, 11, 23)  # Monday → next Monday


@pytest.fixture
def finding(scenario, month):
    inspection_round = submit(scenario, month)
    return inspection_round.findings.get(code="D1a")


def held_on(finding, day):
    InspectionRound.objects.filter(pk=finding.round_id).update(date=day)
    finding.refresh_from_db()


def test_appeal_inside_the_window_holds_the_record(scenario, finding):
    held_on(finding, date(2026, 11, 20))  # Friday
    appeal = appeal_file(finding=finding, by=scenario.head_cardio, reason="当天已补戴", today=date(2026, 11, 25))

    assert appeal.state == AppealState.PENDING
    record = Record.objects.get(pk=finding.record_id)
    assert record.status == RecordStatus.PENDING  # does not count while the appeal is open
    assert record.version == 2
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))[-2:]
    assert actions == ["inspections.record.held", "inspections.appeal.filed"]
    entry = AuditEntry.objects.get(action="inspections.appeal.filed")
    assert entry.actor == scenario.head_cardio and entry.department == scenario.ward


def test_appeal_after_the_window_is_refused(scenario, finding):
    held_on(finding, date(2026, 11, 20))  # Friday: the window ends on Wednesday the 25th
    with translation.override("en"), pytest.raises(InspectionError) as caught:
        appeal_file(finding=finding, by=scenario.head_cardio, reason="迟了", today=date(2026, 11, 26))
    assert caught.value.messages == ["Appeals against this finding were possible until 2026年11月25日."]
    assert not Appeal.objects.exists()
    assert Record.objects.get(pk=finding.record_id).status == RecordStatus.COUNTS


@pytest.mark.parametrize("who", ["head_ortho", "employee", "inspector", "office", "leader"])
def test_only_the_head_of_the_department_may_appeal(scenario, finding, who):
    with pytest.raises(InspectionError):
        appeal_file(finding=finding, by=getattr(scenario, who), reason="不同意", today=finding.round.date)
    assert not Appeal.objects.exists()
    assert Record.objects.get(pk=finding.record_id).status == RecordStatus.COUNTS


def test_one_appeal_per_finding_and_a_reason(scenario, finding):
    with pytest.raises(InspectionError):
        appeal_file(finding=finding, by=scenario.head_cardio, reason="  ", today=finding.round.date)
    appeal_file(finding=finding, by=scenario.head_cardio, reason="不同意", today=finding.round.date)
    with pytest.raises(InspectionError):
        appeal_file(finding=finding, by=scenario.head_cardio, reason="再次", today=finding.round.date)
    assert Appeal.objects.count() == 1


def test_appeal_with_evidence(scenario, finding):
    appeal = appeal_file(
        finding=finding,
        by=scenario.head_cardio,
        reason="有照片为证",
        evidence=upload(jpeg_with_gps(), "证明.jpg"),
        today=finding.round.date,
    )
    assert appeal.evidence.name.startswith("inspections/appeals/")
    with pytest.raises(InspectionError):
        appeal_file(
            finding=finding.round.findings.get(code="C1"),
            by=scenario.head_cardio,
            reason="x",
            evidence=upload(b"MZ", "tool.exe"),
            today=finding.round.date,
        )


def test_appeal_refused_in_a_finalized_period(scenario, month, finding):
    finalize_this_month(month)
    with pytest.raises(InspectionError):
        appeal_file(finding=finding, by=scenario.head_cardio, reason="不同意", today=finding.round.date)
    assert not Appeal.objects.exists()
    assert Record.objects.get(pk=finding.record_id).status == RecordStatus.COUNTS


# --- Deciding -----------------------------------------------------------------------------------


@pytest.fixture
def appeal(scenario, finding):
    return appeal_file(finding=finding, by=scenario.head_cardio, reason="不同意", today=finding.round.date)


def test_upheld_finding_counts_again(scenario, appeal):
    decided = appeal_decide(appeal=appeal, by=scenario.leader, uphold=True, note="情况属实")
    assert decided.state == AppealState.UPHELD
    assert decided.decided_by == scenario.leader and decided.decided_at is not None
    assert Record.objects.get(pk=appeal.finding.record_id).status == RecordStatus.COUNTS
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))[-2:]
    assert actions == ["scoring.record.approved", "inspections.appeal.decided"]
    assert AuditEntry.objects.get(action="inspections.appeal.decided").data["state"] == ["pending", "upheld"]


def test_voided_finding_no_longer_counts(scenario, appeal):
    decided = appeal_decide(appeal=appeal, by=scenario.office, uphold=False, note="核实已整改，撤销")
    assert decided.state == AppealState.VOIDED
    record = Record.objects.get(pk=appeal.finding.record_id)
    assert record.status == RecordStatus.VOIDED
    assert record.reason == "核实已整改，撤销"
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))[-2:]
    assert actions == ["scoring.record.voided", "inspections.appeal.decided"]


def test_voiding_needs_a_reason(scenario, appeal):
    with pytest.raises(InspectionError):
        appeal_decide(appeal=appeal, by=scenario.leader, uphold=False, note="")
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.PENDING


@pytest.mark.parametrize("who", ["head_cardio", "head_ortho", "employee", "inspector"])
def test_only_leadership_or_office_decide(scenario, appeal, who):
    with pytest.raises(InspectionError):
        appeal_decide(appeal=appeal, by=getattr(scenario, who), uphold=True, note="")
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.PENDING
    assert Record.objects.get(pk=appeal.finding.record_id).status == RecordStatus.PENDING


def test_an_appeal_is_decided_once(scenario, appeal):
    appeal_decide(appeal=appeal, by=scenario.leader, uphold=True, note="")
    with pytest.raises(InspectionError):
        appeal_decide(appeal=appeal, by=scenario.office, uphold=False, note="改判")  # from a stale page
    assert Record.objects.get(pk=appeal.finding.record_id).status == RecordStatus.COUNTS


def test_decision_refused_in_a_finalized_period(scenario, month, appeal):
    finalize_this_month(month)
    with pytest.raises(InspectionError):
        appeal_decide(appeal=appeal, by=scenario.leader, uphold=False, note="撤销")
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.PENDING


def test_photo_files_are_removed_when_the_round_is_not_saved(scenario, month, settings, monkeypatch):
    from pathlib import Path

    from wenming.inspections.services import rounds as services

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_log", broken)
    with pytest.raises(RuntimeError):
        submit(scenario, month, findings=[{"code": "E1", "count": 1, "photos": [upload(jpeg_with_gps())]}])
    assert not InspectionRound.objects.exists()
    stored = [p for p in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == []
