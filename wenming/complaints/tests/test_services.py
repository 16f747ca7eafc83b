from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wenming.complaints import services
from wenming.complaints.deadlines import deadlines_follow_up
from wenming.complaints.models import Case, CaseState
from wenming.core.models import AuditEntry
from wenming.feedback.models import Feedback
from wenming.notifications.models import Notification
from wenming.org.selectors import hospital_today
from wenming.rectification.models import RectificationItem
from wenming.scoring.models import Record, ScoringPeriod


def test_working_days_skip_weekends():
    friday = date(2026, 11, 20)
    assert services.working_days_after(friday, 1) == date(2026, 11, 23)
    assert services.working_days_after(friday, 5) == date(2026, 11, 27)


def test_intake_numbers_per_kind_and_year_and_defaults(scenario, settings):
    settings.WENMING_COMPLAINT_WORKING_DAYS = 5
    first = services.case_intake(
        by=scenario.office,
        kind="complaint",
        source="phone",
        department=scenario.cardio,
        content="态度差",
        received_on=date(2026, 11, 20),
        contact_phone="139 1234 5678",
    )
    second = services.case_intake(
        by=scenario.office,
        kind="complaint",
        source="letter",
        department=scenario.ortho,
        content="等候久",
        received_on=date(2026, 11, 20),
    )
    praise = services.case_intake(
        by=scenario.office,
        kind="praise",
        source="letter",
        department=scenario.ortho,
        content="锦旗",
        received_on=date(2026, 11, 20),
    )
    assert (first.number, second.number, praise.number) == ("TS-2026-0001", "TS-2026-0002", "BY-2026-0001")
    assert first.deadline == date(2026, 11, 27)
    assert first.state == CaseState.RECEIVED and first.version == 1
    assert first.contact_phone == "13912345678"
    entry = AuditEntry.objects.get(action="complaints.case.received", target_id=str(first.pk))
    assert entry.data["contact_phone"] == "139****5678"
    # The head of 心血管内科 hears about the case; the office who received it does not.
    assert Notification.objects.filter(recipient=scenario.head_cardio, kind="complaints.case.received").count() == 1
    assert not Notification.objects.filter(recipient=scenario.office).exists()


def test_intake_refusals_keyed_by_field(scenario):
    with pytest.raises(services.CaseError) as refused:
        services.case_intake(
            by=scenario.office,
            kind="nonsense",
            source="phone",
            department=scenario.cardio,
            content=" ",
            staff=scenario.head_ortho_staff,
            contact_phone="abc",
            received_on=hospital_today() + timedelta(days=1),
        )
    assert set(refused.value.error_dict) == {"kind", "content", "staff", "contact_phone", "received_on"}
    assert not Case.objects.exists()


@pytest.mark.parametrize("who", ["head_cardio", "leader", "employee", "inspector"])
def test_only_the_office_receives_cases(scenario, who):
    with pytest.raises(services.CaseNotAllowed):
        services.case_intake(
            by=getattr(scenario, who), kind="complaint", source="phone", department=scenario.cardio, content="x"
        )


def test_full_flow_with_evidence_and_history(scenario, make_case):
    case = make_case()
    case = services.case_start(case=case, by=scenario.head_cardio, expected_version=1)
    assert (case.state, case.handler, case.version) == ("investigating", scenario.head_cardio, 2)
    photo = SimpleUploadedFile("现场.png", b"\x89PNG fake", content_type="image/png")
    case = services.case_investigate(
        case=case,
        by=scenario.head_cardio,
        investigation="查看监控，护士语气生硬",
        finding="substantiated",
        evidence=[photo],
        expected_version=2,
    )
    assert case.state == "handling" and case.evidence.get().stage == "investigating"
    case = services.case_decide(case=case, by=scenario.head_cardio, decision="当事护士书面检查", expected_version=3)
    case = services.case_reply(
        case=case, by=scenario.office, reply="已当面致歉", method="in_person", satisfaction="fairly", expected_version=4
    )
    assert case.state == "replied" and case.replied_on == hospital_today()
    case = services.case_close(case=case, by=scenario.office, satisfaction="satisfied", expected_version=5)
    assert case.state == "closed" and case.satisfaction == "satisfied" and case.closed_on == hospital_today()
    actions = list(
        AuditEntry.objects.filter(target_id=str(case.pk), target_type="complaints.case")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "complaints.case.received",
        "complaints.case.started",
        "complaints.case.investigated",
        "complaints.case.decided",
        "complaints.case.replied",
        "complaints.case.closed",
    ]
    # The office hears what the head did.
    assert Notification.objects.filter(recipient=scenario.office, kind="complaints.case.moved").exists()


