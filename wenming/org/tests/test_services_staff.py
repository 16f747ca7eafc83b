"""staff_create / staff_update / staff_mark_left / staff_reinstate and staff_search."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from wenming.core.models import AuditEntry
from wenming.org import services
from wenming.org.access import access_for
from wenming.org.models import Department, PartyOrganization, Staff
from wenming.org.selectors import staff_search
from wenming.org.tests.factories import DepartmentFactory, StaffFactory


@pytest.mark.django_db
def test_create_fills_the_pinyin_index_and_audits_a_masked_phone(scenario):
    staff = services.staff_create(
        by=scenario.office, staff_no="E0300", name="欧阳娜娜", department=scenario.ortho, phone=" 13912345678 "
    )
    assert (staff.name_initials, staff.name_pinyin, staff.phone, staff.version) == (
        "oynn",
        "ouyangnana",
        "13912345678",
        1,
    )
    entry = AuditEntry.objects.get(action="org.staff.created")
    assert entry.data["phone"] == [None, "139****5678"]
    assert entry.department_id == scenario.ortho.pk


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["12345678901", "1381234567", "138123456789", "23800138000", "1380013800a"])
def test_phone_must_be_a_mainland_mobile(scenario, phone):
    with pytest.raises(ValidationError) as caught:
        services.staff_create(by=scenario.office, staff_no="E0300", name="x", department=scenario.ortho, phone=phone)
    assert "phone" in caught.value.message_dict


@pytest.mark.django_db
def test_create_refuses_taken_numbers_inactive_departments_and_branch_without_membership(scenario):
    with pytest.raises(ValidationError) as caught:
        services.staff_create(by=scenario.office, staff_no="E0101", name="x", department=scenario.ortho)
    assert "staff_no" in caught.value.message_dict
    closed = DepartmentFactory(code="D08", is_active=False)
    with pytest.raises(ValidationError) as caught:
        services.staff_create(by=scenario.office, staff_no="E0300", name="x", department=closed)
    assert "department" in caught.value.message_dict
    branch = PartyOrganization.objects.create(code="P1", name="支部", kind="branch")
    with pytest.raises(ValidationError) as caught:
        services.staff_create(
            by=scenario.office, staff_no="E0300", name="x", department=scenario.ortho, party_branch=branch
        )
    assert "party_branch" in caught.value.message_dict


@pytest.mark.django_db
def test_update_recomputes_the_index_and_records_changes(scenario):
    saved = services.staff_update(
        by=scenario.office, staff=scenario.employee_staff, expected_version=1, name="周小涛", phone="13911112222"
    )
    assert (saved.name_initials, saved.name_pinyin, saved.version) == ("zxt", "zhouxiaotao", 2)
    entry = AuditEntry.objects.get(action="org.staff.updated")
    assert entry.data == {"name": ["郑爽", "周小涛"], "phone": ["138****8000", "139****2222"]}
    assert entry.department_id == scenario.ward.pk


@pytest.mark.django_db
def test_update_with_a_stale_version_changes_nothing(scenario):
    services.staff_update(by=scenario.sysadmin, staff=scenario.employee_staff, title="护师")
    with pytest.raises(services.ConcurrentEditError):
        services.staff_update(by=scenario.office, staff=scenario.employee_staff, expected_version=1, title="主管护师")
    assert Staff.objects.get(pk=scenario.employee_staff.pk).title == "护师"


@pytest.mark.django_db
def test_update_keeps_fields_not_given(scenario):
    Staff.objects.filter(pk=scenario.employee_staff.pk).update(title="护师", post="责任护士")
    saved = services.staff_update(by=scenario.office, staff=scenario.employee_staff, title="主管护师")
    assert (saved.title, saved.post, saved.phone) == ("主管护师", "责任护士", "13800138000")


@pytest.mark.django_db
def test_moving_into_an_inactive_department_is_refused(scenario):
    closed = DepartmentFactory(code="D08", is_active=False)
    with pytest.raises(ValidationError):
        services.staff_update(by=scenario.office, staff=scenario.employee_staff, department=closed)
    # Staying in a department that has since closed is fine.
    Department.objects.filter(pk=scenario.ward.pk).update(is_active=False)
    saved = services.staff_update(by=scenario.office, staff=scenario.employee_staff, department=scenario.ward, post="x")
    assert saved.post == "x"


@pytest.mark.django_db
def test_mark_left_disables_the_account_and_clears_headships(scenario):
    Department.objects.filter(pk=scenario.cardio.pk).update(head=scenario.head_cardio_staff)
    left = services.staff_mark_left(
        by=scenario.office, staff=scenario.head_cardio_staff, left_on=dt.date(2026, 10, 31), expected_version=1
    )
    assert (left.status, left.left_on, left.version) == ("left", dt.date(2026, 10, 31), 2)
    scenario.head_cardio.refresh_from_db()
    assert not scenario.head_cardio.is_active
    cardio = Department.objects.get(pk=scenario.cardio.pk)
    assert (cardio.head_id, cardio.version) == (None, 2)
    entry = AuditEntry.objects.get(action="org.staff.left")
    assert entry.data["status"] == ["active", "left"]
    assert entry.data["account_active"] == [True, False]
    assert AuditEntry.objects.filter(action="org.department.updated", target_id=str(cardio.pk)).exists()
    with pytest.raises(ValidationError):
        services.staff_mark_left(by=scenario.office, staff=left)


@pytest.mark.django_db
def test_reinstate(scenario):
    services.staff_mark_left(by=scenario.office, staff=scenario.employee_staff)
    back = services.staff_reinstate(by=scenario.office, staff=scenario.employee_staff, expected_version=2)
    assert (back.status, back.left_on, back.version) == ("active", None, 3)
    with pytest.raises(ValidationError):
        services.staff_reinstate(by=scenario.office, staff=back)


@pytest.mark.django_db
def test_reinstate_into_a_closed_department_is_refused(scenario):
    services.staff_mark_left(by=scenario.office, staff=scenario.employee_staff)
    Department.objects.filter(pk=scenario.ward.pk).update(is_active=False)
    with pytest.raises(ValidationError) as caught:
        services.staff_reinstate(by=scenario.office, staff=scenario.employee_staff)
    assert "department" in caught.value.message_dict


# --- staff_search -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_is_scoped_before_it_is_filtered(scenario):
    head = access_for(scenario.head_ortho)
    assert list(staff_search(access=head, q="周涛")) == []
    assert list(staff_search(access=head, department_code="D01")) == []
    assert [s.staff_no for s in staff_search(access=head)] == ["E0201"]


@pytest.mark.django_db
def test_department_code_matches_whole_path_segments(scenario):
    odd = DepartmentFactory(code="XD01", name="相似编码")
    StaffFactory(staff_no="E0400", name="x", department=odd)
    office = access_for(scenario.office)
    assert [s.staff_no for s in staff_search(access=office, department_code="D01")] == ["E0101", "E0102"]
    assert [s.staff_no for s in staff_search(access=office, department_code="D0101")] == ["E0102"]


@pytest.mark.django_db
def test_search_loads_departments_in_the_same_query(scenario, django_assert_num_queries):
    office = access_for(scenario.office)
    with django_assert_num_queries(1):
        names = [s.department.name for s in staff_search(access=office, status="all")]
    assert len(names) == 6
