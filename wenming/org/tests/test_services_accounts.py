"""staff_account_save: login accounts and roles."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from wenming.core.models import AuditEntry
from wenming.org import services
from wenming.org.models import Role, RoleAssignment
from wenming.org.tests.factories import StaffFactory, UserFactory


def _roles(user) -> set[str]:
    return set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))


@pytest.mark.django_db
def test_creates_an_account_named_after_the_staff_number(scenario):
    staff = StaffFactory(staff_no="E0500", name="孙丽", department=scenario.ortho)
    user = services.staff_account_save(by=scenario.office, staff=staff, password="Ortho-Ward-2026")
    staff.refresh_from_db()
    assert staff.user == user
    assert (user.username, user.first_name, user.is_active) == ("E0500", "孙丽", True)
    assert user.check_password("Ortho-Ward-2026")
    assert staff.version == 1  # linking an account is not an edit of the staff form's fields
    entry = AuditEntry.objects.get(action="org.staff.updated")
    assert entry.data == {"account": [None, "E0500"]}


@pytest.mark.django_db
def test_new_account_needs_a_good_password(scenario):
    staff = StaffFactory(staff_no="E0500", name="孙丽", department=scenario.ortho)
    with pytest.raises(ValidationError) as caught:
        services.staff_account_save(by=scenario.office, staff=staff)
    assert "password" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.staff_account_save(by=scenario.office, staff=staff, password="12345678")
    assert "password" in caught.value.message_dict
    assert get_user_model().objects.filter(username="E0500").count() == 0


@pytest.mark.django_db
def test_login_name_taken_by_another_account_is_refused(scenario):
    UserFactory(username="E0500")
    staff = StaffFactory(staff_no="E0500", name="孙丽", department=scenario.ortho)
    with pytest.raises(ValidationError):
        services.staff_account_save(by=scenario.office, staff=staff, password="Ortho-Ward-2026")


@pytest.mark.django_db
def test_password_reset_lifts_a_lockout_and_is_not_logged(scenario, django_capture_on_commit_callbacks):
    AccessAttempt.objects.create(username="employee", failures_since_start=9, ip_address="10.0.0.1")
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_account_save(by=scenario.office, staff=scenario.employee_staff, password="Xin-Mima-2026!")
    scenario.employee.refresh_from_db()
    assert scenario.employee.check_password("Xin-Mima-2026!")
    assert not AccessAttempt.objects.filter(username="employee").exists()
    entry = AuditEntry.objects.get(action="org.staff.updated")
    assert "Xin-Mima" not in str(entry.data)
    assert entry.data == {"password_reset": True}


@pytest.mark.django_db
def test_roles_are_granted_revoked_and_head_departments_replaced(scenario):
    services.staff_account_save(
        by=scenario.office,
        staff=scenario.employee_staff,
        roles={Role.INSPECTOR, Role.DEPARTMENT_HEAD},
        head_departments=[scenario.ward],
    )
    assert _roles(scenario.employee) == {Role.INSPECTOR, Role.DEPARTMENT_HEAD}
    services.staff_account_save(
        by=scenario.office,
        staff=scenario.employee_staff,
        roles={Role.DEPARTMENT_HEAD},
        head_departments=[scenario.ortho],
    )
    assignment = RoleAssignment.objects.get(user=scenario.employee, role=Role.DEPARTMENT_HEAD)
    assert [d.code for d in assignment.departments.all()] == ["D02"]
    assert _roles(scenario.employee) == {Role.DEPARTMENT_HEAD}
    assert AuditEntry.objects.filter(action="org.role.revoked").count() == 1
    assert AuditEntry.objects.filter(action="org.role.granted").count() == 3


@pytest.mark.django_db
def test_head_role_without_departments_is_refused(scenario):
    with pytest.raises(ValidationError) as caught:
        services.staff_account_save(by=scenario.office, staff=scenario.employee_staff, roles={Role.DEPARTMENT_HEAD})
    assert "head_departments" in caught.value.message_dict


@pytest.mark.django_db
def test_only_a_system_admin_gives_or_takes_the_admin_role(scenario):
    with pytest.raises(ValidationError) as caught:
        services.staff_account_save(by=scenario.office, staff=scenario.employee_staff, roles={Role.SYSTEM_ADMIN})
    assert "roles" in caught.value.message_dict
    services.staff_account_save(by=scenario.sysadmin, staff=scenario.employee_staff, roles={Role.SYSTEM_ADMIN})
    scenario.employee.refresh_from_db()
    assert scenario.employee.is_superuser and scenario.employee.is_staff
    with pytest.raises(ValidationError):
        services.staff_account_save(by=scenario.office, staff=scenario.employee_staff, roles=set())
    assert _roles(scenario.employee) == {Role.SYSTEM_ADMIN}


@pytest.mark.django_db
def test_you_cannot_lock_yourself_out(scenario):
    with pytest.raises(ValidationError) as caught:
        services.staff_account_save(by=scenario.office, staff=scenario.office_staff, is_active=False)
    assert "is_active" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.staff_account_save(by=scenario.office, staff=scenario.office_staff, roles=set())
    assert "roles" in caught.value.message_dict
    assert _roles(scenario.office) == {Role.OFFICE}


@pytest.mark.django_db
def test_unknown_roles_are_refused(scenario):
    with pytest.raises(ValidationError):
        services.staff_account_save(by=scenario.office, staff=scenario.employee_staff, roles={"king"})
