from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wenming.complaints import services
from wenming.complaints.models import Case, CaseState, Satisfaction
from wenming.feedback.models import Feedback
from wenming.org.selectors import hospital_today

LIST = reverse("complaints:list")
NEW = reverse("complaints:new")


def act(case, action):
    return reverse("complaints:act", args=[case.pk, action])


# --- Who sees what --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "inspector"])
def test_employee_and_inspector_get_404_everywhere(scenario, client_for, make_case, who):
    case = make_case()
    client = client_for(getattr(scenario, who))
    for url in (LIST, NEW, reverse("complaints:export"), reverse("complaints:detail", args=[case.pk])):
        assert client.get(url).status_code == 404
    assert client.post(act(case, "start"), {"start-version": 1}).status_code == 404


def test_anonymous_goes_to_login(client, make_case):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_other_departments_head_gets_404(scenario, client_for, make_case):
    case = make_case()
    client = client_for(scenario.head_ortho)
    assert client.get(reverse("complaints:detail", args=[case.pk])).status_code == 404
    assert client.post(act(case, "start"), {"start-version": 1}).status_code == 404
    assert case.number not in client.get(LIST).content.decode()


def test_head_sees_own_cases_with_masked_phone(scenario, client_for, make_case):
    mine = make_case()
    theirs = make_case(department=scenario.ortho, content="骨科的投诉")
    client = client_for(scenario.head_cardio)
    body = client.get(LIST).content.decode()
    assert mine.number in body and theirs.number not in body
    detail = client.get(reverse("complaints:detail", args=[mine.pk])).content.decode()
    assert "139****5678" in detail and "13912345678" not in detail
    office = client_for(scenario.office).get(reverse("complaints:detail", args=[mine.pk])).content.decode()
    assert "13912345678" in office


def test_leader_reads_but_cannot_act(scenario, client_for, make_case):
    case = make_case()
    client = client_for(scenario.leader)
    page = client.get(reverse("complaints:detail", args=[case.pk]))
    assert page.status_code == 200 and 'data-testid="start-form"' not in page.content.decode()
    assert "139****5678" in page.content.decode()
    assert client.post(act(case, "start"), {"start-version": 1}).status_code == 403
    assert client.get(NEW).status_code == 403


def test_head_works_on_investigation_but_may_not_close_or_record(scenario, client_for, make_case, month):
    case = make_case()
    client = client_for(scenario.head_cardio)
    assert client.get(NEW).status_code == 403
    response = client.post(act(case, "start"), {"start-version": 1})
    assert response.status_code == 302
    response = client.post(
        act(case, "investigate"),
        {"investigate-version": 2, "investigate-investigation": "属实", "investigate-finding": "substantiated"},
    )
    assert response.status_code == 302
    response = client.post(act(case, "decide"), {"decide-version": 3, "decide-decision": "批评教育"})
    assert response.status_code == 302
    page = client.get(reverse("complaints:detail", args=[case.pk])).content.decode()
    assert 'data-testid="reply-form"' not in page and 'data-testid="score-form"' not in page
    assert client.post(act(case, "score"), {"score-version": 4, "score-standard": month.code}).status_code == 403
    assert client.post(act(case, "reply"), {"reply-version": 4}).status_code == 403
    replied = make_case("replied")
    assert client.post(act(replied, "close"), {"close-version": replied.version}).status_code == 403
    replied.refresh_from_db()
    assert replied.state == "replied"


def test_unknown_step_is_404(scenario, client_for, make_case):
    case = make_case()
    assert client_for(scenario.office).post(act(case, "teleport"), {}).status_code == 404


# --- Pages ----------------------------------------------------------------------------------------


