"""The rounds' test world: the standing scenario plus three nurses of 心内一病区 (N1–N3, logins),
a nurse without a login (N4), a party branch (the employee, N1 and N2 are members; N3 is not),
and ``make_round`` / ``submit`` helpers that go through the services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from wenming.org.models import PartyOrganization, PartyOrgKind
from wenming.org.tests.factories import StaffFactory, UserFactory
from wenming.rounds import services
from wenming.rounds.models import Ballot


@pytest.fixture
def world(scenario):
    branch = PartyOrganization.objects.create(code="B01", name="心内支部", kind=PartyOrgKind.BRANCH)
    other_branch = PartyOrganization.objects.create(code="B02", name="骨科支部", kind=PartyOrgKind.BRANCH)
    nurses = []
    for i, name in enumerate(["钱芳", "孙丽", "李静"], start=1):
        user = UserFactory(username=f"n{i}")
        nurses.append(
            StaffFactory(
                staff_no=f"N00{i}",
                name=name,
                department=scenario.ward,
                user=user,
                post="护士",
                is_party_member=i <= 2,
                party_branch=branch if i <= 2 else None,
            )
        )
    no_login = StaffFactory(staff_no="N004", name="周红", department=scenario.ward, post="护士")
    employee = scenario.employee_staff
    employee.is_party_member = True
    employee.party_branch = branch
    employee.post = "护士"
    employee.save()
    return SimpleNamespace(
        s=scenario, branch=branch, other_branch=other_branch, nurses=nurses, no_login=no_login, employee=employee
    )


@pytest.fixture
def make_round(scenario):
    def make(*, departments=None, groups=None, open=True, **fields):
        now = timezone.now()
        values = {
            "title": "2026年度民主测评",
            "purpose": "general",
            "period_key": "2026",
            "opens_at": now - timedelta(days=1),
            "closes_at": now + timedelta(days=7),
            "groups": groups
            or {"self": Decimal(10), "peer": Decimal(40), "leader": Decimal(20), "patient": Decimal(30)},
            "departments": departments if departments is not None else [scenario.ward],
        }
        values.update(fields)
        round = services.round_create(by=scenario.office, **values)
        if open:
            round = services.round_open(by=scenario.office, round=round, expected_version=round.version)
        return round

    return make


@pytest.fixture
def submit():
    """``submit(round, rater_user, {ratee staff: value})``."""

    def do(round, user, values: dict):
        ballots = {b.ratee_id: b.pk for b in Ballot.objects.filter(round=round, rater__user=user)}
        return services.ballots_submit(
            by=user, round=round, scores={ballots[staff.pk]: value for staff, value in values.items()}
        )

    return do
