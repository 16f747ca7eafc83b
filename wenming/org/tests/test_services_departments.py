"""department_create / department_update and the department selectors."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from wenming.core.models import AuditEntry
from wenming.org import services
from wenming.org.access import access_for
from wenming.org.models import Department
from wenming.org.selectors import department_facts, department_tree
from wenming.org.tests.factories import DepartmentFactory, StaffFactory


@pytest.mark.django_db
def test_create_sets_path_depth_and_audits(scenario):
    ward2 = services.department_create(
        by=scenario.office, code="D0102", name="心内二病区", category="nursing", parent=scenario.cardio
    )
    assert (ward2.path, ward2.depth, ward2.version) == ("D01/D0102/", 1, 1)
    entry = AuditEntry.objects.get(action="org.department.created")
    assert entry.data["code"] == [None, "D0102"]
    assert entry.data["parent"] == [None, "心血管内科"]
    assert entry.department_id == ward2.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "D01"}, "code"),
        ({"code": "A B"}, "code"),
        ({"code": "A/B"}, "code"),
        ({"code": ""}, "code"),
        ({"name": "  "}, "name"),
        ({"category": "space"}, "category"),
    ],
)
def test_create_refuses_bad_values(scenario, kwargs, field):
    values = {"code": "D05", "name": "新科室", "category": "clinical", **kwargs}
    with pytest.raises(ValidationError) as caught:
        services.department_create(by=scenario.office, **values)
    assert field in caught.value.message_dict
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_create_under_an_inactive_parent_is_refused(scenario):
    closed = DepartmentFactory(code="D08", name="已撤销", is_active=False)
    with pytest.raises(ValidationError) as caught:
        services.department_create(by=scenario.office, code="D081", name="x", category="clinical", parent=closed)
    assert "parent" in caught.value.message_dict


@pytest.mark.django_db
def test_update_bumps_version_and_records_before_and_after(scenario):
    saved = services.department_update(
        by=scenario.office,
        department=scenario.ortho,
        expected_version=1,
        name="骨科中心",
        head=scenario.head_ortho_staff,
        sort_order=5,
    )
    assert (saved.name, saved.version, saved.sort_order) == ("骨科中心", 2, 5)
    entry = AuditEntry.objects.get(action="org.department.updated")
    assert entry.actor == scenario.office
    assert entry.data == {"name": ["骨科", "骨科中心"], "head": [None, "吴敏（E0201）"], "sort_order": [0, 5]}


@pytest.mark.django_db
def test_update_without_changes_writes_nothing(scenario):
    saved = services.department_update(by=scenario.office, department=scenario.ortho, expected_version=1, name="骨科")
    assert saved.version == 1
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_stale_version_raises_and_keeps_the_other_change(scenario):
    services.department_update(by=scenario.sysadmin, department=scenario.ortho, name="他人修改")
    with pytest.raises(services.ConcurrentEditError):
        services.department_update(by=scenario.office, department=scenario.ortho, expected_version=1, name="我的修改")
    assert Department.objects.get(pk=scenario.ortho.pk).name == "他人修改"
    assert AuditEntry.objects.filter(action="org.department.updated").count() == 1


@pytest.mark.django_db
def test_moving_refreshes_the_whole_subtree(scenario):
    DepartmentFactory(code="D010101", name="监护室", parent=scenario.ward)
    services.department_update(by=scenario.office, department=scenario.cardio, parent=scenario.ortho)
    paths = dict(Department.objects.values_list("code", "path"))
    assert paths["D01"] == "D02/D01/"
    assert paths["D0101"] == "D02/D01/D0101/"
    assert paths["D010101"] == "D02/D01/D0101/D010101/"
    assert Department.objects.get(code="D010101").depth == 3
    # The head of 骨科 now covers 心血管内科, whose head still covers his own subtree.
    assert access_for(scenario.head_ortho).departments().filter(code="D0101").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["D01", "D0101"])
def test_moving_under_itself_or_a_descendant_is_refused(scenario, target):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.department_update(
            by=scenario.office, department=scenario.cardio, parent=Department.objects.get(code=target)
        )
    assert "loop" in str(caught.value.message_dict["parent"])
    cardio = Department.objects.get(code="D01")
    assert (cardio.parent_id, cardio.path, cardio.version) == (None, "D01/", 1)


@pytest.mark.django_db
def test_moving_back_to_top_level(scenario):
    saved = services.department_update(by=scenario.office, department=scenario.ward, parent=None)
    assert (saved.path, saved.depth) == ("D0101/", 0)


@pytest.mark.django_db
def test_deactivation_rules(scenario):
    with pytest.raises(ValidationError) as caught:
        services.department_update(by=scenario.office, department=scenario.cardio, is_active=False)
    assert "is_active" in caught.value.message_dict
    # A ward with staff in post may close; the staff stay until moved.
    ward = services.department_update(by=scenario.office, department=scenario.ward, is_active=False)
    assert not ward.is_active
    facts = department_facts(access=access_for(scenario.office), department=ward)
    assert facts.active_staff_in_inactive == 1
    # Reactivating under an inactive parent is refused.
    services.department_update(by=scenario.office, department=scenario.cardio, is_active=False)
    with pytest.raises(ValidationError):
        services.department_update(by=scenario.office, department=ward, is_active=True)


@pytest.mark.django_db
def test_head_must_be_in_post_in_the_subtree(scenario):
    services.department_update(by=scenario.office, department=scenario.cardio, head=scenario.employee_staff)
    with pytest.raises(ValidationError):
        services.department_update(by=scenario.office, department=scenario.cardio, head=scenario.head_ortho_staff)
    gone = StaffFactory(staff_no="E0199", name="离职", department=scenario.cardio, status="left")
    with pytest.raises(ValidationError):
        services.department_update(by=scenario.office, department=scenario.cardio, head=gone)


# --- Selectors --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tree_hangs_shown_departments_under_their_nearest_shown_ancestor(scenario):
    DepartmentFactory(code="D010101", name="监护室", parent=scenario.ward, category="clinical")
    Department.objects.filter(code="D0101").update(category="nursing")
    rows = department_tree(access=access_for(scenario.office), category="clinical")
    by_code = {d.code: d for d in rows}
    assert [d.code for d in rows] == ["D01", "D010101", "D02"]
    assert [c.code for c in by_code["D01"].tree_children] == ["D010101"]
    assert by_code["D010101"].level == 1


@pytest.mark.django_db
def test_tree_orders_siblings_by_sort_order_then_code(scenario):
    Department.objects.filter(code="D09").update(sort_order=0)
    Department.objects.filter(code__in=["D01", "D02"]).update(sort_order=5)
    rows = department_tree(access=access_for(scenario.office))
    assert [d.code for d in rows if d.level == 0] == ["D09", "D01", "D02"]


@pytest.mark.django_db
def test_tree_totals_count_hidden_sub_departments(scenario):
    Department.objects.filter(code="D0101").update(is_active=False)
    rows = department_tree(access=access_for(scenario.office))
    cardio = next(d for d in rows if d.code == "D01")
    assert cardio.tree_children == []
    assert (cardio.staff_own, cardio.staff_total) == (1, 2)


@pytest.mark.django_db
def test_tree_is_one_query(scenario, django_assert_num_queries):
    access = access_for(scenario.head_cardio)
    with django_assert_num_queries(1):
        rows = department_tree(access=access, include_inactive=True)
    assert [d.code for d in rows] == ["D01", "D0101"]
