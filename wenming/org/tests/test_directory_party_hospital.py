"""The party organisation page and the hospital settings page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from wenming.core.models import AuditEntry
from wenming.org import services
from wenming.org.models import Hospital, PartyOrganization, Staff
from wenming.org.selectors import current_hospital


@pytest.fixture
def party(scenario):
    committee = PartyOrganization.objects.create(code="P0", name="医院党委", kind="committee")
    general = PartyOrganization.objects.create(code="P1", name="内科总支", kind="general_branch", parent=committee)
    branch = PartyOrganization.objects.create(code="P11", name="心内科支部", kind="branch", parent=general)
    Staff.objects.filter(staff_no__in=["E0101", "E0102"]).update(is_party_member=True, party_branch=branch)
    Staff.objects.filter(staff_no="E9001").update(is_party_member=True, party_branch=committee)
    Staff.objects.filter(staff_no="E0101").update(status="left")
    PartyOrganization.objects.filter(pk=branch.pk).update(secretary=scenario.employee_staff)
    return committee, general, branch


@pytest.mark.django_db
def test_party_tree_with_secretaries_and_member_counts(scenario, client_for, party, django_assert_max_num_queries):
    client = client_for(scenario.leader)
    client.get("/org/party/")
    with django_assert_max_num_queries(10):
        response = client.get("/org/party/")
    orgs = response.context["orgs"]
    assert [(o.code, o.level, o.members_own, o.members_total) for o in orgs] == [
        ("P0", 0, 1, 2),
        ("P1", 1, 0, 1),
        ("P11", 2, 1, 1),  # E0101 has left and no longer counts
    ]
    body = response.content.decode()
    assert "郑爽" in body  # the branch secretary
    assert response.context["form"] is None  # readers get no form
    assert 'data-testid="party-form"' not in body


@pytest.mark.django_db
def test_office_adds_a_branch_from_the_page(scenario, client_for, party):
    client = client_for(scenario.office)
    assert client.get("/org/party/").context["form"] is not None
    response = client.post(
        "/org/party/", {"code": "P12", "name": "骨科支部", "kind": "branch", "parent": "P1", "sort_order": 2}
    )
    assert response.status_code == 302
    created = PartyOrganization.objects.get(code="P12")
    assert created.parent.code == "P1"
    assert AuditEntry.objects.filter(action="org.party.created", target_id=str(created.pk)).exists()


@pytest.mark.django_db
def test_office_edits_an_organisation_and_sets_the_secretary(scenario, client_for, party):
    client = client_for(scenario.office)
    page = client.get("/org/party/", {"edit": "P1"})
    assert page.context["form"]["name"].value() == "内科总支"
    response = client.post(
        "/org/party/",
        {
            "org": "P1",
            "name": "内科党总支",
            "kind": "general_branch",
            "parent": "P0",
            "secretary": "E9001",
            "sort_order": 1,
        },
    )
    assert response.status_code == 302
    general = PartyOrganization.objects.get(code="P1")
    assert (general.name, general.secretary.staff_no) == ("内科党总支", "E9001")
    entry = AuditEntry.objects.get(action="org.party.updated")
    assert entry.data["name"] == ["内科总支", "内科党总支"]


@pytest.mark.django_db
def test_party_form_refuses_a_wrong_level_and_a_non_member_secretary(scenario, client_for, party):
    client = client_for(scenario.office)
    wrong_level = client.post("/org/party/", {"code": "PX", "name": "x", "kind": "committee", "parent": "P1"})
    assert wrong_level.status_code == 200
    assert "parent" in wrong_level.context["form"].errors
    not_member = client.post(
        "/org/party/", {"code": "PY", "name": "y", "kind": "branch", "parent": "P0", "secretary": "E0201"}
    )
    assert "secretary" in not_member.context["form"].errors
    unknown = client.post("/org/party/", {"code": "PZ", "name": "z", "kind": "branch", "secretary": "NOPE"})
    assert "secretary" in unknown.context["form"].errors
    assert not PartyOrganization.objects.filter(code__in=["PX", "PY", "PZ"]).exists()


# --- Hospital settings ------------------------------------------------------------------------


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (179, 38, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_office_changes_the_hospital_settings(scenario, client_for):
    client = client_for(scenario.office)
    page = client.get("/org/hospital/")
    assert page.context["form"]["name"].value() == "测试人民医院"
    current_hospital()  # cached now
    response = client.post(
        "/org/hospital/",
        {"name": "第二人民医院", "short_name": "二院", "time_zone": "Asia/Urumqi", "version": 1, "logo": _png()},
    )
    assert response.status_code == 302
    hospital = Hospital.objects.get(pk=1)
    assert (hospital.name, hospital.short_name, hospital.time_zone, hospital.version) == (
        "第二人民医院",
        "二院",
        "Asia/Urumqi",
        2,
    )
    assert hospital.logo.name.startswith("hospital/")
    assert current_hospital().name == "第二人民医院"  # the cache was dropped
    assert "二院" in client.get("/org/hospital/").content.decode()
    entry = AuditEntry.objects.get(action="org.hospital.updated")
    assert entry.data["name"] == ["测试人民医院", "第二人民医院"]
    assert entry.data["logo"][0] == ""


@pytest.mark.django_db
def test_logo_must_be_an_image_and_time_zone_real(scenario, client_for):
    fake = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    response = client_for(scenario.office).post(
        "/org/hospital/", {"name": "医院", "time_zone": "Mars/Base", "version": 1, "logo": fake}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "logo" in errors and "time_zone" in errors
    assert Hospital.objects.get(pk=1).name == "测试人民医院"


@pytest.mark.django_db
def test_concurrent_hospital_edit_is_refused(scenario, client_for):
    client = client_for(scenario.office)
    client.get("/org/hospital/")
    services.hospital_update(by=scenario.sysadmin, name="别人改的医院", time_zone="Asia/Shanghai")
    response = client.post("/org/hospital/", {"name": "我改的医院", "time_zone": "Asia/Shanghai", "version": 1})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="conflict"' in body and "别人改的医院" in body and 'value="我改的医院"' in body
    assert Hospital.objects.get(pk=1).name == "别人改的医院"
