"""The plan pages: list, create, edit (with the stale-version conflict), the rectification codes
partial — and who may open them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from wenming.core.models import AuditEntry
from wenming.inspections.models import InspectionPlan
from wenming.inspections.services import plan_create, plan_update
from wenming.org.models import Department

LIST = "/inspections/plans/"
NEW = "/inspections/plans/new/"
CODES = "/inspections/plans/codes/"


@pytest.fixture
def plan(scenario, month):
    return plan_create(
        by=scenario.office,
        name="每周拉网巡查",
        standard=month,
        departments=[scenario.cardio, scenario.ward],
        inspectors=[scenario.inspector],
        rectify_codes=["C1"],
        rectify_days=7,
    )


def form_data(scenario, **changes) -> dict:
    data = {
        "name": "夜间巡查",
        "standard": "WMKS-M-2026",
        "frequency": "weekly",
        "departments": ["D01", "D02"],
        "inspectors": [str(scenario.inspector.pk)],
        "rectify_codes": ["C1", "E1"],
        "rectify_days": "5",
        "active": "on",
    }
    data.update(changes)
    return data


def test_anonymous_people_are_sent_to_log_in(scenario, plan, client):
    for url in (LIST, NEW, f"{LIST}{plan.pk}/", CODES):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.parametrize("who", ["employee", "head_cardio", "inspector", "leader"])
def test_others_get_403(scenario, plan, client_for, who):
    client = client_for(getattr(scenario, who))
    for url in (LIST, NEW, f"{LIST}{plan.pk}/", CODES):
        assert client.get(url).status_code == 403, url
    assert client.post(NEW, form_data(scenario)).status_code == 403
    assert client.post(f"{LIST}{plan.pk}/", form_data(scenario, version="1")).status_code == 403
    assert InspectionPlan.objects.get().name == "每周拉网巡查"


def test_list_shows_the_plans(scenario, plan, client_for):
    response = client_for(scenario.office).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "每周拉网巡查" in body and "WMKS-M-2026" in body and "督查员" in body
    assert f'href="{LIST}{plan.pk}/"' in body
    assert client_for(scenario.sysadmin).get(LIST).status_code == 200


def test_empty_list(scenario, client_for):
    body = client_for(scenario.office).get(LIST).content.decode()
    assert 'data-testid="no-plans"' in body


def test_list_query_count_is_constant(scenario, month, plan, client_for):
    client = client_for(scenario.office)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for i in range(6):
        plan_create(
            by=scenario.office,
            name=f"计划{i}",
            standard=month,
            departments=[scenario.ortho],
            inspectors=[scenario.inspector],
        )
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)


def test_create(scenario, month, client_for):
    client = client_for(scenario.office)
    page = client.get(NEW)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="D0101"' in body and 'value="D09"' in body  # every active department
    assert f'value="{scenario.inspector.pk}"' in body and f'value="{scenario.employee.pk}"' not in body
    assert 'name="rectify_codes" value="C1"' in body  # the codes of the first standard
    response = client.post(NEW, form_data(scenario))
    assert response.status_code == 302 and response["Location"] == LIST
    plan = InspectionPlan.objects.get()
    assert plan.name == "夜间巡查" and plan.rectify_codes == ["C1", "E1"] and plan.rectify_days == 5
    assert {d.code for d in plan.departments.all()} == {"D01", "D02"}
    assert list(plan.inspectors.all()) == [scenario.inspector]
    assert AuditEntry.objects.filter(action="inspections.plan.created").count() == 1


def test_create_errors_keep_what_was_typed(scenario, month, client_for):
    client = client_for(scenario.office)
    with translation.override("en"):
        response = client.post(
            NEW,
            form_data(scenario, name="保留的名称", rectify_days="0", departments=["D02"]),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="保留的名称"' in body
    assert 'value="D02" id="dept-D02" checked' in body
    assert 'value="C1" id="code-C1" checked' in body
    assert not InspectionPlan.objects.exists()


def test_a_rectification_code_of_another_standard_is_refused_beside_the_field(scenario, month, client_for):
    client = client_for(scenario.office)
    with translation.override("en"):
        response = client.post(NEW, form_data(scenario, rectify_codes=["C1", "Q9"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].errors["rectify_codes"]
    assert not InspectionPlan.objects.exists()


def test_edit(scenario, plan, client_for):
    client = client_for(scenario.office)
    page = client.get(f"{LIST}{plan.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="每周拉网巡查"' in body and 'value="D0101" id="dept-D0101" checked' in body
    assert 'value="C1" id="code-C1" checked' in body
    response = client.post(f"{LIST}{plan.pk}/", form_data(scenario, version="1", active=""))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.name == "夜间巡查" and not plan.active and plan.version == 2
    assert client.get(f"{LIST}999/").status_code == 404


def test_a_stale_edit_shows_the_conflict_and_keeps_what_was_typed(scenario, plan, client_for):
    client = client_for(scenario.office)
    # Someone else saves first.
    plan_update(
        by=scenario.sysadmin,
        plan=plan,
        expected_version=1,
        name="别人改的名字",
        standard=plan.standard,
        departments=[scenario.ortho],
        inspectors=[scenario.inspector],
        frequency="monthly",
        active=True,
        rectify_codes=[],
        rectify_days=3,
    )
    response = client.post(f"{LIST}{plan.pk}/", form_data(scenario, name="我输入的名字", version="1"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="conflict"' in body
    assert "别人改的名字" in body and "骨科" in body  # what is stored now
    assert 'value="我输入的名字"' in body  # what was typed
    assert InspectionPlan.objects.get().name == "别人改的名字"
    # Saving again deliberately replaces the stored values.
    response = client.post(f"{LIST}{plan.pk}/", form_data(scenario, name="我输入的名字", version="2"))
    assert response.status_code == 302
    assert InspectionPlan.objects.get().name == "我输入的名字"


def test_codes_partial_follows_the_standard(scenario, month, client_for):
    client = client_for(scenario.office)
    response = client.get(CODES, {"standard": "WMKS-M-2026", "rectify_codes": ["E1"]})
    body = response.content.decode()
    assert 'name="rectify_codes" value="E1" id="code-E1" checked' in body
    assert 'value="C1" id="code-C1">' in body
    assert "<html" not in body
    with translation.override("en"):
        unknown = client.get(CODES, {"standard": "nope"}, HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 200 and 'name="rectify_codes"' not in unknown.content.decode()


def test_departments_that_became_inactive_stay_visible_in_the_plan(scenario, plan, client_for):
    Department.objects.filter(pk=scenario.ward.pk).update(is_active=False)
    body = client_for(scenario.office).get(f"{LIST}{plan.pk}/").content.decode()
    assert 'value="D0101" id="dept-D0101" checked' in body
