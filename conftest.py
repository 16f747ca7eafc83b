"""Shared test set-up: the standing access scenario every feature's refusal tests use.

hospital ─ 心血管内科 D01 ─ 心内一病区 D0101
         ├ 骨科 D02
         └ 院办公室 D09
office      文明办 user (role office), staff E9001 in D09
head_cardio 科主任 of 心血管内科 (covers D01 and D0101), staff E0101
head_ortho  科主任 of 骨科, staff E0201
employee    plain staff in 心内一病区, staff E0102
leader      领导小组; inspector 督查员; sysadmin 系统管理员
"""

import pytest
from django.conf import settings

from wenming.org.models import Hospital, Role, RoleAssignment
from wenming.org.tests.factories import DepartmentFactory, StaffFactory, UserFactory

PASSWORD = "Wenming-Test-2026"


def pytest_configure(config):
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads go to a per-test folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (zh-hans), whatever the test before it activated."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_caches():
    from django.core.cache import cache

    from wenming.org.selectors import hospital_forget

    cache.clear()
    hospital_forget()
    yield
    cache.clear()
    hospital_forget()


def _person(username, staff_no, name, department, role=None, departments=()):
    user = UserFactory(username=username)
    staff = StaffFactory(staff_no=staff_no, name=name, department=department, user=user, phone="13800138000")
    if role:
        assignment = RoleAssignment.objects.create(user=user, role=role)
        assignment.departments.set(departments)
    return user, staff


@pytest.fixture
def scenario(db):
    """The standing scenario (see the module docstring) as a simple namespace."""
    from types import SimpleNamespace

    Hospital.objects.update_or_create(pk=1, defaults={"name": "测试人民医院", "short_name": "测试医院"})
    cardio = DepartmentFactory(code="D01", name="心血管内科")
    ward = DepartmentFactory(code="D0101", name="心内一病区", parent=cardio)
    ortho = DepartmentFactory(code="D02", name="骨科")
    office_dept = DepartmentFactory(code="D09", name="院办公室", category="admin")
    office, office_staff = _person("office", "E9001", "文明办", office_dept, Role.OFFICE)
    head_cardio, head_cardio_staff = _person("head_cardio", "E0101", "周涛", cardio, Role.DEPARTMENT_HEAD, [cardio])
    head_ortho, head_ortho_staff = _person("head_ortho", "E0201", "吴敏", ortho, Role.DEPARTMENT_HEAD, [ortho])
    employee, employee_staff = _person("employee", "E0102", "郑爽", ward)
    leader, _ = _person("leader", "E9002", "王院长", office_dept, Role.LEADERSHIP)
    inspector, _ = _person("inspector", "E9003", "督查员", office_dept, Role.INSPECTOR)
    sysadmin = UserFactory(username="sysadmin", is_staff=True, is_superuser=True)
    RoleAssignment.objects.create(user=sysadmin, role=Role.SYSTEM_ADMIN)
    return SimpleNamespace(
        cardio=cardio,
        ward=ward,
        ortho=ortho,
        office_dept=office_dept,
        office=office,
        office_staff=office_staff,
        head_cardio=head_cardio,
        head_cardio_staff=head_cardio_staff,
        head_ortho=head_ortho,
        head_ortho_staff=head_ortho_staff,
        employee=employee,
        employee_staff=employee_staff,
        leader=leader,
        inspector=inspector,
        sysadmin=sysadmin,
    )


@pytest.fixture
def client_for(client):
    """``client_for(user)``: a test client logged in as that user."""

    def make(user):
        client.force_login(user)
        return client

    return make