@pytest.mark.parametrize(
    ("state", "call"),
    [
        ("investigating", lambda s, c: services.case_start(case=c, by=s.office, expected_version=c.version)),
        (
            "received",
            lambda s, c: services.case_investigate(
                case=c, by=s.office, investigation="x", finding="substantiated", expected_version=c.version
            ),
        ),
        (
            "investigating",
            lambda s, c: services.case_decide(case=c, by=s.office, decision="x", expected_version=c.version),
        ),
        (
            "investigating",
            lambda s, c: services.case_reply(
                case=c, by=s.office, reply="x", method="phone", expected_version=c.version
            ),
        ),
        ("handling", lambda s, c: services.case_close(case=c, by=s.office, expected_version=c.version)),
        ("received", lambda s, c: services.case_return(case=c, by=s.office, reason="x", expected_version=c.version)),
        (
            "replied",
            lambda s, c: services.case_extend(
                case=c, by=s.office, deadline=c.deadline + timedelta(days=9), reason="x", expected_version=c.version
            ),
        ),
    ],
)
def test_wrong_state_is_refused(scenario, make_case, state, call):
    case = make_case(state)
    with pytest.raises(services.CaseError):
        call(scenario, case)
    case.refresh_from_db()
    assert case.state == state


def test_stale_version_is_refused(scenario, make_case):
    case = make_case()
    services.case_start(case=case, by=scenario.office, expected_version=1)
    with pytest.raises(services.CaseConflict) as refused:
        services.case_start(case=case, by=scenario.head_cardio, expected_version=1)
    assert "调查" in refused.value.messages[0] or "Investigating" in refused.value.messages[0]


def test_reply_needs_the_decision(scenario, make_case):
    case = make_case("handling")
    with pytest.raises(services.CaseError) as refused:
        services.case_reply(case=case, by=scenario.office, reply="x", method="phone", expected_version=case.version)
    assert "__all__" in refused.value.error_dict


def test_head_works_on_own_departments_only_and_cannot_close(scenario, make_case):
    case = make_case()
    with pytest.raises(services.CaseNotAllowed):
        services.case_start(case=case, by=scenario.head_ortho, expected_version=1)
    replied = make_case("replied")
    with pytest.raises(services.CaseNotAllowed):
        services.case_close(case=replied, by=scenario.head_cardio, expected_version=replied.version)


def test_return_a_step(scenario, make_case):
    case = make_case("replied")
    case = services.case_return(case=case, by=scenario.office, reason="患者不认可", expected_version=case.version)
    assert case.state == "handling" and case.reply == "" and case.return_note == "患者不认可"
    case = services.case_return(case=case, by=scenario.office, reason="需补充调查", expected_version=case.version)
    assert case.state == "investigating"
    assert Notification.objects.filter(recipient=scenario.head_cardio, kind="complaints.case.returned").count() == 2


def test_extend(scenario, make_case):
    case = make_case()
    later = case.deadline + timedelta(days=7)
    case = services.case_extend(case=case, by=scenario.office, deadline=later, reason="需调取监控", expected_version=1)
    assert case.deadline == later
    with pytest.raises(services.CaseError) as refused:
        services.case_extend(case=case, by=scenario.office, deadline=later, reason="", expected_version=case.version)
    assert set(refused.value.error_dict) == {"deadline", "reason"}


def test_substantiated_complaint_records_c1_and_opens_an_item(scenario, make_case, month):
    case = make_case("handling", received_on=hospital_today())
    record = services.case_record_score(case=case, by=scenario.office, standard=month, expected_version=case.version)
    assert (record.kind, record.code, record.department, record.date) == (
        "finding",
        "C1",
        scenario.cardio,
        hospital_today(),
    )
    case.refresh_from_db()
    item = services.case_open_item(
        case=case,
        by=scenario.office,
        problem="服务态度整改",
        deadline=hospital_today() + timedelta(days=7),
        expected_version=case.version,
    )
    case.refresh_from_db()
    assert case.record == record and case.item == item
    assert (item.source, item.department, item.state) == ("complaint", scenario.cardio, "listed")
    with pytest.raises(services.CaseError):
        services.case_record_score(case=case, by=scenario.office, standard=month, expected_version=case.version)


