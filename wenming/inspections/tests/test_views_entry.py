"""The entry pages: the schedule, the phone round page (plain POST and the JSON answers round.js
gets), the confirmation page — and who may open each."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone, translation

from wenming.inspections.models import InspectionPlan, InspectionRound, Photo, RoundFinding, RoundState
from wenming.inspections.selectors import due_this_week, plan_schedules
from wenming.notifications.models import Notification
from wenming.org.models import Department, Role, RoleAssignment
from wenming.org.selectors import hospital_today
from wenming.org.tests.factories import UserFactory
from wenming.rectification.models import RectificationItem
from wenming.scoring.models import Record

from .images import jpeg_with_gps, upload

HOME = "/inspections/"
NEW = "/inspections/rounds/new/"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def plan(scenario, month):
    plan = InspectionPlan.objects.create(
        name="每周拉网巡查", standard=month, created_by=scenario.office, rectify_codes=["C1"], rectify_days=5
    )
    plan.departments.set([scenario.cardio, scenario.ward, scenario.ortho])
    plan.inspectors.set([scenario.inspector])
    InspectionPlan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - timedelta(days=400))
    plan.refresh_from_db()
    return plan


def round_url(plan, department) -> str:
    return f"{NEW}?plan={plan.pk}&department={department.pk}"


def post_data(plan, department, token="tok-view-1", **fields) -> dict:
    data = {"plan": plan.pk, "department": department.pk, "client_token": token, "started_at": ""}
    data.update(fields)
    return data


def make_round(scenario, month, department, day, token):
    return InspectionRound.objects.create(
        standard=month,
        department=department,
        inspector=scenario.inspector,
        date=day,
        state=RoundState.SUBMITTED,
        client_token=token,
    )


# --- Who may open what ------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(scenario, plan, client):
    for url in (HOME, NEW, round_url(plan, scenario.ward), "/inspections/rounds/1/done/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    response = client.post(NEW, post_data(plan, scenario.ward))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not InspectionRound.objects.exists()


def test_an_employee_gets_403(scenario, plan, client_for):
    client = client_for(scenario.employee)
    for url in (HOME, NEW, round_url(plan, scenario.ward)):
        assert client.get(url).status_code == 403, url
    assert client.post(NEW, post_data(plan, scenario.ward)).status_code == 403
    assert not InspectionRound.objects.exists()


@pytest.mark.parametrize("who", ["head_cardio", "leader"])
def test_heads_and_leadership_cannot_record_rounds(scenario, plan, client_for, who):
    client = client_for(getattr(scenario, who))
    assert client.get(round_url(plan, scenario.ward)).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, post_data(plan, scenario.ward, **{"f-C1-count": "1"})).status_code == 403
    assert not InspectionRound.objects.exists()


def test_done_page_is_the_inspectors_own(scenario, plan, month, client_for):
    own = make_round(scenario, month, scenario.ward, hospital_today(), "t1")
    assert client_for(scenario.head_cardio).get(f"/inspections/rounds/{own.pk}/done/").status_code == 403
    assert client_for(scenario.inspector).get("/inspections/rounds/999/done/").status_code == 404
    other = UserFactory(username="inspector2")
    RoleAssignment.objects.create(user=other, role=Role.INSPECTOR)
    assert client_for(other).get(f"/inspections/rounds/{own.pk}/done/").status_code == 404
    # The office may look at any round's summary.
    assert client_for(scenario.office).get(f"/inspections/rounds/{own.pk}/done/").status_code == 200


# --- The schedule -------------------------------------------------------------------------------


def test_schedule_shows_due_and_overdue_departments_with_start_buttons(scenario, plan, month, client_for):
    today = hospital_today()
    make_round(scenario, month, scenario.ward, today, "this-week")
    response = client_for(scenario.inspector).get(HOME)
    assert response.status_code == 200
    body = response.content.decode()
    assert "每周拉网巡查" in body
    assert f'data-testid="start-{plan.pk}-D01"' in body and f'data-testid="start-{plan.pk}-D02"' in body
    assert f'data-testid="start-{plan.pk}-D0101"' not in body  # inspected this week
    assert f'href="{NEW}?plan={plan.pk}&amp;department={scenario.ortho.pk}"' in body
    assert 'data-testid="overdue"' in body  # nothing happened last week
    assert 'data-testid="mine"' in body
    assert "心内一病区" in body  # in "my recent rounds"
    (schedule,) = response.context["schedules"]
    assert [d.code for d in schedule.due] == ["D01", "D02"]
    assert (schedule.done, schedule.total) == (1, 3)


def test_leadership_reads_the_schedule_without_start_buttons(scenario, plan, client_for):
    response = client_for(scenario.leader).get(HOME)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-testid="due-{plan.pk}-D02"' in body
    assert 'data-testid="start-' not in body and 'data-testid="record-round"' not in body
    assert 'data-testid="my-rounds"' not in body


def test_office_sees_the_plans_link_and_an_empty_state(scenario, client_for):
    body = client_for(scenario.office).get(HOME).content.decode()
    assert 'data-testid="no-plans"' in body
    assert 'data-testid="plans-link"' in body
    assert 'data-testid="plans-link"' not in client_for(scenario.inspector).get(HOME).content.decode()


def test_a_department_head_reads_their_departments_rounds(scenario, plan, month, client_for):
    from wenming.inspections.services import round_submit

    ward = round_submit(
        client_token="w1",
        department=scenario.ward,
        inspector=scenario.inspector,
        standard=month,
        findings=[{"code": "D1a", "count": 2, "note": "护士站两人未佩戴工作牌"}],
        by=scenario.inspector,
    )
    round_submit(
        client_token="o1",
        department=scenario.ortho,
        inspector=scenario.inspector,
        standard=month,
        findings=[{"code": "E1", "count": 1, "note": "骨科走廊杂物"}],
        by=scenario.inspector,
    )
    round_submit(
        client_token="w2",
        department=scenario.cardio,
        inspector=scenario.inspector,
        standard=month,
        findings=[],
        unannounced=True,
        by=scenario.inspector,
    )
    response = client_for(scenario.head_cardio).get(HOME)
    assert response.status_code == 200
    body = response.content.decode()
    assert "护士站两人未佩戴工作牌" in body and "未佩戴工作牌（每人次）" in body
    assert "骨科走廊杂物" not in body
    assert f'data-testid="head-round-{ward.pk}"' in body
    assert "−1" in body  # 2 × 0.5 points
    assert "督查员" in body  # the announced round names its inspector
    assert "Start round" not in body and 'data-testid="start-' not in body
    # The unannounced round does not say who inspected.
    unannounced = [r for r in response.context["head_rounds"] if r.unannounced]
    assert len(unannounced) == 1 and unannounced[0].show_inspector is False
    assert client_for(scenario.head_ortho).get(HOME).content.decode().count("head-round-") == 1


def test_schedule_matches_the_selector(scenario, plan, month):
    """plan_schedules gives what selectors.due_this_week gives, for weekly and monthly plans."""
    wednesday = date(2026, 11, 25)
    make_round(scenario, month, scenario.ward, date(2026, 11, 24), "a")
    make_round(scenario, month, scenario.cardio, date(2026, 11, 18), "b")
    make_round(scenario, month, scenario.ortho, date(2026, 11, 2), "c")
    monthly = InspectionPlan.objects.create(name="月度", standard=month, frequency="monthly")
    monthly.departments.set([scenario.cardio, scenario.ward, scenario.ortho])
    InspectionPlan.objects.filter(pk=monthly.pk).update(created_at=timezone.now() - timedelta(days=400))
    fresh = InspectionPlan.objects.create(name="新计划", standard=month)
    fresh.departments.set([scenario.ortho])
    plans = list(InspectionPlan.objects.order_by("pk"))
    for row in plan_schedules(plans=plans, today=wednesday):
        expected = due_this_week(plan=row.plan, today=wednesday)
        assert sorted(d.pk for d in row.due) == sorted(d.pk for d in expected.due), row.plan.name
        assert row.overdue == {d.pk for d in expected.overdue}, row.plan.name
        assert (row.start, row.end) == (expected.start, expected.end)


def test_schedule_query_count_is_constant(scenario, plan, month, client_for, django_assert_max_num_queries):
    client = client_for(scenario.inspector)
    client.get(HOME)  # warm the caches (hospital, session)

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME).status_code == 200
        return len(captured)

    few = queries()
    # Session, account, access (3), the plans, their departments, the rounds of their periods, the
    # person's plans, their recent rounds, the menu's staff lookup, the session save (3).
    assert few <= 14
    Department.objects.bulk_create(
        [Department(code=f"G{i:03d}", name=f"科室{i}", category="clinical", path=f"G{i:03d}/") for i in range(30)]
    )
    for i in range(5):
        extra = InspectionPlan.objects.create(name=f"计划{i}", standard=month)
        extra.departments.set(Department.objects.filter(code__startswith="G"))
        extra.inspectors.set([scenario.inspector])
    for i in range(8):
        make_round(scenario, month, Department.objects.get(code=f"G{i:03d}"), hospital_today(), f"g{i}")
    assert queries() == few
    with django_assert_max_num_queries(few):
        client.get(HOME)


def test_head_schedule_query_count_is_constant(scenario, month, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wenming.inspections.services import round_submit

    client = client_for(scenario.head_cardio)
    client.get(HOME)

    def add(n):
        for _ in range(n):
            round_submit(
                client_token=f"h{InspectionRound.objects.count()}",
                department=scenario.ward,
                inspector=scenario.inspector,
                standard=month,
                findings=[{"code": "D1a", "count": 1}, {"code": "E1", "count": 1}],
                by=scenario.inspector,
            )

    add(1)
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    add(6)
    with CaptureQueriesContext(connection) as many:
        client.get(HOME)
    assert len(many) == len(few) <= 12  # 10 and the findings, the standards


# --- The round page -----------------------------------------------------------------------------


def test_round_page_shows_the_grouped_checklist_with_a_token(scenario, plan, client_for):
    response = client_for(scenario.inspector).get(round_url(plan, scenario.ward))
    assert response.status_code == 200
    body = response.content.decode()
    token = re.search(r'name="client_token" value="([0-9a-f]{32})"', body)
    assert token is not None
    assert "inspections/round.js" in body
    # Grouped by the item holding the deductions, with the points per occurrence.
    assert 'data-testid="group-D1"' in body and "亮牌上岗、公开承诺" in body and "文明优质服务" in body
    assert 'name="f-D1a-count"' in body and "未佩戴工作牌（每人次）" in body and "−0.5" in body
    assert 'name="f-D1a-photos" accept="image/*" capture="environment" multiple' in body
    assert 'name="f-D1a-note"' in body and 'name="f-D1a-responsible" list="round-staff"' in body
    assert 'name="unannounced"' in body and 'name="note"' in body
    assert '<option value="E0102">郑爽</option>' in body  # staff of the ward, in post
    assert "E0201" not in body  # not 骨科's
    assert "F1" not in re.findall(r'name="f-(\w+)-count"', body)  # bonuses and vetoes are no findings
    assert len(re.findall(r'name="f-\w+-count"', body)) == 18
    # A second visit is another round.
    again = client_for(scenario.inspector).get(round_url(plan, scenario.ward)).content.decode()
    assert token.group(1) not in again
    # The translated sentences round.js shows come from the page.
    assert 'data-msg-offline="' in body and "data-msg-photos" in body
    assert "继续上次未提交的巡查" in body or "Continue the unsubmitted round" in body


def test_round_page_is_light(scenario, plan, client_for):
    """The round page of the 18-deduction monthly standard stays small (reported in the notes)."""
    body = client_for(scenario.inspector).get(round_url(plan, scenario.ward)).content
    assert len(body) < 40_000, len(body)


def test_round_js_exists_and_is_referenced():
    path = finders.find("inspections/round.js")
    assert path is not None
    text = Path(path).read_text(encoding="utf-8")
    for needed in ("localStorage", "indexedDB", "FormData", "application/json", '"online"', "client_token"):
        assert needed in text, needed
    assert not re.search(r"[\u4e00-\u9fff]", text)  # every sentence comes from the template


def test_pickers_when_plan_or_department_is_missing(scenario, plan, client_for):
    client = client_for(scenario.inspector)
    body = client.get(NEW).content.decode()
    assert f'data-testid="pick-plan-{plan.pk}"' in body
    body = client.get(f"{NEW}?plan={plan.pk}").content.decode()
    assert 'data-testid="pick-D02"' in body and f"department={scenario.ortho.pk}" in body
    assert client.get(f"{NEW}?plan=9999").status_code == 404
    assert client.get(f"{NEW}?plan=x").status_code == 404
    assert client.get(f"{NEW}?plan={plan.pk}&department=9999").status_code == 404
    plan.active = False
    plan.save()
    assert client.get(f"{NEW}?plan={plan.pk}").status_code == 404


def test_an_inactive_department_or_one_outside_the_plan_is_explained(scenario, plan, client_for):
    client = client_for(scenario.inspector)
    with translation.override("en"):
        response = client.get(round_url(plan, scenario.office_dept), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'data-testid="refused"' in response.content.decode()
    scenario.ortho.is_active = False
    scenario.ortho.save()
    body = client.get(round_url(plan, scenario.ortho)).content.decode()
    assert 'data-testid="refused"' in body and "骨科" in body


def test_plain_post_records_the_round_with_a_photo(scenario, plan, client_for, settings):
    client = client_for(scenario.inspector)
    data = post_data(
        plan,
        scenario.ward,
        unannounced="1",
        note="夜查房",
        **{
            "f-D1a-count": "2",
            "f-D1a-note": "两人未佩戴工作牌",
            "f-D1a-responsible": "E0102",
            "f-D1a-photos": [upload(jpeg_with_gps(), "IMG_1.jpg")],
            "f-E1-count": "0",
        },
    )
    response = client.post(NEW, data)
    inspection_round = InspectionRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/inspections/rounds/{inspection_round.pk}/done/"
    assert inspection_round.unannounced and inspection_round.note == "夜查房"
    assert inspection_round.plan == plan and inspection_round.department == scenario.ward
    finding = RoundFinding.objects.get()
    assert (finding.code, finding.count, finding.note, finding.responsible) == (
        "D1a",
        2,
        "两人未佩戴工作牌",
        scenario.employee_staff,
    )
    assert Photo.objects.get().finding == finding
    # The summary page.
    done = client.get(response["Location"])
    body = done.content.decode()
    assert done.status_code == 200
    assert 'data-testid="finding-count">1<' in body
    assert 'data-testid="points">−1<' in body
    assert 'data-testid="photo-count">1<' in body
    assert 'data-testid="unannounced"' in body
    assert 'data-testid="next-round"' in body and "心血管内科" in body  # the next department due


def test_posting_twice_makes_one_round(scenario, plan, client_for):
    client = client_for(scenario.inspector)
    data = post_data(plan, scenario.ward, **{"f-C1-count": "1"})
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert InspectionRound.objects.count() == 1 and Record.objects.count() == 1
    assert RectificationItem.objects.count() == 1
    third = client.post(NEW, data, **JSON)
    assert third.status_code == 200
    assert third.json() == {
        "ok": True,
        "round": InspectionRound.objects.get().pk,
        "url": first["Location"],
    }
    assert InspectionRound.objects.count() == 1


def test_a_non_image_comes_back_beside_its_finding_with_everything_typed(scenario, plan, client_for):
    client = client_for(scenario.inspector)
    data = post_data(
        plan,
        scenario.ward,
        note="整体良好",
        unannounced="1",
        **{
            "f-D1a-count": "3",
            "f-D1a-note": "三人未佩戴",
            "f-E1-count": "1",
            "f-E1-note": "走廊杂物",
            "f-E1-photos": [upload(b"this is not a picture", "fake.jpg")],
        },
    )
    with translation.override("en"):
        response = client.post(NEW, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert not InspectionRound.objects.exists() and not Photo.objects.exists()
    body = response.content.decode()
    error = re.search(r'data-error-for="E1"[^>]*>([^<]*)<', body).group(1)
    assert "not a photo" in error or "照片" in error
    assert re.search(r'data-error-for="D1a"[^>]*>\s*<', body)  # nothing wrong there
    assert 'name="f-D1a-count" id="f-D1a-count" value="3"' in body
    assert "三人未佩戴" in body and "走廊杂物" in body and "整体良好" in body
    assert 'id="round-unannounced" checked' in body
    assert 'value="tok-view-1"' in body  # the same round when sent again
    assert 'data-testid="round-invalid"' in body  # says the photos must be chosen again
    assert "choose the photos again" in body or "重新选择" in body


@pytest.mark.parametrize(
    ("count", "fragment"),
    [("x", "whole number"), ("-1", "whole number"), ("1.5", "whole number"), ("100001", "at most")],
)
def test_bad_counts_are_refused_beside_the_finding(scenario, plan, client_for, count, fragment):
    client = client_for(scenario.inspector)
    with translation.override("en"):
        response = client.post(NEW, post_data(plan, scenario.ward, **{"f-C1-count": count}), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert fragment in re.search(r'data-error-for="C1"[^>]*>([^<]*)<', body).group(1)
    assert f'name="f-C1-count" id="f-C1-count" value="{count}"' in body
    assert not InspectionRound.objects.exists()


def test_json_errors_are_keyed_by_code(scenario, plan, client_for):
    client = client_for(scenario.inspector)
    data = post_data(
        plan,
        scenario.ward,
        **{
            "f-C1-count": "0",
            "f-C1-note": "有备注但没有次数",
            "f-E1-count": "1",
            "f-E1-photos": [upload(b"GIF89a not really", "x.jpg")],
            "f-D1a-count": "1",
            "f-D1a-responsible": "E0201",  # 骨科's head: not of the ward
        },
    )
    response = client.post(NEW, data, **JSON)
    assert response.status_code == 400
    answer = response.json()
    assert answer["ok"] is False
    assert set(answer["errors"]) == {"C1", "D1a"}  # the form's own checks come first
    assert not InspectionRound.objects.exists()
    del data["f-C1-note"]
    data["f-D1a-responsible"] = ""
    data["f-E1-photos"] = [upload(b"GIF89a not really", "x.jpg")]
    answer = client.post(NEW, data, **JSON).json()
    assert set(answer["errors"]) == {"E1"}  # then the service's (the photo)
    assert not InspectionRound.objects.exists()


def test_json_success_answers_the_summary_url(scenario, plan, client_for):
    client = client_for(scenario.inspector)
    response = client.post(NEW, post_data(plan, scenario.ward, **{"f-E1-count": "1"}), **JSON)
    assert response.status_code == 200
    inspection_round = InspectionRound.objects.get()
    assert response.json() == {
        "ok": True,
        "round": inspection_round.pk,
        "url": f"/inspections/rounds/{inspection_round.pk}/done/",
    }


def test_submitting_for_an_inactive_department_says_so(scenario, plan, client_for):
    client = client_for(scenario.inspector)
    scenario.ortho.is_active = False
    scenario.ortho.save()
    with translation.override("en"):
        response = client.post(
            NEW, post_data(plan, scenario.ortho, **{"f-C1-count": "1"}), HTTP_ACCEPT_LANGUAGE="en", **JSON
        )
    assert response.status_code == 400
    assert response.json()["messages"] == ["骨科 is no longer active and cannot be inspected."]
    assert not InspectionRound.objects.exists()


def test_a_missing_token_is_refused(scenario, plan, client_for):
    response = client_for(scenario.inspector).post(NEW, post_data(plan, scenario.ward, token=""), **JSON)
    assert response.status_code == 400
    assert response.json()["messages"]
    assert not InspectionRound.objects.exists()


def test_submission_opens_rectification_and_notifies_the_heads(scenario, plan, client_for):
    client = client_for(scenario.inspector)
    client.post(
        NEW,
        post_data(plan, scenario.ward, **{"f-C1-count": "1", "f-C1-note": "态度生硬", "f-E1-count": "1"}),
    )
    item = RectificationItem.objects.get()
    assert item.department == scenario.ward and item.source == "finding"
    assert item.deadline == hospital_today() + timedelta(days=5)
    notes = Notification.objects.filter(kind="inspections.round.findings")
    assert {n.recipient for n in notes} == {scenario.head_cardio}
    body = client.get(f"/inspections/rounds/{InspectionRound.objects.get().pk}/done/").content.decode()
    assert 'data-testid="items-opened"' in body


def test_a_clean_round_is_summarised_too(scenario, plan, client_for):
    client = client_for(scenario.inspector)
    response = client.post(NEW, post_data(plan, scenario.ortho), follow=True)
    body = response.content.decode()
    assert 'data-testid="finding-count">0<' in body
    assert not Notification.objects.exists()
    # 骨科 is done; the next due is another department of the plan.
    assert 'data-testid="next-round"' in body


def test_get_json_is_not_confused_with_submission(scenario, plan, client_for):
    response = client_for(scenario.inspector).get(round_url(plan, scenario.ward), **JSON)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_a_plan_made_inactive_after_the_page_opened_is_explained(scenario, plan, client_for):
    plan.active = False
    plan.save()
    with translation.override("en"):
        response = client_for(scenario.inspector).post(
            NEW, post_data(plan, scenario.ward, **{"f-C1-count": "1"}), HTTP_ACCEPT_LANGUAGE="en", **JSON
        )
    assert response.status_code == 400
    assert response.json()["messages"] == ["This inspection plan is not active for WMKS-M-2026."]
    assert not InspectionRound.objects.exists()


@pytest.mark.parametrize("started_at", ["", "garbage", "2026-13-45T10:00:00", "2026-11-23T08:30:00"])
def test_started_at_is_taken_when_it_is_a_moment(scenario, plan, client_for, started_at):
    client = client_for(scenario.inspector)
    response = client.post(NEW, post_data(plan, scenario.ward, started_at=started_at))
    assert response.status_code == 302
    stored = InspectionRound.objects.get().started_at
    assert (stored is not None) == (started_at == "2026-11-23T08:30:00")
