"""Codes, the stuffing flags, review, and qr_links."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from wenming.core.models import AuditEntry
from wenming.feedback import services
from wenming.feedback.models import CodeKind, Feedback, RatingCode, ReviewStatus
from wenming.feedback.selectors import code_lookup
from wenming.feedback.tests.conftest import sid
from wenming.org.models import StaffStatus

pytestmark = pytest.mark.django_db


def submit(code, overall=5, comment="", *, client="10.0.0.1", ua="UA", started_at=None):
    return services.feedback_submit(
        code=code.code,
        overall=overall,
        comment=comment,
        submission_id=sid(),
        client=client,
        user_agent=ua,
        started_at=started_at,
    ).feedback


def test_codes_for_every_department_and_staff_in_post_idempotent(scenario):
    counts = services.rating_codes_ensure(by=scenario.office)
    assert counts == {"created": 4 + 6, "retired": 0}  # 4 departments, 6 staff in post
    assert services.rating_codes_ensure(by=scenario.office) == {"created": 0, "retired": 0}
    assert AuditEntry.objects.filter(action="feedback.codes.generated").count() == 1
    codes = list(RatingCode.objects.values_list("code", flat=True))
    assert all(len(c) == 10 and c.isalnum() and c.isupper() for c in codes) and len(set(codes)) == len(codes)


def test_staff_who_left_lose_their_code_and_a_deactivated_code_is_replaced(codes, scenario):
    staff = scenario.employee_staff
    staff.status = StaffStatus.LEFT
    staff.save()
    old = RatingCode.objects.get(kind=CodeKind.STAFF, staff=staff)
    assert code_lookup(old.code) is None  # left staff: the page is gone at once
    assert services.rating_codes_ensure(by=scenario.office) == {"created": 0, "retired": 1}
    services.rating_code_deactivate(by=scenario.office, code=codes.cardio)
    with pytest.raises(services.FeedbackError):
        services.rating_code_deactivate(by=scenario.office, code=codes.cardio)
    assert services.rating_codes_ensure(by=scenario.office)["created"] == 1
    new = RatingCode.objects.get(kind=CodeKind.DEPARTMENT, department=scenario.cardio, active=True)
    assert new.code != codes.cardio.code


def test_point_needs_a_new_name(codes, scenario):
    with pytest.raises(services.FeedbackError) as error:
        services.rating_point_add(by=scenario.office, department=scenario.ortho, label="3号窗口")
    assert "label" in error.value.message_dict
    with pytest.raises(services.FeedbackError):
        services.rating_point_add(by=scenario.office, department=scenario.ortho, label="  ")
    assert AuditEntry.objects.filter(action="feedback.point.added").count() == 1


def test_ordinary_submissions_are_valid(codes):
    feedback = submit(codes.cardio)
    assert feedback.is_valid and feedback.flag_reasons == []


def test_burst_more_than_five_in_ten_minutes_from_one_client(codes, clock):
    for n in range(5):
        assert submit(codes.cardio, overall=1 + n % 5, comment=str(n)).is_valid
        clock.advance(seconds=90)
    sixth = submit(codes.cardio, overall=3, comment="six")
    assert sixth.flag_reasons == ["burst"] and not sixth.is_valid
    # Another code, or the same client eleven minutes later, is fine.
    assert submit(codes.ortho).is_valid
    clock.advance(minutes=11)
    assert submit(codes.cardio, overall=2, comment="later").is_valid


def test_three_identical_answers_running(codes, clock):
    assert submit(codes.cardio, 5, "好").is_valid
    clock.advance(minutes=3)
    assert submit(codes.cardio, 5, "好").is_valid
    clock.advance(minutes=3)
    third = submit(codes.cardio, 5, "好")
    assert third.flag_reasons == ["repeated"]
    # A different phone giving the same answer is not "running".
    assert submit(codes.cardio, 5, "好", ua="Other").is_valid
    # Nor is one two days later.
    clock.advance(days=2)
    assert submit(codes.cardio, 5, "好").is_valid


def test_too_fast_and_forged_render_times(codes, clock):
    started = clock.now
    clock.advance(seconds=2)
    assert submit(codes.cardio, started_at=started).flag_reasons == ["too_fast"]
    clock.advance(seconds=30)
    assert submit(codes.cardio, 4, started_at=clock.now - dt.timedelta(seconds=4)).is_valid
    submission = sid()
    token = services.form_token(code=codes.cardio.code, submission_id=submission)
    clock.advance(seconds=20)
    assert services.form_started_at(token, code=codes.cardio.code, submission_id=submission) < clock.now
    assert services.form_started_at(token, code=codes.cardio.code, submission_id=sid()) == clock.now
    assert services.form_started_at(token + "x", code=codes.cardio.code, submission_id=submission) == clock.now
    assert services.form_started_at("", code=codes.cardio.code, submission_id=submission) is None


def test_night_use_of_a_code_not_used_at_night(codes, clock):
    clock.set("2026-11-23T02:30:00+08:00")
    night = submit(codes.cardio)
    assert night.flag_reasons == ["odd_hours"]
    # Once a person clears one, the hour is usual for this code for 30 days.
    services.feedback_clear(feedback=night, by=None)
    clock.advance(days=1)
    assert submit(codes.cardio, ua="B").is_valid
    clock.advance(days=40)
    assert submit(codes.cardio, ua="C").flag_reasons == ["odd_hours"]
    # Daytime and evening are never odd.
    clock.set("2027-01-05T22:30:00+08:00")
    assert submit(codes.cardio, ua="D").is_valid


def test_review_clear_and_reject_are_audited_and_decide_what_counts(codes, scenario, clock):
    started = clock.now
    flagged = [submit(codes.cardio, n, started_at=started, ua=str(n)) for n in (1, 2)]
    assert all(f.review_status == ReviewStatus.PENDING for f in flagged)
    services.feedback_clear(feedback=flagged[0], by=scenario.office, note="患者本人确认")
    services.feedback_reject(feedback=flagged[1], by=scenario.office)
    cleared, rejected = (Feedback.objects.get(pk=f.pk) for f in flagged)
    assert cleared.is_valid and cleared.review_status == ReviewStatus.CLEARED and cleared.reviewed_by == scenario.office
    assert not rejected.is_valid and rejected.review_status == ReviewStatus.REJECTED
    entry = AuditEntry.objects.get(action="feedback.feedback.cleared")
    assert entry.data["is_valid"] == [False, True] and entry.data["note"] == "患者本人确认"
    assert AuditEntry.objects.filter(action="feedback.feedback.rejected").count() == 1
    with pytest.raises(services.FeedbackError):
        services.feedback_reject(feedback=cleared, by=scenario.office)


def test_client_key_hides_the_address():
    key = services.client_key("192.168.1.20", "UA")
    assert len(key) == 16 and key != services.client_key("192.168.1.21", "UA")
    assert key == services.client_key("192.168.1.20", "UA") != services.client_key("192.168.1.20", "UB")


def test_qr_links_prints_every_active_code(codes, scenario, settings):
    settings.WENMING_BASE_URL = "https://wm.example.org/"
    services.rating_code_deactivate(by=scenario.office, code=codes.ortho)
    out = io.StringIO()
    call_command("qr_links", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "kind,code,url"
    assert f"department,{codes.cardio.code},https://wm.example.org/r/{codes.cardio.code}/" in lines
    assert f"staff,{codes.doctor.code},https://wm.example.org/r/{codes.doctor.code}/" in lines
    assert f"point,{codes.point.code},https://wm.example.org/r/{codes.point.code}/" in lines
    assert not any(codes.ortho.code in line for line in lines)
    assert len(lines) == 1 + RatingCode.objects.filter(active=True).count()
