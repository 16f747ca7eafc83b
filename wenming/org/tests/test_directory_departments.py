"""Department pages: the tree, one department, create and edit (with concurrent edits)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.core.models import AuditEntry
from wenming.org import services
from wenming.org.models import Department, Staff
from wenming.org.tests.factories import DepartmentFactory, StaffFactory


def grow_hospital(scenario, *, departments: int = 40, staff: int = 300) -> None:
    """Add ``departments`` departments (two levels, under 心血管内科 and 骨科) and ``staff`` staff
    spread over them, with heads and party members, in a handful of bulk queries."""
    tops = []
    for i in range(departments // 4):
        parent = scenario.cardio if i % 2 else scenario.ortho
        code = f"G{i:02d}"
        tops.append(
            Department(
                code=code,
                name=f"Dept {code}",
                category=["clinical", "medtech", "nursing", "admin"][i % 4],
                parent=parent,
                path=f"{parent.path}{code}/",
                depth=1,
            )
        )
    Department.objects.bulk_create(tops)
    tops = list(Department.objects.filter(code__in=[d.code for d in tops]))
    wards = []
    for i in range(departments - len(tops)):
        parent = tops[i % len(tops)]
        code = f"{parent.code}W{i:02d}"
        wards.append(
            Department(
                code=code,
                name=f"Ward {code}",
                category="nursing",
                parent=parent,
                path=f"{parent.path}{code}/",
                depth=2,
                is_active=bool(i % 7),
            )
        )
    Department.objects.bulk_create(wards)
    everything = list(Department.objects.filter(code__startswith="G"))
    people = [
        Staff(
            staff_no=f"B{i:05d}",
            name=f"Person {i}",
            name_initials=f"p{i}",
            name_pinyin=f"person{i}",
            department=everything[i % len(everything)],
            is_party_member=not i % 3,
            phone=f"139{i:08d}",
        )
        for i in range(staff)
    ]
    Staff.objects.bulk_create(people)
    for dept in everything[::3]:
        head = Staff.objects.filter(department=dept).first()
        Department.objects.filter(pk=dept.pk).update(head=head)


# --- The tree ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_office_sees_the_whole_tree_in_order_with_counts(scenario, client_for):
    StaffFactory(staff_no="E0103", name="李雷", department=scenario.ward, is_party_member=True)
    Department.objects.filter(pk=scenario.cardio.pk).update(head=scenario.head_cardio_staff)
    response = client_for(scenario.office).get("/org/departments/")
    assert response.status_code == 200
    roots = response.context["roots"]
    assert [d.code for d in roots] == ["D01", "D02", "D09"]
    cardio = roots[0]
    assert [d.code for d in cardio.tree_children] == ["D0101"]
    assert (cardio.staff_own, cardio.staff_total) == (1, 3)
    assert (cardio.party_own, cardio.party_total) == (0, 1)
    assert cardio.head.name == "周涛"
    body = response.content.decode()
    assert "心内一病区" in body and "骨科" in body
    assert 'data-testid="department-create"' in body


@pytest.mark.django_db
def test_department_head_sees_their_subtree_only(scenario, client_for):
    response = client_for(scenario.head_cardio).get("/org/departments/")
    roots = response.context["roots"]
    assert [d.code for d in roots] == ["D01"]
    assert [d.code for d in roots[0].tree_children] == ["D0101"]
    body = response.content.decode()
    assert "骨科" not in body
    assert 'data-testid="department-create"' not in body


@pytest.mark.django_db
def test_employee_sees_their_own_department_only(scenario, client_for):
    response = client_for(scenario.employee).get("/org/departments/")
    assert [d.code for d in response.context["roots"]] == ["D0101"]
    assert "心血管内科" not in response.content.decode()


@pytest.mark.django_db
def test_tree_filters_by_category_and_hides_inactive_unless_asked(scenario, client_for):
    DepartmentFactory(code="D0102", name="已撤销病区", parent=scenario.cardio, is_active=False)
    client = client_for(scenario.office)

    response = client.get("/org/departments/", {"category": "admin"})
    assert [d.code for d in response.context["roots"]] == ["D09"]

    response = client.get("/org/departments/")
    assert "D0102" not in [d.code for d in response.context["roots"][0].tree_children]

    response = client.get("/org/departments/", {"inactive": "1"})
    assert [d.code for d in response.context["roots"][0].tree_children] == ["D0101", "D0102"]
    assert 'class="wm-dept wm-inactive" data-code="D0102"' in response.content.decode()

    response = client.get("/org/departments/", {"category": "bogus"})
    assert len(response.context["roots"]) == 3


@pytest.mark.django_db
def test_tree_query_count_does_not_grow_with_departments(scenario, client_for, django_assert_num_queries):
    client = client_for(scenario.office)
    client.get("/org/departments/")  # warm the hospital cache
    with CaptureQueriesContext(connection) as small:
        client.get("/org/departments/")
    grow_hospital(scenario, departments=40, staff=300)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/org/departments/", {"inactive": "1"})
    assert response.context["shown"] == 44
    # session, user, roles, role departments, own staff record (access), the tree, user.staff in
    # the menu, and the session save (savepoint, update, release): 10, whatever the hospital's size.
    assert len(small.captured_queries) == 10


@pytest.mark.django_db
def test_tree_query_count_for_a_department_head(scenario, client_for, django_assert_num_queries):
    grow_hospital(scenario)
    client = client_for(scenario.head_cardio)
    client.get("/org/departments/")
    with django_assert_num_queries(10):
        response = client.get("/org/departments/")
    assert all(d.path.startswith("D01/") for d in response.context["roots"])


# --- One department ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_department_page_shows_info_children_and_staff(scenario, client_for):
    Department.objects.filter(pk=scenario.cardio.pk).update(head=scenario.head_cardio_staff)
    response = client_for(scenario.office).get("/org/departments/D01/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "周涛" in body
    assert [c.code for c in response.context["children"]] == ["D0101"]
    assert response.context["facts"].staff_own == 1
    assert response.context["facts"].staff_total == 2
    assert [s.staff_no for s in response.context["staff_rows"]] == ["E0101"]
    assert 'data-testid="department-edit"' in body


@pytest.mark.django_db
def test_department_page_masks_phones_for_a_head_and_not_for_the_office(scenario, client_for):
    office_body = client_for(scenario.office).get("/org/departments/D0101/").content.decode()
    assert "13800138000" in office_body

    head_body = client_for(scenario.head_cardio).get("/org/departments/D0101/").content.decode()
    assert "13800138000" not in head_body
    assert "138****8000" in head_body
    assert 'data-testid="department-edit"' not in head_body


@pytest.mark.django_db
def test_employee_sees_own_phone_in_full_and_colleagues_masked(scenario, client_for):
    StaffFactory(staff_no="E0103", name="李雷", department=scenario.ward, phone="13911112222")
    response = client_for(scenario.employee).get("/org/departments/D0101/")
    assert response.context["parent_visible"] is False  # 心血管内科 is named, not linked
    body = response.content.decode()
    assert "/org/departments/D01/" not in body
    assert "13800138000" in body  # their own
    assert "139****2222" in body
    assert "13911112222" not in body


@pytest.mark.django_db
def test_department_staff_are_paginated(scenario, client_for, django_assert_num_queries):
    Staff.objects.bulk_create(
        [Staff(staff_no=f"W{i:03d}", name=f"W{i}", department=scenario.ward, phone="13800000000") for i in range(120)]
    )
    client = client_for(scenario.office)
    client.get("/org/departments/D0101/")
    # The 10 of every page (see above, less the tree) plus the department, the staff count, the facts,
    # the sub-departments and the page of staff.
    with django_assert_num_queries(14):
        response = client.get("/org/departments/D0101/", {"page": 3})
    assert len(response.context["staff_rows"]) == 21  # 121 staff, 50 a page


@pytest.mark.django_db
def test_inactive_department_with_staff_shows_a_warning(scenario, client_for):
    Department.objects.filter(pk=scenario.ward.pk).update(is_active=False)
    response = client_for(scenario.office).get("/org/departments/D0101/")
    assert response.context["facts"].active_staff_in_inactive == 1
    assert 'data-testid="inactive"' in response.content.decode()


# --- Create -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_office_creates_a_department(scenario, client_for):
    client = client_for(scenario.office)
    form_page = client.get("/org/departments/new/", {"parent": "D01"})
    assert form_page.context["form"]["parent"].value() == "D01"
    response = client.post(
        "/org/departments/new/",
        {
            "code": "D0102",
            "name": "心内二病区",
            "parent": "D01",
            "category": "nursing",
            "sort_order": 2,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/org/departments/D0102/"
    created = Department.objects.get(code="D0102")
    assert (created.path, created.depth, created.parent_id) == ("D01/D0102/", 1, scenario.cardio.pk)
    entry = AuditEntry.objects.get(action="org.department.created")
    assert entry.actor == scenario.office
    assert entry.data["name"] == [None, "心内二病区"]


@pytest.mark.django_db
def test_create_refuses_a_taken_code_and_keeps_what_was_typed(scenario, client_for):
    response = client_for(scenario.office).post(
        "/org/departments/new/", {"code": "D01", "name": "重复科室", "category": "clinical", "sort_order": 0}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "code" in form.errors
    body = response.content.decode()
    assert 'value="重复科室"' in body
    assert Department.objects.filter(name="重复科室").count() == 0


@pytest.mark.django_db
def test_create_refuses_a_code_with_a_slash(scenario, client_for):
    response = client_for(scenario.office).post(
        "/org/departments/new/", {"code": "D/9", "name": "x", "category": "clinical", "sort_order": 0}
    )
    assert "code" in response.context["form"].errors


# --- Edit -------------------------------------------------------------------------------------


def _edit_data(department, **changes):
    data = {
        "name": department.name,
        "parent": department.parent.code if department.parent_id else "",
        "category": department.category,
        "head": department.head.staff_no if department.head_id else "",
        "sort_order": department.sort_order,
        "is_active": "on" if department.is_active else "",
        "version": department.version,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.django_db
def test_office_edits_a_department_and_the_code_stays(scenario, client_for):
    client = client_for(scenario.office)
    page = client.get("/org/departments/D01/edit/")
    assert "code" not in page.context["form"].fields
    assert [s.staff_no for s in page.context["form"].fields["head"].queryset] == ["E0101", "E0102"]
    response = client.post(
        "/org/departments/D01/edit/",
        _edit_data(scenario.cardio, name="心血管内科（新）", head="E0101", code="HACKED"),
    )
    assert response.status_code == 302
    cardio = Department.objects.get(pk=scenario.cardio.pk)
    assert (cardio.code, cardio.name, cardio.head_id, cardio.version) == (
        "D01",
        "心血管内科（新）",
        scenario.head_cardio_staff.pk,
        2,
    )
    entry = AuditEntry.objects.get(action="org.department.updated")
    assert entry.data["name"] == ["心血管内科", "心血管内科（新）"]
    assert entry.data["head"] == [None, "周涛（E0101）"]
    assert entry.department_id == cardio.pk


@pytest.mark.django_db
def test_head_must_be_from_the_department(scenario, client_for):
    response = client_for(scenario.office).post("/org/departments/D01/edit/", _edit_data(scenario.cardio, head="E0201"))
    assert response.status_code == 200
    assert "head" in response.context["form"].errors


@pytest.mark.django_db
def test_moving_a_department_moves_its_subtree(scenario, client_for):
    response = client_for(scenario.office).post("/org/departments/D01/edit/", _edit_data(scenario.cardio, parent="D02"))
    assert response.status_code == 302
    assert Department.objects.get(code="D01").path == "D02/D01/"
    ward = Department.objects.get(code="D0101")
    assert (ward.path, ward.depth) == ("D02/D01/D0101/", 2)


@pytest.mark.django_db
def test_edit_refuses_a_move_under_its_own_sub_department(scenario, client_for):
    client = client_for(scenario.office)
    page = client.get("/org/departments/D01/edit/")
    offered = [value for value, _label in page.context["form"].fields["parent"].widget.choices]
    assert "D0101" not in offered and "D01" not in offered
    response = client.post("/org/departments/D01/edit/", _edit_data(scenario.cardio, parent="D0101"))
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert Department.objects.get(code="D01").parent_id is None


@pytest.mark.django_db
def test_concurrent_edit_is_refused_and_keeps_what_was_typed(scenario, client_for):
    client = client_for(scenario.office)
    opened = client.get("/org/departments/D02/edit/").context["form"]["version"].value()
    assert opened == 1
    # Someone else saves in between.
    services.department_update(by=scenario.sysadmin, department=scenario.ortho, name="骨科（他人修改）")

    response = client.post("/org/departments/D02/edit/", _edit_data(scenario.ortho, name="我的骨科", version=opened))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(e.code == "conflict" for e in form.errors.as_data()["__all__"])
    body = response.content.decode()
    assert 'data-testid="conflict"' in body
    assert "骨科（他人修改）" in body  # the values now stored
    assert 'value="我的骨科"' in body  # what the user typed
    assert Department.objects.get(code="D02").name == "骨科（他人修改）"
    assert 'name="version" value="2"' in body

    # Saving again after reading the stored values is deliberate, and wins.
    again = client.post("/org/departments/D02/edit/", _edit_data(scenario.ortho, name="我的骨科", version=2))
    assert again.status_code == 302
    assert Department.objects.get(code="D02").name == "我的骨科"


@pytest.mark.django_db
def test_deactivating_a_department_with_staff_saves_and_warns(scenario, client_for):
    client = client_for(scenario.office)
    response = client.post("/org/departments/D0101/edit/", _edit_data(scenario.ward, is_active=""), follow=True)
    assert response.status_code == 200
    assert not Department.objects.get(code="D0101").is_active
    assert any(m.level_tag == "warning" for m in response.context["messages"])


@pytest.mark.django_db
def test_deactivating_a_department_with_active_sub_departments_is_refused(scenario, client_for):
    response = client_for(scenario.office).post("/org/departments/D01/edit/", _edit_data(scenario.cardio, is_active=""))
    assert response.status_code == 200
    assert "is_active" in response.context["form"].errors
    assert Department.objects.get(code="D01").is_active


@pytest.mark.django_db
def test_missing_department_edit_is_404_for_the_office(scenario, client_for):
    assert client_for(scenario.office).get("/org/departments/NOPE/edit/").status_code == 404
