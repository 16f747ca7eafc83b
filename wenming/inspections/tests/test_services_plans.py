"""plan_create / plan_update: who may, what is checked, the version check, the audit entries."""

from __future__ import annotations

import pytest
from django.utils import translation

from wenming.core.models import AuditEntry
from wenming.inspections.models import InspectionPlan
from wenming.inspections.services import InspectionError, PlanConflict, plan_create, plan_update
from wenming.org.models import Role, RoleAssignment
from wenming.org.tests.factories import UserFactory
from wenming.standards.models import Standard


def create(scenario, month, **changes):
    values = {
        "by": scenario.office,
        "name": "每周拉网巡查",
        "standard": month,
        "departments": [scenario.ward, scenario.ortho],
        "inspectors": [scenario.inspector],
        "frequency": "weekly",
        "rectify_codes": ["E1", "C1"],
        "rectify_days": 5,
    }
    values.update(changes)
    return plan_create(**values)


def update(plan, by, **changes):
    values = {
        "by": by,
        "plan": plan,
        "expected_version": plan.version,
        "name": plan.name,
        "standard": plan.standard,
        "departments": list(plan.departments.all()),
        "inspectors": list(plan.inspectors.all()),
        "frequency": plan.frequency,
        "active": plan.active,
        "rectify_codes": plan.rectify_codes,
        "rectify_days": plan.rectify_days,
    }
    values.update(changes)
    return plan_update(**values)


def test_create_stores_the_plan_and_audits_it(scenario, month):
    plan = create(scenario, month)
    assert plan.version == 1 and plan.active
    assert set(plan.departments.all()) == {scenario.ward, scenario.ortho}
    assert list(plan.inspectors.all()) == [scenario.inspector]
    assert plan.rectify_codes == ["C1", "E1"]  # in the standard's order
    assert plan.rectify_days == 5 and plan.created_by == scenario.office
    entry = AuditEntry.objects.get(action="inspections.plan.created")
    assert entry.actor == scenario.office
    assert entry.data["departments"] == ["D0101", "D02"]
    assert entry.data["inspectors"] == ["inspector"]
    assert entry.data["rectify_codes"] == ["C1", "E1"]


@pytest.mark.parametrize("who", ["inspector", "leader", "head_cardio", "employee"])
def test_only_the_office_and_admins_manage_plans(scenario, month, who):
    with pytest.raises(InspectionError):
        create(scenario, month, by=getattr(scenario, who))
    assert not InspectionPlan.objects.exists()
    assert create(scenario, month, by=scenario.sysadmin).pk


def test_every_problem_is_reported_by_field(scenario, month):
    scenario.ortho.is_active = False
    scenario.ortho.save()
    with translation.override("en"), pytest.raises(InspectionError) as caught:
        create(
            scenario,
            month,
            name="  ",
            departments=[scenario.ortho],
            inspectors=[scenario.employee],
            frequency="daily",
            rectify_codes=["C1", "A1", "F1", "ZZ"],
            rectify_days=0,
        )
    errors = caught.value.message_dict
    assert set(errors) == {"name", "departments", "inspectors", "frequency", "rectify_codes", "rectify_days"}
    assert errors["rectify_codes"] == ["These are not deductions of WMKS-M-2026: A1, F1, ZZ."]
    assert "骨科" in errors["departments"][0]
    assert "郑爽" in errors["inspectors"][0]
    assert not InspectionPlan.objects.exists()


def test_a_standard_scoring_staff_is_refused(scenario, month):
    ethics = Standard.objects.filter(subject="staff").first()
    with pytest.raises(InspectionError) as caught:
        create(scenario, month, standard=ethics, rectify_codes=[])
    assert set(caught.value.message_dict) == {"standard"}


def test_update_changes_and_audits_only_what_changed(scenario, month):
    plan = create(scenario, month)
    second = UserFactory(username="inspector2")
    RoleAssignment.objects.create(user=second, role=Role.INSPECTOR)
    saved = update(plan, scenario.office, name="夜间巡查", inspectors=[scenario.inspector, second], rectify_codes=[])
    assert saved.version == 2 and saved.name == "夜间巡查" and saved.rectify_codes == []
    assert set(saved.inspectors.all()) == {scenario.inspector, second}
    entry = AuditEntry.objects.get(action="inspections.plan.changed")
    assert entry.data == {
        "name": ["每周拉网巡查", "夜间巡查"],
        "inspectors": [["inspector"], ["inspector", "inspector2"]],
        "rectify_codes": [["C1", "E1"], []],
    }


def test_saving_nothing_new_writes_nothing(scenario, month):
    plan = create(scenario, month)
    saved = update(plan, scenario.office)
    assert saved.version == 1
    assert not AuditEntry.objects.filter(action="inspections.plan.changed").exists()


def test_a_stale_version_is_refused_and_nothing_is_written(scenario, month):
    plan = create(scenario, month)
    update(plan, scenario.office, name="第一次保存")
    stale = InspectionPlan.objects.get(pk=plan.pk)
    stale.version = 1
    with pytest.raises(PlanConflict):
        update(stale, scenario.office, name="第二次保存", expected_version=1)
    assert InspectionPlan.objects.get(pk=plan.pk).name == "第一次保存"
    assert AuditEntry.objects.filter(action="inspections.plan.changed").count() == 1


def test_a_department_that_became_inactive_may_stay(scenario, month):
    plan = create(scenario, month)
    scenario.ortho.is_active = False
    scenario.ortho.save()
    saved = update(plan, scenario.office, name="保留停用科室")
    assert scenario.ortho in saved.departments.all()
    with pytest.raises(InspectionError):  # but a new inactive one cannot be added
        scenario.cardio.is_active = False
        scenario.cardio.save()
        update(saved, scenario.office, departments=[scenario.ward, scenario.ortho, scenario.cardio])


def test_departments_the_standard_does_not_score_are_refused(scenario, month):
    from pathlib import Path

    from wenming.standards.services import standard_import

    text = (Path(__file__).resolve().parents[2] / "standards" / "examples" / "wmks-month.yaml").read_text("utf-8")
    text = text.replace("code: WMKS-M-2026", "code: WMKS-CLIN").replace(
        "cycle: month", "cycle: month\napplies_to: [clinical]"
    )
    standard_import(text=text)
    clinical_only = Standard.objects.get(code="WMKS-CLIN")
    with pytest.raises(InspectionError) as caught:
        create(scenario, month, standard=clinical_only, departments=[scenario.ward, scenario.office_dept])
    assert set(caught.value.message_dict) == {"departments"}
    assert "院办公室" in caught.value.message_dict["departments"][0]
    assert create(scenario, month, standard=clinical_only, departments=[scenario.ward]).standard == clinical_only