def test_verified_praise_records_f1_bonus(scenario, make_case, month):
    case = make_case("replied", kind="praise", content="赠送锦旗", received_on=hospital_today())
    record = services.case_record_score(case=case, by=scenario.office, standard=month, expected_version=case.version)
    assert (record.kind, record.code) == ("bonus", "F1")
    case.refresh_from_db()
    assert not services.may_open_item(case)


def test_unsubstantiated_complaint_records_nothing(scenario, make_case, month):
    case = make_case("handling", finding="not_substantiated")
    with pytest.raises(services.CaseError):
        services.case_record_score(case=case, by=scenario.office, standard=month, expected_version=case.version)
    assert not Record.objects.exists()


def test_finalized_period_refuses_the_deduction(scenario, make_case, month):
    day = hospital_today()
    start = day.replace(day=1)
    ScoringPeriod.objects.create(
        standard=month,
        key=f"{day.year}-{day.month:02d}",
        cycle="month",
        start=start,
        end=(start + timedelta(days=32)).replace(day=1),
        finalized_at=timezone.now(),
    )
    case = make_case("handling", received_on=day)
    with pytest.raises(services.CaseError) as refused:
        services.case_record_score(case=case, by=scenario.office, standard=month, expected_version=case.version)
    assert (
        "finalized" in refused.value.messages[0]
        or "定稿" in refused.value.messages[0]
        or "归档" in refused.value.messages[0]
    )
    case.refresh_from_db()
    assert case.record is None and case.version == 3
    assert not Record.objects.exists()


def test_head_may_not_record_or_open_items(scenario, make_case, month):
    case = make_case("handling")
    with pytest.raises(services.CaseNotAllowed):
        services.case_record_score(case=case, by=scenario.head_cardio, standard=month, expected_version=case.version)
    with pytest.raises(services.CaseNotAllowed):
        services.case_open_item(
            case=case, by=scenario.head_cardio, problem="x", deadline=hospital_today(), expected_version=case.version
        )
    assert not RectificationItem.objects.exists()


def test_case_from_feedback_once(scenario):
    feedback = Feedback.objects.create(
        department=scenario.cardio, at=timezone.now(), local_date=hospital_today(), overall=1, comment="态度差"
    )
    case = services.case_intake(
        by=scenario.office,
        kind="complaint",
        source="rating",
        department=scenario.cardio,
        content="x",
        feedback=feedback,
    )
    assert case.feedback == feedback
    with pytest.raises(services.CaseError):
        services.case_intake(
            by=scenario.office,
            kind="complaint",
            source="rating",
            department=scenario.cardio,
            content="y",
            feedback=feedback,
        )


def test_deadline_follow_up_reminds_then_reports_overdue_once(scenario, make_case):
    today = hospital_today()
    case = make_case(received_on=today - timedelta(days=20), deadline=today)
    closed = make_case("closed", received_on=today - timedelta(days=20), deadline=today - timedelta(days=3))
    done = deadlines_follow_up(today=today)
    assert (done.reminded, done.overdue) == (1, 0)
    assert deadlines_follow_up(today=today).reminded == 0
    later = deadlines_follow_up(today=today + timedelta(days=1))
    assert (later.reminded, later.overdue) == (0, 1)
    assert deadlines_follow_up(today=today + timedelta(days=2)).overdue == 0
    case.refresh_from_db()
    assert case.overdue_for == case.deadline
    assert Notification.objects.filter(recipient=scenario.head_cardio, kind="complaints.case.overdue").count() == 1
    assert not Notification.objects.filter(
        kind="complaints.case.overdue", params__case__startswith=closed.number
    ).exists()


def test_management_command(scenario, make_case):
    from io import StringIO

    from django.core.management import call_command

    make_case(received_on=hospital_today() - timedelta(days=20), deadline=hospital_today() - timedelta(days=1))
    out = StringIO()
    call_command("follow_up_complaints", stdout=out)
    assert "1" in out.getvalue()
