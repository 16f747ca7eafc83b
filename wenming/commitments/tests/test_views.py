"""The commitments pages: who sees which, the editing forms, conflicts, the office's set-up pages,
and the cost of the lists."""

from __future__ import annotations

import pytest

from wenming.commitments import services
from wenming.commitments.models import Commitment, CommitmentTemplate, Kind, PublicSettings
from wenming.org.tests.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db

HOME = "/evaluations/commitments/"
DEPT = "/evaluations/commitments/d/{code}/"
MINE = "/evaluations/commitments/mine/"
TEMPLATES = "/evaluations/commitments/templates/"
PUBLIC = "/evaluations/commitments/public/"


@pytest.fixture
def applied(people):
    services.commitments_apply(by=people.office, department=people.cardio, year=2026, include_children=True)
    return people


def test_anonymous_visitors_go_to_the_login(client):
    for url in (HOME, MINE, DEPT.format(code="D01"), TEMPLATES, PUBLIC, f"{HOME}reviews/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_home_lists_the_departments_in_scope(applied, client_for):
    body = client_for(applied.office).get(HOME, {"year": 2026}).content.decode()
    for code in ("D01", "D0101", "D02", "D09"):
        assert f'data-testid="department-{code}"' in body
    head = client_for(applied.head_cardio).get(HOME).content.decode()
    assert 'data-testid="department-D01"' in head and 'data-testid="department-D0101"' in head
    assert 'data-testid="department-D02"' not in head
    leader = client_for(applied.leader).get(HOME).content.decode()
    assert 'data-testid="department-D02"' in leader


def test_the_tab_of_the_people_section(people):
    from wenming.core.navigation import tabs_for
    from wenming.org.access import access_for

    def labels(user):
        return [str(tab["url"]) for tab in tabs_for("people", access_for(user), HOME)]

    for who in ("office", "leader", "head_cardio", "employee"):
        assert HOME in labels(getattr(people, who)), who
    assert next(t for t in tabs_for("people", access_for(people.office), HOME) if t["url"] == HOME)["active"]


def test_a_plain_staff_member_is_sent_to_their_own(applied, client_for):
    client = client_for(applied.employee)
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"] == MINE
    body = client.get(MINE, {"year": 2026}).content.decode()
    assert "郑爽" in body and "遵纪守法，持证上岗" in body
    assert "/evaluations/commitments/c/" not in body  # nothing to edit
    assert client.get(DEPT.format(code="D0101")).status_code == 403
    assert client.get(TEMPLATES).status_code == 403


def test_inspector_without_staff_record_gets_403(people, client_for):
    from wenming.org.models import Role, RoleAssignment
    from wenming.org.tests.factories import UserFactory

    outsider = UserFactory(username="outsider")
    RoleAssignment.objects.create(user=outsider, role=Role.INSPECTOR)
    assert client_for(outsider).get(HOME).status_code == 403
    assert client_for(outsider).get(MINE).status_code == 403


def test_department_page_shows_people_badges_and_editing_for_heads(applied, client_for):
    body = client_for(applied.head_cardio).get(DEPT.format(code="D01"), {"year": 2026}).content.decode()
    assert "周涛" in body and 'data-testid="party-badge"' in body and "心血管内科党支部" in body
    assert 'data-testid="apply-form"' in body and 'data-testid="add-form"' in body and 'data-testid="print"' in body
    assert "/evaluations/commitments/c/" in body
    assert "13800138000" not in body
    leader = client_for(applied.leader).get(DEPT.format(code="D01"), {"year": 2026}).content.decode()
    assert "周涛" in leader and 'data-testid="apply-form"' not in leader and "/evaluations/commitments/c/" not in leader
    assert client_for(applied.head_ortho).get(DEPT.format(code="D01")).status_code == 404
    assert client_for(applied.head_cardio).get(DEPT.format(code="D02")).status_code == 404
    assert client_for(applied.office).get(DEPT.format(code="NOPE")).status_code == 404


def test_apply_and_add_on_the_page(people, client_for):
    client = client_for(people.head_cardio)
    response = client.post(f"{DEPT.format(code='D01')}apply/", {"year": 2026})
    assert response.status_code == 302 and response["Location"].endswith("/d/D01/?year=2026")
    assert Commitment.objects.filter(department=people.cardio, year=2026).count() == 16
    client.post(f"{DEPT.format(code='D01')}apply/", {"year": 2026})
    assert Commitment.objects.filter(department=people.cardio, year=2026).count() == 16
    response = client.post(
        f"{DEPT.format(code='D01')}add/", {"target": "E0101", "kind": "standard", "text": "耐心细致", "year": 2026}
    )
    assert response.status_code == 302
    made = Commitment.objects.get(text="耐心细致")
    assert made.staff == people.head_cardio_staff and made.kind == Kind.PLEDGE
    assert client_for(people.head_ortho).post(f"{DEPT.format(code='D01')}apply/", {"year": 2026}).status_code == 404
    assert client_for(people.leader).post(f"{DEPT.format(code='D01')}apply/", {"year": 2026}).status_code == 403
    assert (
        client_for(people.leader).post(f"{DEPT.format(code='D01')}add/", {"text": "x", "year": 2026}).status_code == 403
    )
    assert (
        client_for(people.employee).post(f"{DEPT.format(code='D0101')}add/", {"text": "x", "year": 2026}).status_code
        == 403
    )


def test_edit_keeps_the_input_on_a_conflict_and_refuses_others(applied, client_for):
    commitment = Commitment.objects.filter(staff=applied.head_cardio_staff).first()
    url = f"/evaluations/commitments/c/{commitment.pk}/edit/"
    client = client_for(applied.head_cardio)
    assert client.get(url).status_code == 200
    services.commitment_update(by=applied.office, commitment=commitment, expected_version=1, text="办公室改过")
    response = client.post(url, {"text": "我的新写法", "sort_order": 5, "version": 1})
    assert response.status_code == 409
    body = response.content.decode()
    assert "我的新写法" in body and 'name="version" value="2"' in body
    response = client.post(url, {"text": "我的新写法", "sort_order": 5, "version": 2})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.text == "我的新写法" and commitment.version == 3
    assert client_for(applied.head_ortho).get(url).status_code == 404
    assert client_for(applied.leader).get(url).status_code == 404  # reads, never edits
    assert client_for(applied.employee).get(url).status_code == 403
    remove = f"/evaluations/commitments/c/{commitment.pk}/remove/"
    assert client_for(applied.head_ortho).post(remove, {"version": 3}).status_code == 404
    assert client_for(applied.office).post(remove, {"version": 3}).status_code == 302
    assert not Commitment.objects.filter(pk=commitment.pk).exists()


def test_templates_pages_are_the_offices(people, client_for):
    client = client_for(people.office)
    body = client.get(TEMPLATES).content.decode()
    assert "遵纪守法，持证上岗" in body
    response = client.post(
        f"{TEMPLATES}new/",
        {"kind": "pledge", "text": "廉洁行医", "applies_to": "persons", "sort_order": 70, "is_active": "on"},
    )
    assert response.status_code == 302
    template = CommitmentTemplate.objects.get(text="廉洁行医")
    response = client.post(
        f"{TEMPLATES}{template.pk}/",
        {"kind": "pledge", "text": "廉洁行医，拒收红包", "applies_to": "both", "sort_order": 70, "version": 1},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.text == "廉洁行医，拒收红包" and not template.is_active and template.version == 2
    response = client.post(
        f"{TEMPLATES}{template.pk}/",
        {"kind": "pledge", "text": "旧版本", "applies_to": "both", "sort_order": 1, "version": 1},
    )
    assert response.status_code == 409 and "旧版本" in response.content.decode()
    assert client.post(f"{TEMPLATES}{template.pk}/delete/", {"version": 2}).status_code == 302
    assert not CommitmentTemplate.objects.filter(pk=template.pk).exists()
    for who in ("head_cardio", "leader", "employee", "inspector"):
        other = client_for(getattr(people, who))
        assert other.get(TEMPLATES).status_code == 403
        assert other.post(f"{TEMPLATES}new/", {"kind": "pledge", "text": "x", "applies_to": "both"}).status_code == 403


def test_public_settings_page(people, client_for):
    client = client_for(people.office)
    assert 'data-testid="page-D01"' in client.get(PUBLIC).content.decode()
    response = client.post(PUBLIC, {"enabled": "on", "show_staff_no": "", "note": "监督电话", "version": 1})
    assert response.status_code == 302
    assert PublicSettings.objects.get(pk=1).enabled
    response = client.post(f"{PUBLIC}D01/", {})
    assert response.status_code == 302
    assert client.get("/p/D01/").status_code == 404
    client.post(f"{PUBLIC}D01/", {"enabled": "on"})
    assert client.get("/p/D01/").status_code == 200
    for who in ("head_cardio", "leader", "employee"):
        other = client_for(getattr(people, who))
        assert other.get(PUBLIC).status_code == 403
        assert other.post(f"{PUBLIC}D01/", {}).status_code == 403


def test_the_lists_cost_a_fixed_number_of_queries(people, client_for, django_assert_num_queries):
    for i in range(4):
        department = DepartmentFactory(code=f"D3{i}", name=f"科室{i}")
        for j in range(3):
            StaffFactory(staff_no=f"E3{i}{j}", name=f"职工{i}{j}", department=department)
        services.commitments_apply(by=people.office, department=department, year=2026)
    client = client_for(people.office)
    client.get(HOME)  # warm the session, the hospital and the access
    # The page's own: the years, the departments, people, people with pledges, the departments' counts;
    # the rest is the session, the user, their access and the menu's staff name.
    with django_assert_num_queries(14):
        assert client.get(HOME, {"year": 2026}).status_code == 200
    department = DEPT.format(code="D30")
    client.get(department)
    with django_assert_num_queries(14):
        assert client.get(department, {"year": 2026}).status_code == 200


def test_the_year_filter_swaps_the_table_for_htmx(applied, client_for):
    client = client_for(applied.office)
    body = client.get(HOME, {"year": 2026}, HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith("<div") and 'id="overview"' in body and "<html" not in body
    assert 'data-testid="department-D01"' in body
    full = client.get(HOME, {"year": 2026}).content.decode()
    assert "<html" in full and 'name="year"' in full
