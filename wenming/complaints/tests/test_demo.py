from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.complaints.demo import load_demo_complaints
from wenming.complaints.models import Case
from wenming.core.models import AuditEntry
from wenming.feedback.models import Feedback
from wenming.org.models import Role, RoleAssignment
from wenming.org.selectors import hospital_today
from wenming.org.tests.factories import DepartmentFactory, StaffFactory, UserFactory
from wenming.rectification.models import RectificationItem
from wenming.scoring.models import Record
from wenming.standards.demo import load_example_standards


@pytest.fixture
def demo_hospital(db):
    """The bits of the demo hospital the cases need: 心血管内科, 骨科 and a ward, wmb, xnk, gk."""
    load_example_standards()
    cardio = DepartmentFactory(code="D01", name="心血管内科")
    ortho = DepartmentFactory(code="D09", name="骨科")
    ward = DepartmentFactory(code="D0901", name="骨科一病区", parent=ortho)
    for username, role, heads in (
        ("wmb", Role.OFFICE, ()),
        ("xnk", Role.DEPARTMENT_HEAD, (cardio,)),
        ("gk", Role.DEPARTMENT_HEAD, (ortho,)),
    ):
        user = UserFactory(username=username)
        RoleAssignment.objects.create(user=user, role=role).departments.set(heads)
    for department in (cardio, ortho, ward):
        StaffFactory(department=department)
    Feedback.objects.create(
        department=cardio,
        at=timezone.now(),
        local_date=hospital_today() - timedelta(days=1),
        overall=1,
        comment="希望改进服务态度",
    )


def test_demo_loads_every_state_and_kind_once(demo_hospital):
    first = load_demo_complaints()
    assert first.created == 12 and first.records == 2 and first.items == 1
    cases = Case.objects.all()
    assert set(cases.values_list("state", flat=True)) == {"received", "investigating", "handling", "replied", "closed"}
    assert set(cases.values_list("kind", flat=True)) == {"complaint", "praise", "petition"}
    assert cases.filter(feedback__isnull=False).count() == 1
    assert set(Record.objects.values_list("kind", "code")) == {("finding", "C1"), ("bonus", "F1")}
    item = RectificationItem.objects.get()
    assert item.source == "complaint" and Case.objects.get(item=item).record.code == "C1"
    assert cases.filter(state__in=("received", "investigating"), deadline__lt=hospital_today()).count() == 2
    counts = (
        Case.objects.count(),
        Record.objects.count(),
        RectificationItem.objects.count(),
        AuditEntry.objects.count(),
    )

    second = load_demo_complaints()
    assert (second.created, second.records, second.items) == (0, 0, 0)
    assert counts == (
        Case.objects.count(),
        Record.objects.count(),
        RectificationItem.objects.count(),
        AuditEntry.objects.count(),
    )
