"""wenming.org.importing: checking (org_import_plan) and writing (org_import_apply) an organisation import."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wenming.core.models import AuditEntry
from wenming.core.tabular import read_table
from wenming.org import importing
from wenming.org.importing import (
    DEPARTMENT_COLUMNS,
    STAFF_COLUMNS,
    OrgImportError,
    org_import_apply,
    org_import_plan,
    org_import_plan_files,
)
from wenming.org.models import Department, PartyOrganization, PartyOrgKind, Staff, StaffStatus

DATA = Path(__file__).parent / "data"
SAMPLE = Path("/work/shared/data/sample")

# The standing scenario (conftest) exactly as it is: importing these changes nothing.
SCENARIO_DEPARTMENTS = """code,name,parent,category
D01,心血管内科,,clinical
D0101,心内一病区,D01,clinical
D02,骨科,,clinical
D09,院办公室,,admin
"""
SCENARIO_STAFF = """staff_no,name,department,title,post,party_member,phone
E9001,文明办,D09,,,否,13800138000
E0101,周涛,D01,,,否,13800138000
E0201,吴敏,D02,,,否,13800138000
E0102,郑爽,D0101,,,否,13800138000
E9002,王院长,D09,,,否,13800138000
E9003,督查员,D09,,,否,13800138000
"""


def departments_table(text: str, name: str = "departments.csv"):
    return read_table(text.encode(), columns=DEPARTMENT_COLUMNS, name=name)


def staff_table(text: str, name: str = "staff.csv"):
    return read_table(text.encode(), columns=STAFF_COLUMNS, name=name)


def without(text: str, staff_no: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith(f"{staff_no},"))


def snapshot_db():
    return (
        list(Department.objects.order_by("code").values()),
        list(Staff.objects.order_by("staff_no").values()),
        AuditEntry.objects.count(),
    )


@pytest.fixture(autouse=True)
def _english():
    """Problems are worded when the plan is made: make them in English, as the assertions are.
    (Tests of the Chinese wording switch with translation.override.)"""
    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_the_sample_files_import_into_an_empty_hospital():
    plan = org_import_plan_files(departments=SAMPLE / "departments.csv", staff=SAMPLE / "staff.csv")
    assert plan.is_valid, [str(p) for p in plan.problems]
    with translation.override("en"):
        summary = org_import_apply(plan=plan, by=None)
        assert summary["text"] == (
            "Departments: 10 created, 0 updated, 0 unchanged; "
            "staff: 12 created, 0 updated, 0 marked as left, 0 unchanged"
        )
    ward = Department.objects.get(code="D0101")
    assert (ward.parent.code, ward.path, ward.depth, ward.category) == ("D01", "D01/D0101/", 1, "clinical")
    assert Department.objects.get(code="D09").category == "admin"
    zhou = Staff.objects.get(staff_no="E1001")
    assert (zhou.name, zhou.department.code, zhou.is_party_member, zhou.phone) == ("周涛", "D01", True, "13800138000")
    assert (zhou.name_initials, zhou.name_pinyin) == ("zt", "zhoutao")
    assert Staff.objects.get(staff_no="E1002").phone == ""
    assert AuditEntry.objects.filter(action="org.staff.created").count() == 12
    assert AuditEntry.objects.filter(action="org.department.created").count() == 10
    assert AuditEntry.objects.filter(action="org.import.completed").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("staff_file", ["staff_gb18030.csv", "staff.xlsx"])
def test_fixture_files_in_other_encodings_and_formats_give_the_same_plan(scenario, staff_file):
    plan = org_import_plan_files(departments=DATA / "departments_utf8_bom.csv", staff=DATA / staff_file)
    assert plan.is_valid, [str(p) for p in plan.problems]
    assert plan.counts() == {
        "departments_created": 1,
        "departments_updated": 0,
        "departments_unchanged": 4,
        "staff_created": 1,
        "staff_updated": 4,
        "staff_left": 0,
        "staff_unchanged": 2,
    }
    assert plan.ignored_columns == {"departments": ["备注"]}
    new = plan.staff_create[0]
    assert (new.staff_no, new.department, new.phone, new.title) == ("E0601", "D06", "13900139001", "技师")
    zhou = next(item for item in plan.staff_update if item.staff_no == "E0101")
    assert {(c.field, c.old, c.new) for c in zhou.changes} == {
        ("title", "", "主任医师"),
        ("post", "", "科主任"),
        ("is_party_member", False, True),
    }
    org_import_apply(plan=plan, by=scenario.office)
    assert Staff.objects.get(staff_no="E0601").department.code == "D06"


@pytest.mark.django_db
def test_a_bad_file_is_refused_whole_with_every_bad_line(scenario):
    departments = departments_table(
        "code,name,parent,category\n"
        "D01,心血管内科,,临床\n"
        "D01,重复,,临床\n"
        ",无编码,,临床\n"
        "D03,,D99,外科\n"
        "D 4,空格,,护理\n"
    )
    staff = staff_table(
        "staff_no,name,department,party_member,phone\n"
        "E1,张三,D01,是,13800138000\n"
        "E1,李四,D01,否,\n"
        "E2,,D77,maybe,12345\n"
        "E3,王五,,1,+86 138-0013-8000\n"
    )
    before = snapshot_db()
    with translation.override("en"):
        plan = org_import_plan(departments=departments, staff=staff)
        assert [str(p) for p in plan.problems] == [
            "line 3: the department code “D01” appears more than once (first on line 2)",
            "line 4: the department code is empty",
            "line 5: the department name is empty",
            "line 5: the category “外科” is not one of: clinical/临床, medtech/医技, nursing/护理, admin/行政后勤",
            "line 5: the parent department “D99” is neither in this file nor in the system",
            "line 6: the department code “D 4” may only have up to 32 letters, digits, dots, hyphens or underscores",
            "line 3: the staff number “E1” appears more than once (first on line 2)",
            "line 4: the staff member's name is empty",
            "line 4: the department “D77” is neither in the departments file nor in the system",
            "line 4: the party member value “maybe” is not one of: 是/否, yes/no, 1/0, true/false",
            "line 4: the mobile number “12345” is not an 11-digit mainland mobile number",
            "line 5: the staff member's department code is empty",
        ]
        assert [p.file for p in plan.problems] == ["departments.csv"] * 6 + ["staff.csv"] * 6
        with pytest.raises(OrgImportError):
            org_import_apply(plan=plan, by=scenario.office)
    assert not plan.has_changes
    assert snapshot_db() == before


@pytest.mark.django_db
def test_problems_are_worded_in_the_active_language_with_plain_line_numbers(scenario):
    staff = staff_table("staff_no,name,department\nE1,张三,D01\nE2,,D01\n")
    with translation.override("zh-hans"):
        (problem,) = org_import_plan(departments=None, staff=staff).problems
        assert str(problem) == _("line %(line)s: %(message)s") % {
            "line": 3,
            "message": _("the staff member's name is empty"),
        }
        assert problem.as_dict()["where"] == _("line %(line)s") % {"line": 3}
    assert problem.position.line == 3
    assert "3" in str(problem)


@pytest.mark.django_db
def test_a_department_cannot_end_up_below_itself(scenario):
    # In the database D0101 is under D01; the file puts D01 under D0101 without mentioning D0101.
    plan = org_import_plan(
        departments=departments_table("code,name,parent,category\nD01,心血管内科,D0101,临床\n"), staff=None
    )
    with translation.override("en"):
        assert [str(p) for p in plan.problems] == ["line 2: department “D01” would be below itself (D01 → D0101 → D01)"]
    table = departments_table("code,name,parent,category\nA,a,B,临床\nB,b,A,临床\nC,c,C,临床\n")
    with translation.override("en"):
        assert [str(p) for p in org_import_plan(departments=table, staff=None).problems] == [
            "line 2: department “A” would be below itself (A → B → A)",
            "line 3: department “B” would be below itself (B → A → B)",
            "line 4: department “C” cannot be its own parent",
        ]


@pytest.mark.django_db
def test_new_parents_and_children_in_any_order(scenario):
    table = departments_table("code,name,parent,category\nN2,病区,N1,护理\nN1,新科,D01,临床\n")
    org_import_apply(plan=org_import_plan(departments=table, staff=None), by=None)
    assert Department.objects.get(code="N2").path == "D01/N1/N2/"
    assert Department.objects.get(code="N1").depth == 1


@pytest.mark.django_db
def test_columns_left_out_keep_what_the_system_has(scenario):
    scenario.employee_staff.title = "主管护师"
    scenario.employee_staff.save()
    # No category or parent column: existing departments keep theirs; a new one cannot be created.
    plan = org_import_plan(departments=departments_table("科室编码,科室名称\nD01,心内科\nNEW,新科\n"), staff=None)
    with translation.override("en"):
        assert [str(p) for p in plan.problems] == [
            "line 3: department “NEW” is new and needs a category: add the column 类别 (category)"
        ]
    plan = org_import_plan(departments=departments_table("科室编码,科室名称\nD0101,心内一病区（新）\n"), staff=None)
    assert [(c.field, c.new) for c in plan.departments_update[0].changes] == [("name", "心内一病区（新）")]
    # No title or phone column: the employee keeps the title set above and the phone.
    three_columns = "".join(",".join(line.split(",")[:3]) + "\n" for line in SCENARIO_STAFF.splitlines()[1:])
    plan = org_import_plan(departments=None, staff=staff_table("工号,姓名,科室编码\n" + three_columns))
    assert plan.is_valid and not plan.has_changes


@pytest.mark.django_db
def test_importing_the_same_files_twice_changes_nothing_the_second_time(scenario, django_assert_num_queries):
    departments = DATA / "departments_utf8_bom.csv"
    staff = DATA / "staff_gb18030.csv"
    org_import_apply(plan=org_import_plan_files(departments=departments, staff=staff), by=scenario.office)
    before = snapshot_db()
    plan = org_import_plan_files(departments=departments, staff=staff)
    assert plan.is_valid and not plan.has_changes
    assert plan.counts()["departments_unchanged"] == 5
    assert plan.counts()["staff_unchanged"] == 7
    with django_assert_num_queries(0):
        summary = org_import_apply(plan=plan, by=scenario.office)
    assert summary["staff_unchanged"] == 7
    assert snapshot_db() == before


@pytest.mark.django_db
def test_staff_missing_from_the_file_are_marked_left_and_come_back(scenario):
    scenario.cardio.head = scenario.head_cardio_staff
    scenario.cardio.save()
    departments = departments_table(SCENARIO_DEPARTMENTS)
    plan = org_import_plan(departments=departments, staff=staff_table(without(SCENARIO_STAFF, "E0101")))
    assert [item.staff_no for item in plan.staff_leave] == ["E0101"]
    assert plan.counts()["departments_updated"] == 1  # 心血管内科 loses its head
    assert plan.counts()["departments_unchanged"] == 3
    org_import_apply(plan=plan, by=scenario.office)

    zhou = Staff.objects.select_related("user").get(staff_no="E0101")
    assert zhou.status == StaffStatus.LEFT
    assert zhou.left_on == timezone.localdate()
    assert not zhou.user.is_active  # as when one person is marked as left: no more logging in
    assert Department.objects.get(code="D01").head is None
    left = AuditEntry.objects.get(action="org.staff.left")
    assert left.actor == scenario.office
    assert left.data == {
        "status": ["active", "left"],
        "left_on": [None, timezone.localdate().isoformat()],
        "account_active": [True, False],
    }
    assert AuditEntry.objects.get(action="org.department.updated").data == {"head": ["周涛（E0101）", None]}

    plan = org_import_plan(departments=departments, staff=staff_table(SCENARIO_STAFF))
    assert [item.staff_no for item in plan.staff_update] == ["E0101"]
    org_import_apply(plan=plan, by=scenario.office)
    zhou.refresh_from_db()
    assert (zhou.status, zhou.left_on) == (StaffStatus.ACTIVE, None)
    assert Staff.objects.filter(status=StaffStatus.LEFT).count() == 0
    assert Staff.objects.count() == 6  # never deleted, never duplicated


@pytest.mark.django_db
def test_every_change_is_audited_with_before_and_after(scenario):
    text = SCENARIO_STAFF.replace("E0102,郑爽,D0101,,,否,13800138000", "E0102,郑爽爽,D02,护师,,是,13900139000")
    plan = org_import_plan(departments=None, staff=staff_table(text + "E0701,新人,D02,,,否,\n"))
    org_import_apply(plan=plan, by=scenario.office)
    updated = AuditEntry.objects.get(action="org.staff.updated")
    assert updated.actor == scenario.office
    assert updated.target_id == str(scenario.employee_staff.pk)
    assert updated.department_id == scenario.ortho.pk
    assert updated.data == {
        "name": ["郑爽", "郑爽爽"],
        "department": ["心内一病区", "骨科"],
        "title": ["", "护师"],
        "is_party_member": [False, True],
        "phone": ["138****8000", "139****9000"],
    }
    created = AuditEntry.objects.get(action="org.staff.created")
    assert created.data["staff_no"] == [None, "E0701"]
    assert created.data["department"] == [None, "骨科"]
    summary = AuditEntry.objects.get(action="org.import.completed")
    assert summary.data["staff_updated"] == 1 and summary.data["staff_created"] == 1
    employee = Staff.objects.get(staff_no="E0102")
    assert (employee.name_initials, employee.version) == ("zss", scenario.employee_staff.version + 1)


@pytest.mark.django_db
def test_staff_cannot_join_an_inactive_department(scenario):
    Department.objects.filter(code="D02").update(is_active=False)
    plan = org_import_plan(departments=None, staff=staff_table(SCENARIO_STAFF + "E0701,新人,D02,,,否,\n"))
    with translation.override("en"):
        assert [str(p) for p in plan.problems] == ["line 8: the department “D02” is no longer active"]
    assert not plan.has_changes


@pytest.mark.django_db
def test_a_party_branch_member_cannot_be_made_a_non_member(scenario):
    branch = PartyOrganization.objects.create(code="P1", name="内科第一党支部", kind=PartyOrgKind.BRANCH)
    Staff.objects.filter(staff_no="E0101").update(is_party_member=True, party_branch=branch)
    plan = org_import_plan(departments=None, staff=staff_table(SCENARIO_STAFF))
    with translation.override("en"):
        assert [str(p) for p in plan.problems] == [
            "line 3: 周涛 belongs to the party branch “内科第一党支部”, so cannot be marked as not a party member; "
            "take them out of the branch first"
        ]


@pytest.mark.django_db
def test_a_plan_made_stale_by_someone_else_writes_nothing(scenario):
    plan = org_import_plan(departments=None, staff=staff_table(without(SCENARIO_STAFF, "E0102")))
    Staff.objects.filter(staff_no="E0102").update(title="改过了", version=99)
    before = snapshot_db()
    with pytest.raises(OrgImportError):
        org_import_apply(plan=plan, by=scenario.office)
    assert snapshot_db() == before


@pytest.mark.django_db
def test_an_error_while_writing_leaves_nothing_behind(scenario, monkeypatch):
    plan = org_import_plan_files(departments=DATA / "departments_utf8_bom.csv", staff=DATA / "staff_gb18030.csv")
    before = snapshot_db()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.apply, "department_refresh_paths", broken)
    with pytest.raises(RuntimeError):
        org_import_apply(plan=plan, by=scenario.office)
    assert snapshot_db() == before


@pytest.mark.django_db
def test_progress_is_reported_up_to_the_total(scenario):
    plan = org_import_plan_files(departments=DATA / "departments_utf8_bom.csv", staff=DATA / "staff_gb18030.csv")
    calls = []
    org_import_apply(plan=plan, by=None, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (plan.change_count, plan.change_count) == (6, 6)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)


@pytest.mark.django_db
def test_planning_reads_the_database_in_a_fixed_number_of_queries(scenario):
    def queries_for(count: int) -> int:
        rows = "".join(f"E{n:05d},员工{n},D01,,,否,\n" for n in range(count))
        table = staff_table("staff_no,name,department,title,post,party_member,phone\n" + rows)
        with CaptureQueriesContext(connection) as ctx:
            org_import_plan(departments=departments_table(SCENARIO_DEPARTMENTS), staff=table)
        return len(ctx.captured_queries)

    assert queries_for(10) == queries_for(300) <= 4


@pytest.mark.django_db
def test_describe_and_preview_say_what_would_change(scenario):
    plan = org_import_plan(
        departments=None, staff=staff_table(without(SCENARIO_STAFF, "E0201") + "E0701,新人,D02,,,否,13700137000\n")
    )
    with translation.override("en"):
        assert plan.describe() == [
            "new staff member E0701 新人 in D02",
            "mark staff member E0201 吴敏 as left",
        ]
    preview = plan.preview()
    assert preview["staff_create"][0]["phone"] == "137****7000"
    assert preview["staff_leave"] == [{"staff_no": "E0201", "name": "吴敏", "department": "D02"}]
    assert preview["names"]["D02"] == "骨科"
