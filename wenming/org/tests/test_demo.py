"""The demo hospital (``manage.py load_demo``): realistic, complete, idempotent, and its logins work."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from wenming.core.models import AuditEntry
from wenming.org import demo
from wenming.org.access import access_for
from wenming.org.models import (
    Department,
    DepartmentCategory,
    Hospital,
    PartyOrganization,
    PartyOrgKind,
    Role,
    RoleAssignment,
    Staff,
    StaffStatus,
)
from wenming.org.services import name_index
from wenming.org.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Every row the demo writes, with every field, plus the audit log's length."""
    user_model = get_user_model()
    return {
        "hospital": list(Hospital.objects.values()),
        "departments": list(Department.objects.order_by("pk").values()),
        "staff": list(Staff.objects.order_by("pk").values()),
        "party": list(PartyOrganization.objects.order_by("pk").values()),
        "users": list(user_model.objects.order_by("pk").values()),
        "roles": sorted(RoleAssignment.objects.values_list("pk", "user_id", "role", "departments")),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def loaded():
    output = load()
    return output


def test_the_demo_is_a_realistic_hospital(loaded):
    hospital = Hospital.objects.get(pk=1)
    assert (hospital.name, hospital.short_name, hospital.time_zone) == (
        "江城市第一人民医院",
        "江城一院",
        "Asia/Shanghai",
    )

    assert Department.objects.count() >= 38
    by_category = {c: Department.objects.filter(category=c).count() for c in DepartmentCategory.values}
    assert by_category[DepartmentCategory.CLINICAL] >= 25
    assert by_category[DepartmentCategory.MEDTECH] >= 5
    assert by_category[DepartmentCategory.NURSING] >= 1
    assert by_category[DepartmentCategory.ADMIN] >= 8
    assert set(Department.objects.get(code="D01").children.values_list("name", flat=True)) == {
        "心内一病区",
        "心内二病区",
    }

    staff = Staff.objects.all()
    assert staff.count() >= 550
    assert 5 <= staff.filter(status=StaffStatus.LEFT).count() <= 15
    assert not staff.filter(status=StaffStatus.LEFT, left_on=None).exists()
    active = staff.filter(status=StaffStatus.ACTIVE)
    party_share = active.filter(is_party_member=True).count() / active.count()
    assert 0.28 <= party_share <= 0.42
    # Party members belong to a branch, others to none.
    assert not staff.filter(is_party_member=True, party_branch=None).exists()
    assert not staff.filter(is_party_member=False).exclude(party_branch=None).exists()
    assert set(staff.values_list("party_branch__kind", flat=True)) == {PartyOrgKind.BRANCH, None}


def test_staff_records_are_complete_and_consistent(loaded):
    staff = list(Staff.objects.select_related("department"))
    numbers = sorted(s.staff_no for s in staff)
    assert numbers == [f"E{n:04d}" for n in range(1, len(staff) + 1)]
    assert len({s.name for s in staff}) == len(staff)
    assert len({s.phone for s in staff}) == len(staff)
    assert all(len(s.phone) == 11 and s.phone.isdigit() for s in staff)
    assert {s.gender for s in staff} == {"male", "female"}
    for s in staff:
        assert (s.name_initials, s.name_pinyin) == name_index(s.name)
        assert s.title and s.post
        if s.post in {"护士", "护士长"}:
            assert s.title in demo.NURSE
        if s.department.category == DepartmentCategory.CLINICAL and s.post in {"科主任", "副主任", "医师"}:
            assert s.title in demo.DOCTOR
        if s.department.code == "D27":  # 检验科
            assert s.title in demo.TECH
        if s.department.code == "D29":  # 药剂科
            assert s.title in demo.PHARM


def test_every_department_has_a_head_and_every_clinical_one_a_head_nurse(loaded):
    for department in Department.objects.select_related("head"):
        assert department.head is not None, department.code
        assert department.head.department_id == department.pk
        assert department.head.status == StaffStatus.ACTIVE
        if department.category == DepartmentCategory.CLINICAL:
            assert department.staff.filter(post="护士长", status=StaffStatus.ACTIVE).exists(), department.code
    assert Department.objects.get(code="D01").head.post == "科主任"
    assert Department.objects.get(code="D0101").head.post == "护士长"


def test_department_paths_follow_the_tree(loaded):
    for department in Department.objects.select_related("parent"):
        assert department.path == department.compute_path()
        assert department.depth == department.path.count("/") - 1
        if department.parent_id:
            assert department.code.startswith(department.parent.code)
    assert Department.objects.get(code="D0101").path == "D01/D0101/"


def test_party_organisation_has_three_levels_and_secretaries(loaded):
    committee = PartyOrganization.objects.get(kind=PartyOrgKind.COMMITTEE)
    assert committee.parent is None
    general = PartyOrganization.objects.filter(kind=PartyOrgKind.GENERAL_BRANCH)
    assert set(general.values_list("name", flat=True)) == {
        "内科党总支",
        "外科党总支",
        "医技党总支",
        "机关党总支",
        "护理党总支",
    }
    assert set(general.values_list("parent", flat=True)) == {committee.pk}
    branches = PartyOrganization.objects.filter(kind=PartyOrgKind.BRANCH)
    assert branches.count() >= 12
    assert set(branches.values_list("parent__kind", flat=True)) == {PartyOrgKind.GENERAL_BRANCH}
    secretaries = [org.secretary for org in PartyOrganization.objects.select_related("secretary")]
    assert all(s is not None and s.is_party_member and s.status == StaffStatus.ACTIVE for s in secretaries)
    assert len({s.pk for s in secretaries}) == len(secretaries)
    assert committee.secretary.post == "党委书记"
    for branch in branches:
        assert branch.secretary.party_branch_id == branch.pk


def test_every_role_has_a_demo_account_linked_to_its_staff_record(loaded):
    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(users) == {"admin", "wmb", "leader", "inspector", "xnk", "gk", "nurse"}
    roles = {role for user in users.values() for role in access_for(user).roles}
    assert roles == set(Role.values)
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not any(u.is_superuser for name, u in users.items() if name != "admin")
    assert not Staff.objects.filter(user=users["admin"]).exists()
    expected = {
        "wmb": ("D40", "主任"),
        "leader": ("D34", "党委书记"),
        "inspector": ("D40", "干事"),
        "xnk": ("D01", "科主任"),
        "gk": ("D09", "科主任"),
        "nurse": ("D0101", "护士"),
    }
    for username, (code, post) in expected.items():
        staff = Staff.objects.select_related("department").get(user=users[username])
        assert (staff.department.code, staff.post, staff.status) == (code, post, StaffStatus.ACTIVE)
    assert Department.objects.get(code="D01").head.user == users["xnk"]
    assert Department.objects.get(code="D09").head.user == users["gk"]


def test_a_head_sees_exactly_their_subtree(loaded):
    users = {u.username: u for u in get_user_model().objects.all()}
    subtree = {
        "xnk": {"D01", "D0101", "D0102"},
        "gk": {"D09", "D0901", "D0902"},
        "nurse": {"D0101"},
    }
    for username, codes in subtree.items():
        access = access_for(users[username])
        assert set(access.departments().values_list("code", flat=True)) == codes
        assert set(access.staff().values_list("department__code", flat=True)) == codes
        assert access.staff().count() == Staff.objects.filter(department__code__in=codes).count()
    for username in ("admin", "wmb", "leader", "inspector"):
        assert access_for(users[username]).departments().count() == Department.objects.count()
    assert access_for(users["wmb"]).can_manage_org
    assert not access_for(users["leader"]).can_manage_org
    assert not access_for(users["xnk"]).can_manage_org


@pytest.mark.parametrize("username", [a.username for a in demo.DEMO_ACCOUNTS])
def test_demo_accounts_log_in_with_the_demo_password(loaded, client, username):
    # django-axes needs the request to authenticate.
    assert client.login(request=HttpRequest(), username=username, password=demo.DEMO_PASSWORD)
    client.logout()
    response = client.post("/accounts/login/", {"username": username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_running_twice_changes_nothing(loaded):
    before = snapshot()
    result = demo.load_demo()
    assert not result.changed
    assert not result.passwords_set
    assert snapshot() == before


def test_a_second_run_is_cheap(loaded, django_assert_max_num_queries):
    # Bulk reads and writes: the query count does not grow with the number of staff.
    with django_assert_max_num_queries(30):
        demo.load_demo()


def test_a_rerun_puts_demo_values_back_and_leaves_other_rows_alone(loaded):
    user_model = get_user_model()
    cardio = Department.objects.get(code="D01")
    Department.objects.filter(pk=cardio.pk).update(name="改过的名字")
    staff = Staff.objects.get(staff_no="E0100")
    Staff.objects.filter(pk=staff.pk).update(title="改过的职称")
    wmb = user_model.objects.get(username="wmb")
    wmb.set_password("Changed-by-someone-2026")
    wmb.save()
    other = DepartmentFactory(code="X99", name="用户自建科室")
    audit_before = AuditEntry.objects.count()

    result = demo.load_demo()

    cardio_after = Department.objects.get(code="D01")
    assert (cardio_after.pk, cardio_after.name, cardio_after.version) == (cardio.pk, "心血管内科", cardio.version + 1)
    staff_after = Staff.objects.get(staff_no="E0100")
    assert (staff_after.pk, staff_after.title) == (staff.pk, staff.title)
    assert user_model.objects.get(username="wmb").check_password(demo.DEMO_PASSWORD)
    assert result.passwords_set == ["wmb"]
    assert Department.objects.filter(pk=other.pk, name="用户自建科室").exists()
    assert AuditEntry.objects.count() == audit_before + 1


def test_the_load_writes_one_audit_entry_and_the_role_grants(loaded):
    entries = AuditEntry.objects.filter(action=demo.AUDIT_ACTION)
    assert entries.count() == 1
    entry = entries.get()
    assert (entry.target_repr, entry.actor) == ("demo hospital", None)
    assert entry.data["created"]["staff"] == Staff.objects.count()
    # No per-row entries for the organisation; one per role given to a demo account, one per
    # example standard loaded, and the demo year of scores: one per period computed or finalized.
    # This month's patrols go through the services like any round, so they are audited as such.
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        demo.AUDIT_ACTION,
        "org.role.granted",
        "standards.version.created",
        "scoring.period.computed",
        "scoring.period.finalized",
    } <= actions
    assert {a.split(".")[0] for a in actions} == {
        "org",
        "standards",
        "scoring",
        "inspections",
        "rectification",
        "feedback",
        "questionnaires",
        "complaints",
        "followups",
        "alerts",
        "satisfaction",
        "evaluations",
        "rounds",
        "commitments",
    }
    assert (
        not AuditEntry.objects.filter(action__startswith="org.")
        .exclude(action__in=[demo.AUDIT_ACTION, "org.role.granted"])
        .exists()
    )
    assert AuditEntry.objects.filter(action="org.role.granted").count() == 6
    assert AuditEntry.objects.filter(action="standards.version.created").count() == 3


def test_the_command_prints_the_logins(loaded):
    for account in demo.DEMO_ACCOUNTS:
        assert account.username in loaded
    assert demo.DEMO_PASSWORD in loaded
    assert Staff.objects.get(user__username="xnk").name in loaded


def test_the_people_are_the_same_on_every_run():
    first, second = demo.generate(), demo.generate()
    assert [(p.staff_no, p.name, p.phone, p.title, p.branch) for p in first.people] == [
        (p.staff_no, p.name, p.phone, p.title, p.branch) for p in second.people
    ]
    assert first.heads == second.heads and first.secretaries == second.secretaries


def test_refuses_a_database_holding_another_hospital():
    Hospital.objects.create(pk=1, name="真实的医院")
    DepartmentFactory(code="D01", name="真实的科室")
    with pytest.raises(CommandError):
        call_command("load_demo", stdout=StringIO())
    assert not Staff.objects.exists()
    call_command("load_demo", "--force", stdout=StringIO())
    assert Department.objects.get(code="D01").name == "心血管内科"


def test_a_rerun_relinks_accounts_and_clears_their_lockouts(loaded):
    from axes.models import AccessAttempt

    nurse = get_user_model().objects.get(username="nurse")
    record = Staff.objects.get(user=nurse)
    Staff.objects.filter(pk=record.pk).update(user=None)
    Staff.objects.filter(staff_no="E0300").update(user=nurse)
    AccessAttempt.objects.create(username="nurse", ip_address="10.0.0.1", failures_since_start=5)

    result = demo.load_demo()

    assert Staff.objects.get(user=nurse).pk == record.pk
    assert Staff.objects.get(staff_no="E0300").user is None
    assert result.lockouts_cleared == 1
    assert not AccessAttempt.objects.filter(username="nurse").exists()
