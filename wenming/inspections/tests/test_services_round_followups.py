"""What submitting a round sets off: rectification items for the plan's codes, the heads' notification;
and the round note, per-finding errors and responsible people in post."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from wenming.inspections.models import InspectionPlan, InspectionRound
from wenming.inspections.services import InspectionError, appeal_deadline, round_submit
from wenming.notifications.kinds import describe
from wenming.notifications.models import Notification
from wenming.org.models import Role, RoleAssignment
from wenming.org.selectors import hospital_today
from wenming.org.tests.factories import StaffFactory, UserFactory
from wenming.rectification.models import RectificationItem
from wenming.scoring.models import Record

from .images import upload


@pytest.fixture
def plan(scenario, month):
    plan = InspectionPlan.objects.create(
        name="每周拉网巡查", standard=month, rectify_codes=["C1", "E1"], rectify_days=5
    )
    plan.departments.set([scenario.cardio, scenario.ward, scenario.ortho])
    return plan


def submit(scenario, month, plan, *, token="tok-1", department=None, findings=None, **kwargs):
    return round_submit(
        client_token=token,
        department=department or scenario.ward,
        inspector=scenario.inspector,
        standard=month,
        plan=plan,
        findings=findings
        if findings is not None
        else [
            {"code": "C1", "count": 1, "note": "3床家属反映护士态度生硬", "responsible": scenario.employee_staff},
            {"code": "D1a", "count": 2, "note": "两人未佩戴工作牌"},
        ],
        by=scenario.inspector,
        **kwargs,
    )


# --- Rectification items ------------------------------------------------------------------------


def test_a_listed_code_opens_a_rectification_item(scenario, month, plan):
    inspection_round = submit(scenario, month, plan)
    item = RectificationItem.objects.get()
    c1 = inspection_round.findings.get(code="C1")
    assert item.finding == c1.record
    assert item.department == scenario.ward
    assert item.source == "finding"
    assert item.problem == "服务态度生硬被投诉并查实（每起）\n3床家属反映护士态度生硬"
    assert item.deadline == hospital_today() + timedelta(days=5)
    assert item.responsible == scenario.employee_staff
    assert item.created_by == scenario.inspector
    assert item.state == "listed"


def test_codes_not_listed_open_nothing(scenario, month, plan):
    submit(scenario, month, plan, findings=[{"code": "D1a", "count": 1}, {"code": "B1", "count": 2}])
    assert not RectificationItem.objects.exists()


def test_without_a_plan_nothing_is_opened(scenario, month):
    submit(scenario, month, None)
    assert not RectificationItem.objects.exists()


def test_a_finding_without_note_or_responsible_opens_an_item_too(scenario, month, plan):
    submit(scenario, month, plan, findings=[{"code": "E1", "count": 1}])
    item = RectificationItem.objects.get()
    assert item.problem == "科室环境脏乱（每次巡查）"
    assert item.responsible is None


def test_submitting_again_opens_no_second_item_and_notifies_once(scenario, month, plan):
    first = submit(scenario, month, plan)
    again = submit(scenario, month, plan)
    assert again.pk == first.pk
    assert RectificationItem.objects.count() == 1
    assert Notification.objects.filter(kind="inspections.round.findings").count() == 1


def test_a_refused_item_refuses_the_whole_round(scenario, month, plan, monkeypatch):
    from wenming.inspections.services import rounds as services
    from wenming.rectification.services import RectificationError

    def refuse(**kwargs):
        raise RectificationError("no")

    monkeypatch.setattr(services, "item_open", refuse)
    with pytest.raises(InspectionError):
        submit(scenario, month, plan)
    assert not InspectionRound.objects.exists()
    assert not Record.objects.exists()


# --- Notifications ------------------------------------------------------------------------------


def test_the_heads_of_the_department_are_notified(scenario, month, plan):
    inspection_round = submit(scenario, month, plan)
    note = Notification.objects.get(kind="inspections.round.findings")
    assert note.recipient == scenario.head_cardio  # heads 心血管内科, above the ward
    day = hospital_today()
    assert note.params == {
        "inspector": "督查员",
        "count": "2",
        "department": "心内一病区",
        "date": day.isoformat(),
        "deadline": appeal_deadline(day).isoformat(),
    }
    assert note.department == scenario.ward
    from wenming.scoring.selectors.common import optional_url

    assert note.url == (optional_url("inspections:round_detail", inspection_round.pk) or "")
    with translation.override("en"):
        assert describe(note.kind, note.params).startswith("督查员 recorded 2 findings in 心内一病区 on ")


def test_no_notification_for_a_clean_round(scenario, month, plan):
    submit(scenario, month, plan, findings=[])
    assert not Notification.objects.exists()


def test_an_unannounced_round_does_not_name_the_inspector(scenario, month, plan):
    submit(scenario, month, plan, unannounced=True)
    note = Notification.objects.get(kind="inspections.round.unannounced_findings")
    assert note.recipient == scenario.head_cardio and note.params["inspector"] == ""
    with translation.override("en"):
        assert describe(note.kind, note.params).startswith("An unannounced inspection found 2 problems in")


def test_login_name_when_the_inspector_has_no_staff_record(scenario, month, plan):
    outsider = UserFactory(username="patrol01")
    RoleAssignment.objects.create(user=outsider, role=Role.INSPECTOR)
    round_submit(
        client_token="t-out",
        department=scenario.ortho,
        inspector=outsider,
        standard=month,
        plan=plan,
        findings=[{"code": "D1a", "count": 1}],
        by=outsider,
    )
    note = Notification.objects.get()
    assert note.recipient == scenario.head_ortho and note.params["inspector"] == "patrol01"


# --- The round itself -----------------------------------------------------------------------------


def test_the_round_note_is_kept(scenario, month, plan):
    assert submit(scenario, month, plan, note="  夜间巡查，整体良好  ").note == "夜间巡查，整体良好"


def test_errors_are_keyed_by_the_code_of_the_finding(scenario, month, plan):
    with translation.override("en"), pytest.raises(InspectionError) as caught:
        submit(
            scenario,
            month,
            plan,
            findings=[
                {"code": "C1", "count": 0},
                {"code": "D1a", "count": 1},
                {"code": "E1", "count": 1, "photos": [upload(b"not an image", "x.jpg")]},
            ],
        )
    errors = caught.value.message_dict
    assert set(errors) == {"C1", "E1"}
    assert errors["C1"] == ["The count must be a whole number of at least 1."]
    assert "not a photo" in errors["E1"][0]
    assert not InspectionRound.objects.exists()


def test_a_responsible_person_must_be_in_post(scenario, month, plan):
    left = StaffFactory(staff_no="E0199", name="离职者", department=scenario.ward, status="left")
    with pytest.raises(InspectionError) as caught:
        submit(scenario, month, plan, findings=[{"code": "C1", "count": 1, "responsible": left}])
    assert set(caught.value.message_dict) == {"C1"}
    assert not InspectionRound.objects.exists()


def test_an_inactive_department_gets_a_clear_message(scenario, month, plan):
    scenario.ortho.is_active = False
    scenario.ortho.save()
    with translation.override("en"), pytest.raises(InspectionError) as caught:
        submit(scenario, month, None, department=scenario.ortho)
    assert caught.value.messages == ["骨科 is no longer active and cannot be inspected."]
