"""The commitments' services: the seeded templates, applying them (idempotent), single edits with
their version, who may do what, and the audit entries."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from wenming.commitments import services
from wenming.commitments.models import AppliesTo, Commitment, CommitmentTemplate, Kind
from wenming.core.models import AuditEntry
from wenming.org.models import StaffStatus
from wenming.org.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

SIX = [
    "遵纪守法，持证上岗",
    "行医唯德，病人至上",
    "优质服务，文明用语",
    "合理检查，合理用药，合理收费",
    "不购进和使用过期或假冒伪劣药品",
    "不索取收受红包、各种回扣、物品或接受宴请",
]


def test_the_six_social_commitments_are_seeded_with_some_standards():
    pledges = list(CommitmentTemplate.objects.filter(kind=Kind.PLEDGE).values_list("text", flat=True))
    assert pledges == SIX
    standards = CommitmentTemplate.objects.filter(kind=Kind.STANDARD)
    assert standards.count() >= 3
    assert set(standards.values_list("applies_to", flat=True)) == {AppliesTo.DEPARTMENTS}
    assert not CommitmentTemplate.objects.filter(text__regex=r"[紀規務購偽]").exists()  # simplified characters


def test_apply_gives_the_department_and_its_people_the_templates_once(people):
    office = people.office
    counts = services.commitments_apply(by=office, department=people.cardio, year=2026)
    # 心血管内科: 5 standards + 6 pledges for the department; 周涛 the 5 pledges for persons.
    assert counts == {"departments": 1, "people": 1, "created": 16}
    assert Commitment.objects.filter(staff__isnull=True, department=people.cardio, kind=Kind.STANDARD).count() == 5
    assert Commitment.objects.filter(staff__isnull=True, department=people.cardio, kind=Kind.PLEDGE).count() == 6
    mine = Commitment.objects.filter(staff=people.head_cardio_staff, year=2026)
    assert list(mine.order_by("sort_order").values_list("text", flat=True)) == [t for t in SIX if "购进" not in t]
    assert not Commitment.objects.filter(staff=people.employee_staff).exists()  # the ward is not included
    assert AuditEntry.objects.filter(action="commitments.commitment.applied").count() == 1

    again = services.commitments_apply(by=office, department=people.cardio, year=2026)
    assert again["created"] == 0
    assert Commitment.objects.count() == 16
    assert AuditEntry.objects.filter(action="commitments.commitment.applied").count() == 1  # nothing changed

    # With the departments under it: the ward and 郑爽; another year is separate.
    counts = services.commitments_apply(by=office, department=people.cardio, year=2026, include_children=True)
    assert counts == {"departments": 2, "people": 2, "created": 16}
    assert Commitment.objects.filter(staff=people.employee_staff).count() == 5
    assert services.commitments_apply(by=office, department=people.cardio, year=2027)["created"] == 16


def test_apply_adds_only_what_is_missing(people):
    office = people.office
    services.commitments_apply(by=office, department=people.ortho, year=2026)
    newcomer = StaffFactory(staff_no="E0299", name="新同事", department=people.ortho)
    gone = StaffFactory(staff_no="E0298", name="已离职", department=people.ortho, status=StaffStatus.LEFT)
    template = services.template_create(by=office, kind=Kind.PLEDGE, text="主动服务，微笑服务", applies_to="persons")
    edited = Commitment.objects.filter(staff=people.head_ortho_staff).first()
    services.commitment_update(by=office, commitment=edited, expected_version=1, text="改过的承诺")
    counts = services.commitments_apply(by=office, department=people.ortho, year=2026)
    assert counts["created"] == 5 + 1 + 1  # the newcomer's five and six, 吴敏's new one
    assert Commitment.objects.filter(staff=newcomer).count() == 6
    assert not Commitment.objects.filter(staff=gone).exists()
    assert Commitment.objects.filter(staff=people.head_ortho_staff, template=template).count() == 1
    edited.refresh_from_db()
    assert edited.text == "改过的承诺"  # an edited commitment keeps its text


def test_inactive_templates_are_not_applied(people):
    office = people.office
    for template in CommitmentTemplate.objects.filter(kind=Kind.STANDARD):
        services.template_update(
            by=office,
            template=template,
            expected_version=template.version,
            kind=template.kind,
            text=template.text,
            applies_to=template.applies_to,
            sort_order=template.sort_order,
            is_active=False,
        )
    services.commitments_apply(by=office, department=people.ortho, year=2026)
    assert not Commitment.objects.filter(kind=Kind.STANDARD).exists()


def test_heads_apply_to_their_own_departments_only(people):
    services.commitments_apply(by=people.head_cardio, department=people.ward, year=2026)
    assert Commitment.objects.filter(department=people.ward).exists()
    for who, department in [
        (people.head_ortho, people.cardio),
        (people.head_cardio, people.ortho),
        (people.employee, people.ward),
        (people.leader, people.cardio),
        (people.inspector, people.cardio),
    ]:
        with pytest.raises(services.CommitmentNotAllowed):
            services.commitments_apply(by=who, department=department, year=2026)
    with pytest.raises(ValidationError):
        services.commitments_apply(by=people.office, department=people.cardio, year=1999)


def test_add_edit_remove_with_versions(people):
    office = people.office
    mine = services.commitment_add(
        by=people.head_cardio,
        year=2026,
        department=people.cardio,
        text="  耐心解答  患者疑问 ",
        staff=people.head_cardio_staff,
    )
    assert mine.text == "耐心解答 患者疑问" and mine.kind == Kind.PLEDGE and mine.department == people.cardio
    standard = services.commitment_add(
        by=office, year=2026, department=people.cardio, kind=Kind.STANDARD, text="三十分钟内接诊"
    )
    assert standard.staff is None and standard.kind == Kind.STANDARD

    updated = services.commitment_update(by=people.head_cardio, commitment=mine, expected_version=1, text="耐心解答")
    assert updated.version == 2
    with pytest.raises(services.CommitmentConflict):
        services.commitment_update(by=office, commitment=mine, expected_version=1, text="过时的改动")
    with pytest.raises(services.CommitmentConflict):
        services.commitment_remove(by=office, commitment=mine, expected_version=1)
    mine.refresh_from_db()
    assert mine.text == "耐心解答"
    with pytest.raises(services.CommitmentNotAllowed):
        services.commitment_update(by=people.head_ortho, commitment=mine, expected_version=2, text="别人的")
    with pytest.raises(services.CommitmentNotAllowed):
        services.commitment_remove(by=people.employee, commitment=mine, expected_version=2)
    services.commitment_remove(by=office, commitment=mine, expected_version=2)
    assert not Commitment.objects.filter(pk=mine.pk).exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="commitments.commitment.").values_list("action", flat=True)
    )
    assert sorted(actions) == sorted(
        [
            "commitments.commitment.added",
            "commitments.commitment.added",
            "commitments.commitment.updated",
            "commitments.commitment.removed",
        ]
    )


def test_add_refuses_empty_text_and_people_who_left(people):
    with pytest.raises(ValidationError) as error:
        services.commitment_add(by=people.office, year=2026, department=people.cardio, text="   ")
    assert "text" in error.value.message_dict
    gone = StaffFactory(staff_no="E0199", name="离职者", department=people.cardio, status=StaffStatus.LEFT)
    with pytest.raises(ValidationError):
        services.commitment_add(by=people.office, year=2026, department=people.cardio, text="承诺", staff=gone)
    with pytest.raises(services.CommitmentNotAllowed):
        services.commitment_add(by=people.head_ortho, year=2026, department=people.cardio, text="承诺")


def test_templates_are_the_offices(people):
    office = people.office
    template = services.template_create(by=office, kind=Kind.STANDARD, text="检查结果当日出具", applies_to="persons")
    assert template.applies_to == AppliesTo.DEPARTMENTS  # a standard is a department's
    with pytest.raises(services.CommitmentConflict):
        services.template_delete(by=office, template=template, expected_version=5)
    for who in (people.head_cardio, people.employee, people.leader):
        with pytest.raises(services.CommitmentNotAllowed):
            services.template_create(by=who, kind=Kind.PLEDGE, text="承诺")
        with pytest.raises(services.CommitmentNotAllowed):
            services.template_delete(by=who, template=template, expected_version=1)
    services.commitments_apply(by=office, department=people.ortho, year=2026)
    made = Commitment.objects.get(template=template)
    services.template_delete(by=office, template=template, expected_version=1)
    made.refresh_from_db()
    assert made.template is None and made.text == "检查结果当日出具"  # the commitment stays
    assert AuditEntry.objects.filter(action="commitments.template.deleted").count() == 1


def test_public_settings_and_page_switch(people):
    office = people.office
    saved = services.public_settings_update(by=office, enabled=True, show_staff_no=False, expected_version=1)
    assert saved.enabled and saved.version == 1
    saved = services.public_settings_update(by=office, enabled=True, show_staff_no=True, expected_version=1)
    assert saved.version == 2
    with pytest.raises(services.CommitmentConflict):
        services.public_settings_update(by=office, enabled=False, show_staff_no=False, expected_version=1)
    with pytest.raises(services.CommitmentNotAllowed):
        services.public_settings_update(by=people.head_cardio, enabled=False, show_staff_no=False, expected_version=2)
    with pytest.raises(services.CommitmentNotAllowed):
        services.department_page_set(by=people.head_cardio, department=people.cardio, enabled=False)
    page = services.department_page_set(by=office, department=people.cardio, enabled=False)
    assert not page.enabled
    services.department_page_set(by=office, department=people.cardio, enabled=False)
    assert AuditEntry.objects.filter(action="commitments.page.updated").count() == 1


def test_a_persons_pledge_follows_them_to_their_new_department(people):
    pledge = services.commitment_add(
        by=people.head_cardio, year=2026, department=people.cardio, text="耐心解答", staff=people.employee_staff
    )
    people.employee_staff.department = people.ortho
    people.employee_staff.save()
    with pytest.raises(services.CommitmentNotAllowed):  # no longer one of hers
        services.commitment_update(by=people.head_cardio, commitment=pledge, expected_version=1, text="旧科室改的")
    updated = services.commitment_update(by=people.head_ortho, commitment=pledge, expected_version=1, text="微笑服务")
    assert updated.text == "微笑服务"