def test_list_filters_counts_and_overdue(scenario, client_for, make_case):
    today = hospital_today()
    late = make_case(received_on=today - timedelta(days=20), deadline=today - timedelta(days=2))
    praise = make_case("closed", kind="praise", content="锦旗一面")
    client = client_for(scenario.office)
    body = client.get(LIST).content.decode()
    assert 'data-testid="count-received">1<' in body and 'data-testid="count-closed">1<' in body
    assert f'data-testid="case-{late.pk}" class="table-danger"' in body
    body = client.get(LIST, {"kind": "praise"}).content.decode()
    assert praise.number in body and late.number not in body
    body = client.get(LIST, {"overdue": "yes"}).content.decode()
    assert late.number in body and praise.number not in body
    body = client.get(LIST, {"q": "锦旗"}, HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith("{%") is False and 'id="case-results"' in body and praise.number in body
    assert "<html" not in body


def test_list_query_count_is_pinned(scenario, client_for, make_case, django_assert_num_queries):
    for n in range(3):
        make_case(content=f"投诉{n}", staff=scenario.employee_staff if n else None)
    client = client_for(scenario.office)
    client.get(LIST)
    with django_assert_num_queries(13):
        assert client.get(LIST).status_code == 200
    for n in range(5):
        make_case(content=f"更多{n}", staff=scenario.employee_staff)
    with django_assert_num_queries(13):
        client.get(LIST)


def test_case_page_query_count_is_pinned(scenario, client_for, make_case, month, django_assert_num_queries):
    case = make_case("handling", received_on=hospital_today())
    services.case_record_score(case=case, by=scenario.office, standard=month, expected_version=case.version)
    client = client_for(scenario.office)
    url = reverse("complaints:detail", args=[case.pk])
    client.get(url)
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200


def test_markup_in_content_is_escaped(scenario, client_for, make_case):
    case = make_case(content="<script>alert(1)</script>")
    client = client_for(scenario.office)
    for url in (LIST, reverse("complaints:detail", args=[case.pk])):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_intake_form_keeps_what_was_typed(scenario, client_for):
    client = client_for(scenario.office)
    response = client.post(
        NEW,
        {
            "kind": "complaint",
            "source": "phone",
            "department": "D01",
            "content": "",
            "contact_name": "张女士",
            "received_on": hospital_today().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "张女士" in response.content.decode()
    assert not Case.objects.exists()


def test_intake_then_whole_flow_by_the_office(scenario, client_for, month):
    client = client_for(scenario.office)
    response = client.post(
        NEW,
        {
            "kind": "complaint",
            "source": "phone",
            "department": "D01",
            "staff": "E0102",
            "content": "护士态度差",
            "contact_name": "张女士",
            "contact_phone": "13912345678",
            "received_on": hospital_today().isoformat(),
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("complaints:detail", args=[case.pk])
    assert case.staff == scenario.employee_staff
    client.post(act(case, "start"), {"start-version": 1})
    client.post(
        act(case, "investigate"),
        {"investigate-version": 2, "investigate-investigation": "属实", "investigate-finding": "substantiated"},
    )
    client.post(act(case, "decide"), {"decide-version": 3, "decide-decision": "批评教育"})
    response = client.post(
        act(case, "score"),
        {
            "score-version": 4,
            "score-standard": month.code,
            "score-code": "C1",
            "score-day": hospital_today().isoformat(),
            "score-count": 1,
        },
    )
    assert response.status_code == 302
    response = client.post(
        act(case, "item"),
        {
            "item-version": 5,
            "item-problem": "服务态度整改",
            "item-deadline": (hospital_today() + timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    client.post(
        act(case, "reply"),
        {
            "reply-version": 6,
            "reply-reply": "已致歉",
            "reply-method": "phone",
            "reply-replied_on": hospital_today().isoformat(),
            "reply-satisfaction": "fairly",
        },
    )
    client.post(act(case, "close"), {"close-version": 7, "close-satisfaction": "satisfied", "close-note": ""})
    case.refresh_from_db()
    assert (case.state, case.record.code, case.item.source, case.satisfaction) == (
        "closed",
        "C1",
        "complaint",
        "satisfied",
    )
    page = client.get(reverse("complaints:detail", args=[case.pk])).content.decode()
    assert 'data-testid="record-link"' in page and 'data-testid="item-link"' in page
    assert "办结" in page or "closed case" in page


def test_stale_page_gets_409_and_keeps_typed(scenario, client_for, make_case):
    case = make_case("investigating")
    services.case_extend(
        case=case,
        by=scenario.office,
        deadline=case.deadline + timedelta(days=3),
        reason="x",
        expected_version=case.version,
    )
    response = client_for(scenario.head_cardio).post(
        act(case, "investigate"),
        {"investigate-version": 2, "investigate-investigation": "我写的调查结果", "investigate-finding": "partly"},
    )
    assert response.status_code == 409
    assert "我写的调查结果" in response.content.decode()


def test_finalized_period_refusal_shown_on_the_form(scenario, client_for, make_case, month):
    from wenming.scoring.models import ScoringPeriod

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
    response = client_for(scenario.office).post(
        act(case, "score"),
        {
            "score-version": case.version,
            "score-standard": month.code,
            "score-code": "C1",
            "score-day": day.isoformat(),
            "score-count": 1,
        },
    )
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()


def test_new_from_feedback_prefills_and_links(scenario, client_for):
    feedback = Feedback.objects.create(
        department=scenario.cardio,
        staff=scenario.employee_staff,
        at=timezone.now(),
        local_date=hospital_today(),
        overall=1,
        comment="护士不耐烦",
    )
    client = client_for(scenario.office)
    url = f"{NEW}?feedback={feedback.pk}"
    page = client.get(url).content.decode()
    assert "护士不耐烦" in page and 'value="E0102" selected' in page and 'data-testid="from-feedback"' in page
    response = client.post(
        url,
        {
            "kind": "complaint",
            "source": "rating",
            "department": "D01",
            "staff": "E0102",
            "content": "护士不耐烦",
            "received_on": hospital_today().isoformat(),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.feedback == feedback
    again = client.get(url)
    assert again.status_code == 302 and again["Location"] == reverse("complaints:detail", args=[case.pk])
    assert client.get(f"{NEW}?feedback=999999").status_code == 404


def test_feedback_list_links_low_ratings_with_a_comment(scenario, client_for):
    low = Feedback.objects.create(
        department=scenario.cardio, at=timezone.now(), local_date=hospital_today(), overall=2, comment="等太久"
    )
    good = Feedback.objects.create(
        department=scenario.cardio, at=timezone.now(), local_date=hospital_today(), overall=5, comment="很好"
    )
    body = client_for(scenario.office).get(reverse("feedback:list")).content.decode()
    assert f'data-testid="make-case-{low.pk}"' in body and f'data-testid="make-case-{good.pk}"' not in body
    body = client_for(scenario.head_cardio).get(reverse("feedback:list")).content.decode()
    assert f'data-testid="make-case-{low.pk}"' not in body


def test_export_register(scenario, client_for, make_case):
    make_case("closed")
    make_case(department=scenario.ortho, content="骨科投诉")
    response = client_for(scenario.head_cardio).get(reverse("complaints:export"))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0] == (
        "序号",
        "编号",
        "类型",
        "来源",
        "科室",
        "人员",
        "内容摘要",
        "受理日期",
        "时限",
        "状态",
        "办结日期",
        "处理结果",
        "满意度",
    )
    assert len(rows) == 2  # the head's own department only
    assert rows[1][1].startswith("TS-") and rows[1][9] == str(CaseState.CLOSED.label)
    assert rows[1][12] == str(Satisfaction.SATISFIED.label)


def test_evidence_file_access(scenario, client_for, make_case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = services.case_intake(
        by=scenario.office,
        kind="complaint",
        source="letter",
        department=scenario.cardio,
        content="来信",
        evidence=[SimpleUploadedFile("来信.pdf", b"%PDF-1.4 x")],
    )
    evidence = case.evidence.get()
    url = reverse("complaints:evidence", args=[evidence.pk])
    assert client_for(scenario.head_cardio).get(url).status_code == 200
    assert client_for(scenario.head_ortho).get(url).status_code == 404


@pytest.mark.parametrize("action", ["reply", "close", "return", "extend", "score", "item"])
def test_office_only_steps_are_403_for_the_head(scenario, client_for, make_case, action):
    case = make_case("handling")
    response = client_for(scenario.head_cardio).post(act(case, action), {f"{action}-version": case.version})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.version == 3 and case.state == "handling"


def test_menu_entry_only_for_those_who_read_cases(scenario, client_for):
    assert 'href="/complaints/"' in client_for(scenario.office).get("/").content.decode()
    assert 'href="/complaints/"' in client_for(scenario.head_cardio).get("/").content.decode()
    assert 'href="/complaints/"' not in client_for(scenario.employee).get("/").content.decode()
    assert 'href="/complaints/"' not in client_for(scenario.inspector).get("/").content.decode()


def test_return_and_extend_through_the_page(scenario, client_for, make_case):
    case = make_case("replied")
    client = client_for(scenario.office)
    response = client.post(act(case, "return"), {"return-version": case.version, "return-reason": "患者不认可答复"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "handling"
    new_deadline = case.deadline + timedelta(days=5)
    response = client.post(
        act(case, "extend"),
        {"extend-version": case.version, "extend-deadline": new_deadline.isoformat(), "extend-reason": "需补充调查"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.deadline == new_deadline
    response = client.post(act(case, "extend"), {"extend-version": case.version, "extend-reason": ""})
    assert response.status_code == 400
