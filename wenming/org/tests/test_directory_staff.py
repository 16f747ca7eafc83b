"""Staff pages: list and live search, export, one staff member, create/edit, login accounts."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.core.models import AuditEntry
from wenming.org import services
from wenming.org.access import access_for
from wenming.org.models import PartyOrganization, Role, RoleAssignment, Staff
from wenming.org.tests.factories import StaffFactory
from wenming.org.tests.test_directory_departments import grow_hospital


def _numbers(response) -> list[str]:
    return [s.staff_no for s in response.context["staff_rows"]]


# --- List and search --------------------------------------------------------------------------


@pytest.mark.django_db
def test_office_lists_everyone_in_post_by_staff_number(scenario, client_for):
    StaffFactory(staff_no="E0999", name="离职者", department=scenario.ortho, status="left")
    response = client_for(scenario.office).get("/org/staff/")
    assert response.status_code == 200
    assert response.templates[0].name == "org/staff_list.html"
    assert _numbers(response) == ["E0101", "E0102", "E0201", "E9001", "E9002", "E9003"]
    body = response.content.decode()
    assert 'data-testid="staff-create"' in body
    assert "/org/staff/export.xlsx" in body


@pytest.mark.django_db
def test_head_sees_their_departments_staff_including_the_ward(scenario, client_for):
    response = client_for(scenario.head_cardio).get("/org/staff/")
    assert _numbers(response) == ["E0101", "E0102"]
    assert 'data-testid="staff-create"' not in response.content.decode()
    offered = [value for value, _label in response.context["form"].fields["department"].widget.choices]
    assert offered == ["", "D01", "D0101"]


@pytest.mark.django_db
def test_employee_sees_their_own_department_only(scenario, client_for):
    StaffFactory(staff_no="E0103", name="李雷", department=scenario.ward)
    response = client_for(scenario.employee).get("/org/staff/")
    assert _numbers(response) == ["E0102", "E0103"]


@pytest.mark.django_db
def test_other_heads_department_filter_finds_nothing(scenario, client_for):
    response = client_for(scenario.head_ortho).get("/org/staff/", {"department": "D01"})
    assert response.status_code == 200
    assert _numbers(response) == []
    assert "周涛" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("周涛", ["E0101"]),  # name
        ("周", ["E0101"]),
        ("E0102", ["E0102"]),  # 工号
        ("e02", ["E0201"]),
        ("zt", ["E0101"]),  # pinyin initials
        ("ZT", ["E0101"]),
        ("zhout", ["E0101"]),  # full pinyin
        ("zheng shuang", ["E0102"]),
        ("wumin", ["E0201"]),
        ("nobody", []),
    ],
)
def test_search_by_name_staff_number_and_pinyin(scenario, client_for, q, expected):
    assert _numbers(client_for(scenario.office).get("/org/staff/", {"q": q})) == expected


@pytest.mark.django_db
def test_live_search_returns_only_the_results(scenario, client_for):
    response = client_for(scenario.office).get("/org/staff/", {"q": "zt"}, HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "org/_staff_results.html"
    body = response.content.decode()
    assert "<html" not in body
    assert "周涛" in body
    assert "/org/staff/export.xlsx?q=zt" in body
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_search_form_works_without_javascript(scenario, client_for):
    body = client_for(scenario.office).get("/org/staff/", {"q": "zt"}).content.decode()
    assert '<form id="staff-filter"' in body and 'method="get"' in body
    assert 'hx-trigger="keyup changed delay:300ms, search"' in body
    assert 'value="zt"' in body
    assert "周涛" in body and "郑爽" not in body


@pytest.mark.django_db
def test_department_filter_includes_sub_departments(scenario, client_for):
    client = client_for(scenario.office)
    assert _numbers(client.get("/org/staff/", {"department": "D01"})) == ["E0101", "E0102"]
    assert _numbers(client.get("/org/staff/", {"department": "D0101"})) == ["E0102"]


@pytest.mark.django_db
def test_status_and_party_filters(scenario, client_for):
    StaffFactory(staff_no="E0999", name="离职者", department=scenario.ortho, status="left")
    Staff.objects.filter(staff_no="E0201").update(is_party_member=True)
    client = client_for(scenario.office)
    assert _numbers(client.get("/org/staff/", {"status": "left"})) == ["E0999"]
    assert "E0999" in _numbers(client.get("/org/staff/", {"status": "all"}))
    assert _numbers(client.get("/org/staff/", {"party": "yes"})) == ["E0201"]
    assert "E0201" not in _numbers(client.get("/org/staff/", {"party": "no"}))


@pytest.mark.django_db
def test_staff_list_is_paginated_by_fifty(scenario, client_for):
    grow_hospital(scenario, departments=8, staff=120)
    client = client_for(scenario.office)
    first = client.get("/org/staff/")
    assert len(first.context["staff_rows"]) == 50
    assert first.context["page"].paginator.count == 126
    last = client.get("/org/staff/", {"page": 3})
    assert len(last.context["staff_rows"]) == 26
    assert "page=2" in last.content.decode()


@pytest.mark.django_db
def test_staff_list_query_count_does_not_grow_with_staff(scenario, client_for, django_assert_num_queries):
    client = client_for(scenario.office)
    client.get("/org/staff/")
    with CaptureQueriesContext(connection) as small:
        client.get("/org/staff/")
    grow_hospital(scenario, departments=40, staff=300)
    # Every page's 9 (session, user, roles, role departments, own staff record, user.staff in the
    # menu, session save as savepoint/update/release) plus the department choices, the count and the page.
    assert len(small.captured_queries) == 12
    with django_assert_num_queries(12):
        client.get("/org/staff/", {"page": 2})
    with django_assert_num_queries(11):  # the live-search partial has no menu (no user.staff)
        client.get("/org/staff/", {"page": 2}, HTTP_HX_REQUEST="true")
    # A department filter adds one: checking that the chosen department is one the person may see.
    with django_assert_num_queries(13):
        response = client.get("/org/staff/", {"q": "person", "department": "D01", "party": "yes"})
    assert len(response.context["staff_rows"]) == 50


# --- Phones -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_phones_full_for_the_office_masked_for_a_head(scenario, client_for):
    Staff.objects.filter(staff_no="E0102").update(phone="13911112222")
    assert "13911112222" in client_for(scenario.office).get("/org/staff/").content.decode()
    body = client_for(scenario.head_cardio).get("/org/staff/").content.decode()
    assert "13911112222" not in body
    assert "139****2222" in body
    assert "13800138000" in body  # the head's own number


@pytest.mark.django_db
def test_sysadmin_sees_full_phones_and_leader_masked(scenario, client_for):
    assert "13800138000" in client_for(scenario.sysadmin).get("/org/staff/E0102/").content.decode()
    body = client_for(scenario.leader).get("/org/staff/E0102/").content.decode()
    assert "13800138000" not in body and "138****8000" in body


@pytest.mark.django_db
def test_the_person_sees_their_own_phone(scenario, client_for):
    response = client_for(scenario.employee).get("/org/staff/E0102/")
    assert response.context["phone"] == "13800138000"
    head_view = client_for(scenario.head_cardio).get("/org/staff/E0102/")
    assert head_view.context["phone"] == "138****8000"


# --- Export -----------------------------------------------------------------------------------


def _sheet_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.django_db
def test_office_export_has_the_file_format_columns_and_full_phones(scenario, client_for):
    Staff.objects.filter(staff_no="E0102").update(title="护师", post="责任护士", is_party_member=True)
    response = client_for(scenario.office).get("/org/staff/export.xlsx", {"department": "D01"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = _sheet_rows(response)
    assert rows[0] == ("工号", "姓名", "科室编码", "职称", "岗位", "党员", "手机", "科室名称", "状态")
    assert rows[1][:7] == ("E0101", "周涛", "D01", None, None, "否", "13800138000")
    assert rows[2][:8] == ("E0102", "郑爽", "D0101", "护师", "责任护士", "是", "13800138000", "心内一病区")
    assert len(rows) == 3


@pytest.mark.django_db
def test_head_export_is_scoped_and_masked(scenario, client_for):
    Staff.objects.filter(staff_no="E0102").update(phone="13911112222")
    rows = _sheet_rows(client_for(scenario.head_cardio).get("/org/staff/export.xlsx"))
    assert [(r[0], r[6]) for r in rows[1:]] == [("E0101", "13800138000"), ("E0102", "139****2222")]


@pytest.mark.django_db
def test_export_carries_the_search(scenario, client_for):
    rows = _sheet_rows(client_for(scenario.office).get("/org/staff/export.xlsx", {"q": "zt"}))
    assert [r[0] for r in rows[1:]] == ["E0101"]


@pytest.mark.django_db
def test_employee_export_shows_their_own_phone_only(scenario, client_for):
    StaffFactory(staff_no="E0103", name="李雷", department=scenario.ward, phone="13911112222")
    rows = _sheet_rows(client_for(scenario.employee).get("/org/staff/export.xlsx"))
    assert [(r[0], r[6]) for r in rows[1:]] == [("E0102", "13800138000"), ("E0103", "139****2222")]


# --- One staff member -------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_page_shows_details_and_for_the_office_the_account(scenario, client_for):
    branch = PartyOrganization.objects.create(code="P1", name="内科党支部", kind="branch")
    Staff.objects.filter(staff_no="E0101").update(is_party_member=True, party_branch=branch, title="主任医师")
    response = client_for(scenario.office).get("/org/staff/E0101/")
    body = response.content.decode()
    assert "内科党支部" in body and "主任医师" in body and "心血管内科" in body
    assert 'data-testid="account-card"' in body
    assert [a.role for a in response.context["roles"]] == [Role.DEPARTMENT_HEAD]
    assert 'data-testid="staff-edit"' in body


@pytest.mark.django_db
def test_staff_page_hides_the_account_from_heads(scenario, client_for):
    body = client_for(scenario.head_cardio).get("/org/staff/E0102/").content.decode()
    assert 'data-testid="account-card"' not in body
    assert 'data-testid="staff-edit"' not in body


# --- Create and edit --------------------------------------------------------------------------


def _staff_data(**changes):
    data = {
        "name": "王芳",
        "gender": "female",
        "department": "D0101",
        "title": "主管护师",
        "post": "护士",
        "is_party_member": "on",
        "party_branch": "",
        "phone": "13700001111",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_office_adds_a_staff_member(scenario, client_for):
    response = client_for(scenario.office).post("/org/staff/new/", _staff_data(staff_no="E0105"))
    assert response.status_code == 302
    assert response["Location"] == "/org/staff/E0105/"
    staff = Staff.objects.get(staff_no="E0105")
    assert (staff.name_initials, staff.name_pinyin, staff.department_id) == ("wf", "wangfang", scenario.ward.pk)
    entry = AuditEntry.objects.get(action="org.staff.created")
    assert entry.data["phone"] == [None, "137****1111"]


@pytest.mark.django_db
def test_bad_phone_is_refused_and_what_was_typed_stays(scenario, client_for):
    response = client_for(scenario.office).post("/org/staff/new/", _staff_data(staff_no="E0105", phone="12345"))
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    body = response.content.decode()
    assert 'value="王芳"' in body and 'value="12345"' in body and 'value="E0105"' in body
    assert not Staff.objects.filter(staff_no="E0105").exists()


@pytest.mark.django_db
def test_taken_staff_number_is_refused(scenario, client_for):
    response = client_for(scenario.office).post("/org/staff/new/", _staff_data(staff_no="E0102"))
    assert "staff_no" in response.context["form"].errors


def _edit_data(staff, **changes):
    data = {
        "name": staff.name,
        "gender": staff.gender,
        "department": staff.department.code,
        "title": staff.title,
        "post": staff.post,
        "is_party_member": "on" if staff.is_party_member else "",
        "party_branch": staff.party_branch.code if staff.party_branch_id else "",
        "phone": staff.phone,
        "version": staff.version,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_office_edits_a_staff_member_and_the_number_stays(scenario, client_for):
    client = client_for(scenario.office)
    assert "staff_no" not in client.get("/org/staff/E0102/edit/").context["form"].fields
    staff = scenario.employee_staff
    response = client.post("/org/staff/E0102/edit/", _edit_data(staff, name="郑爽爽", staff_no="X1", phone=""))
    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.staff_no, staff.name, staff.name_initials, staff.phone, staff.version) == (
        "E0102",
        "郑爽爽",
        "zss",
        "",
        2,
    )
    entry = AuditEntry.objects.get(action="org.staff.updated")
    assert entry.data == {"name": ["郑爽", "郑爽爽"], "phone": ["138****8000", ""]}


@pytest.mark.django_db
def test_concurrent_staff_edit_keeps_the_other_change_and_what_was_typed(scenario, client_for):
    client = client_for(scenario.office)
    staff = scenario.employee_staff
    assert client.get("/org/staff/E0102/edit/").context["form"]["version"].value() == 1
    services.staff_update(by=scenario.sysadmin, staff=staff, title="主管护师")

    response = client.post("/org/staff/E0102/edit/", _edit_data(staff, title="护士长", version=1))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="conflict"' in body
    assert "主管护师" in body  # stored now
    assert 'value="护士长"' in body  # typed
    assert Staff.objects.get(pk=staff.pk).title == "主管护师"


@pytest.mark.django_db
def test_mark_left_and_reinstate_from_the_edit_page(scenario, client_for):
    client = client_for(scenario.office)
    response = client.post("/org/staff/E0102/edit/", {"action": "mark_left", "left_on": "2026-10-31", "version": 1})
    assert response.status_code == 302
    staff = Staff.objects.select_related("user").get(staff_no="E0102")
    assert (staff.status, str(staff.left_on), staff.user.is_active) == ("left", "2026-10-31", False)
    # Still findable by the office with the "left" filter.
    assert _numbers(client.get("/org/staff/", {"status": "left"})) == ["E0102"]

    stale = client.post("/org/staff/E0102/edit/", {"action": "reinstate", "version": 1}, follow=True)
    assert any(m.level_tag == "error" for m in stale.context["messages"])
    assert Staff.objects.get(staff_no="E0102").status == "left"

    client.post("/org/staff/E0102/edit/", {"action": "reinstate", "version": 2})
    assert Staff.objects.get(staff_no="E0102").status == "active"


# --- Login accounts ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_office_creates_an_account_the_person_can_log_in_with(scenario, client_for, client):
    lonely = StaffFactory(staff_no="E0106", name="孙丽", department=scenario.ortho)
    office = client_for(scenario.office)
    page = office.get("/org/staff/E0106/account/")
    assert page.context["form"].fields["password1"].required
    response = office.post(
        "/org/staff/E0106/account/",
        {"password1": "Ortho-Ward-2026", "password2": "Ortho-Ward-2026", "is_active": "on", "roles": []},
    )
    assert response.status_code == 302
    lonely.refresh_from_db()
    assert lonely.user.username == "E0106"
    client.logout()
    login = client.post("/accounts/login/", {"username": "E0106", "password": "Ortho-Ward-2026"})
    assert login.status_code == 302
    assert "Ortho-Ward-2026" not in str(list(AuditEntry.objects.values_list("data", flat=True)))


@pytest.mark.django_db
def test_weak_or_mismatched_passwords_are_refused(scenario, client_for):
    StaffFactory(staff_no="E0106", name="孙丽", department=scenario.ortho)
    office = client_for(scenario.office)
    weak = office.post("/org/staff/E0106/account/", {"password1": "12345678", "password2": "12345678"})
    assert "password1" in weak.context["form"].errors
    mismatch = office.post("/org/staff/E0106/account/", {"password1": "Ortho-Ward-2026", "password2": "other-2026!"})
    assert "password2" in mismatch.context["form"].errors
    assert Staff.objects.get(staff_no="E0106").user_id is None


@pytest.mark.django_db
def test_office_makes_someone_head_of_a_department(scenario, client_for):
    office = client_for(scenario.office)
    response = office.post(
        "/org/staff/E0102/account/",
        {"is_active": "on", "roles": ["department_head"], "head_departments": ["D0101"]},
    )
    assert response.status_code == 302
    employee = get_user_model().objects.get(username="employee")
    assert access_for(employee).head_paths == ("D01/D0101/",)


@pytest.mark.django_db
def test_head_role_needs_departments(scenario, client_for):
    response = client_for(scenario.office).post(
        "/org/staff/E0102/account/", {"is_active": "on", "roles": ["department_head"]}
    )
    assert "head_departments" in response.context["form"].errors


@pytest.mark.django_db
def test_office_cannot_grant_system_admin_but_sysadmin_can(scenario, client_for):
    office = client_for(scenario.office)
    page = office.get("/org/staff/E0102/account/")
    assert "system_admin" not in dict(page.context["form"].fields["roles"].choices)
    refused = office.post("/org/staff/E0102/account/", {"is_active": "on", "roles": ["system_admin"]})
    assert "roles" in refused.context["form"].errors
    assert not RoleAssignment.objects.filter(user=scenario.employee, role=Role.SYSTEM_ADMIN).exists()

    admin = client_for(scenario.sysadmin)
    assert admin.post("/org/staff/E0102/account/", {"is_active": "on", "roles": ["system_admin"]}).status_code == 302
    scenario.employee.refresh_from_db()
    assert scenario.employee.is_superuser


@pytest.mark.django_db
def test_office_editing_an_admins_account_keeps_the_admin_role(scenario, client_for):
    RoleAssignment.objects.create(user=scenario.employee, role=Role.SYSTEM_ADMIN)
    office = client_for(scenario.office)
    response = office.post("/org/staff/E0102/account/", {"is_active": "on", "roles": ["inspector"]})
    assert response.status_code == 302
    held = set(RoleAssignment.objects.filter(user=scenario.employee).values_list("role", flat=True))
    assert held == {Role.SYSTEM_ADMIN, Role.INSPECTOR}


@pytest.mark.django_db
def test_office_disables_an_account(scenario, client_for):
    response = client_for(scenario.office).post("/org/staff/E0102/account/", {"roles": []})
    assert response.status_code == 302
    scenario.employee.refresh_from_db()
    assert not scenario.employee.is_active
    entry = AuditEntry.objects.get(action="org.staff.updated")
    assert entry.data == {"account_active": [True, False]}


@pytest.mark.django_db
def test_office_export_reads_back_unchanged_as_a_staff_file(scenario, client_for):
    from wenming.core.tabular import read_table
    from wenming.org.importing import STAFF_COLUMNS, org_import_plan

    Staff.objects.filter(staff_no="E0102").update(title="护师", is_party_member=True, phone="")
    content = client_for(scenario.office).get("/org/staff/export.xlsx").content
    table = read_table(content, columns=STAFF_COLUMNS, name="staff.xlsx")
    plan = org_import_plan(departments=None, staff=table)
    assert plan.problems == []
    assert plan.change_count == 0
    assert plan.staff_unchanged == 6
    assert sorted(plan.ignored_columns["staff"]) == sorted(["科室名称", "状态"])
