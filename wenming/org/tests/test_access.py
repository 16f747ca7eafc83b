"""Who may open which organisation page: every page, the right user and the wrong ones.

The standing scenario (conftest.py): office, head_cardio (D01 and its ward D0101), head_ortho (D02),
employee (plain staff in D0101), leader, inspector, sysadmin."""

import pytest

from wenming.org.access import access_for, department_for_user, staff_for_user
from wenming.org.models import Staff

READ_PAGES = ["/org/departments/", "/org/staff/", "/org/staff/export.xlsx"]
MANAGE_PAGES = [
    "/org/departments/new/",
    "/org/departments/D01/edit/",
    "/org/staff/new/",
    "/org/staff/E0102/edit/",
    "/org/staff/E0102/account/",
    "/org/hospital/",
]
ALL_PAGES = [
    *READ_PAGES,
    *MANAGE_PAGES,
    "/org/departments/D01/",
    "/org/staff/E0102/",
    "/org/party/",
]
EVERYONE = ["office", "sysadmin", "leader", "inspector", "head_cardio", "head_ortho", "employee"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ALL_PAGES)
def test_anonymous_is_sent_to_the_login_page(client, scenario, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("url", READ_PAGES)
@pytest.mark.parametrize("who", EVERYONE)
def test_lists_open_for_everyone_who_may_browse(scenario, client_for, who, url):
    assert client_for(getattr(scenario, who)).get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", MANAGE_PAGES)
@pytest.mark.parametrize("who", ["office", "sysadmin"])
def test_manage_pages_open_for_the_office_and_admins(scenario, client_for, who, url):
    assert client_for(getattr(scenario, who)).get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", MANAGE_PAGES)
@pytest.mark.parametrize("who", ["leader", "inspector", "head_cardio", "head_ortho", "employee"])
def test_manage_pages_refused_to_everyone_else(scenario, client_for, who, url):
    client = client_for(getattr(scenario, who))
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "x"}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("head_ortho", "D01", 404),
        ("head_ortho", "D0101", 404),
        ("head_ortho", "D02", 200),
        ("head_cardio", "D01", 200),
        ("head_cardio", "D0101", 200),
        ("head_cardio", "D02", 404),
        ("employee", "D0101", 200),
        ("employee", "D01", 404),
        ("employee", "D02", 404),
        ("leader", "D02", 200),
        ("inspector", "D01", 200),
        ("office", "D09", 200),
        ("office", "NOPE", 404),
    ],
)
def test_department_page_scope(scenario, client_for, who, code, status):
    assert client_for(getattr(scenario, who)).get(f"/org/departments/{code}/").status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "staff_no", "status"),
    [
        ("head_ortho", "E0101", 404),  # 心血管内科's head
        ("head_ortho", "E0102", 404),  # staff in 心内一病区
        ("head_ortho", "E0201", 200),
        ("head_cardio", "E0102", 200),  # the ward is under their department
        ("head_cardio", "E0201", 404),
        ("employee", "E0102", 200),  # themselves
        ("employee", "E0101", 404),  # D01 is not their own department
        ("employee", "E9001", 404),
        ("leader", "E0201", 200),
        ("inspector", "E0102", 200),
        ("office", "NOPE", 404),
    ],
)
def test_staff_page_scope(scenario, client_for, who, staff_no, status):
    assert client_for(getattr(scenario, who)).get(f"/org/staff/{staff_no}/").status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["head_cardio", "head_ortho", "employee"])
def test_party_page_is_for_whole_hospital_roles_only(scenario, client_for, who):
    assert client_for(getattr(scenario, who)).get("/org/party/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["office", "sysadmin", "leader", "inspector"])
def test_party_page_opens_for_whole_hospital_roles(scenario, client_for, who):
    assert client_for(getattr(scenario, who)).get("/org/party/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leader", "inspector"])
def test_party_page_cannot_be_changed_by_readers(scenario, client_for, who):
    response = client_for(getattr(scenario, who)).post("/org/party/", {"code": "P1", "name": "x", "kind": "committee"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_user_without_staff_record_or_role_may_not_browse(client_for):
    from wenming.org.tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    client = client_for(nobody)
    assert client.get("/org/departments/").status_code == 403
    assert client.get("/org/staff/").status_code == 403


@pytest.mark.django_db
def test_accessors_scope_objects(scenario):
    from django.http import Http404

    assert department_for_user(scenario.head_cardio, "D0101") == scenario.ward
    with pytest.raises(Http404):
        department_for_user(scenario.head_ortho, "D01")
    assert staff_for_user(scenario.head_cardio, "E0102") == scenario.employee_staff
    with pytest.raises(Http404):
        staff_for_user(scenario.employee, "E0201")


@pytest.mark.django_db
def test_who_sees_full_phones(scenario):
    employee_staff = scenario.employee_staff
    assert access_for(scenario.office).can_see_full_phone(employee_staff)
    assert access_for(scenario.sysadmin).can_see_full_phone(employee_staff)
    assert access_for(scenario.employee).can_see_full_phone(employee_staff)
    assert not access_for(scenario.head_cardio).can_see_full_phone(employee_staff)
    assert not access_for(scenario.leader).can_see_full_phone(employee_staff)
    assert not access_for(scenario.employee).can_see_full_phone(Staff.objects.get(staff_no="E0101"))


@pytest.mark.django_db
def test_staff_who_left_lose_their_department_scope(scenario):
    Staff.objects.filter(pk=scenario.employee_staff.pk).update(status="left")
    scenario.employee.refresh_from_db()
    access = access_for(scenario.employee)
    assert not access.can_browse_org
    assert list(access.staff()) == []


def test_headed_filters_the_departments_a_head_covers(scenario):
    from wenming.org.access import access_for
    from wenming.org.models import Department, Staff

    head = access_for(scenario.head_cardio)
    assert set(Department.objects.filter(head.headed()).values_list("code", flat=True)) == {"D01", "D0101"}
    assert set(Staff.objects.filter(head.headed("department__")).values_list("staff_no", flat=True)) == {
        "E0101",
        "E0102",
    }
    assert not Department.objects.filter(access_for(scenario.employee).headed()).exists()
