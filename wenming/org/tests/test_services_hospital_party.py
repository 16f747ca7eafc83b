"""hospital_update, party_org_create / party_org_update and party_tree."""

import pytest
from django.core.exceptions import ValidationError

from wenming.core.models import AuditEntry
from wenming.org import services
from wenming.org.access import access_for
from wenming.org.models import Hospital, PartyOrganization, Staff
from wenming.org.selectors import current_hospital, party_tree


@pytest.mark.django_db
def test_hospital_update_clears_the_cache_and_bumps_the_version(scenario):
    assert current_hospital().name == "测试人民医院"
    hospital = services.hospital_update(
        by=scenario.office, name="新名字医院", short_name="新院", time_zone="Asia/Shanghai", expected_version=1
    )
    assert hospital.version == 2
    assert current_hospital().name == "新名字医院"
    entry = AuditEntry.objects.get(action="org.hospital.updated")
    assert entry.data == {"name": ["测试人民医院", "新名字医院"], "short_name": ["测试医院", "新院"]}


@pytest.mark.django_db
def test_hospital_update_refuses_unknown_time_zones_and_stale_versions(scenario):
    with pytest.raises(ValidationError) as caught:
        services.hospital_update(by=scenario.office, name="x", time_zone="Asia/Atlantis")
    assert "time_zone" in caught.value.message_dict
    services.hospital_update(by=scenario.office, name="先改的", time_zone="Asia/Shanghai")
    with pytest.raises(services.ConcurrentEditError):
        services.hospital_update(by=scenario.office, name="后改的", time_zone="Asia/Shanghai", expected_version=1)
    assert Hospital.objects.get(pk=1).name == "先改的"


@pytest.mark.django_db
def test_hospital_is_created_on_first_save(db):
    from wenming.org.tests.factories import UserFactory

    hospital = services.hospital_update(by=UserFactory(), name="首次设置医院", time_zone="Asia/Shanghai")
    assert (hospital.pk, hospital.name) == (1, "首次设置医院")
    assert AuditEntry.objects.filter(action="org.hospital.updated").exists()


@pytest.mark.django_db
def test_party_hierarchy_rules(scenario):
    committee = services.party_org_create(by=scenario.office, code="P0", name="党委", kind="committee")
    general = services.party_org_create(
        by=scenario.office, code="P1", name="总支", kind="general_branch", parent=committee
    )
    branch = services.party_org_create(by=scenario.office, code="P11", name="支部", kind="branch", parent=general)
    with pytest.raises(ValidationError):  # a branch cannot hold anything
        services.party_org_create(by=scenario.office, code="P111", name="x", kind="branch", parent=branch)
    with pytest.raises(ValidationError):  # a general branch with a branch under it cannot become a branch
        services.party_org_update(by=scenario.office, org=general, kind="branch")
    with pytest.raises(ValidationError):  # no loops: the committee under its own branch
        services.party_org_update(by=scenario.office, org=committee, parent=branch)
    with pytest.raises(ValidationError):
        services.party_org_update(by=scenario.office, org=committee, parent=committee)
    with pytest.raises(ValidationError):
        services.party_org_create(by=scenario.office, code="P0", name="重复", kind="committee")
    moved = services.party_org_update(by=scenario.office, org=branch, parent=committee)
    assert moved.parent == committee
    entry = AuditEntry.objects.filter(action="org.party.updated").get()
    assert entry.data == {"parent": ["总支", "党委"]}


@pytest.mark.django_db
def test_secretary_must_be_a_party_member_in_post(scenario):
    committee = services.party_org_create(by=scenario.office, code="P0", name="党委", kind="committee")
    with pytest.raises(ValidationError) as caught:
        services.party_org_update(by=scenario.office, org=committee, secretary=scenario.employee_staff)
    assert "secretary" in caught.value.message_dict
    Staff.objects.filter(pk=scenario.employee_staff.pk).update(is_party_member=True)
    scenario.employee_staff.refresh_from_db()
    updated = services.party_org_update(by=scenario.office, org=committee, secretary=scenario.employee_staff)
    assert updated.secretary == scenario.employee_staff


@pytest.mark.django_db
def test_party_tree_is_one_query_and_hidden_from_department_roles(scenario, django_assert_num_queries):
    committee = PartyOrganization.objects.create(code="P0", name="党委", kind="committee")
    PartyOrganization.objects.create(code="P1", name="总支", kind="general_branch", parent=committee)
    office = access_for(scenario.office)
    with django_assert_num_queries(1):
        orgs = party_tree(access=office)
    assert [o.code for o in orgs] == ["P0", "P1"]
    assert party_tree(access=access_for(scenario.head_cardio)) == []
