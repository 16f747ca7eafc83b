"""The demo hospital's evaluation rounds:

* a published general round (民主测评) for the year over 心内一病区, 心内二病区 and 骨科一病区, with
  submitted ballots from self, peers, party members, leaders and functional departments, and the
  patients' feedback — the leaders group (one leader) stays below the minimum and is not shown;
* a published commitment review (承诺践诺评议) for the last finished quarter over 心血管内科 and its wards;
* an open round (科室互评) over 心内一病区 in which the ``nurse`` account has pending ballots.

The demo hospital gives logins only to its seven demo accounts, so the published rounds' ballots
are built with the same assignment rules but with every person in post as a rater (as if they had
voted), sealed and scored as the services do; the open round goes through ``round_open`` and so
only the demo accounts rate in it. Idempotent: a round whose title is there is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from wenming.org.models import Department, DepartmentCategory, Role, Staff, StaffStatus
from wenming.org.selectors import hospital_today
from wenming.scoring.periods import period_of
from wenming.standards.definition import Cycle

from . import services
from .assignment import Person, Plan, assign
from .models import Ballot, Ratee, RaterGroup, Round, RoundState
from .sealing import seal

SUBMIT_SHARE = 0.88


@dataclass
class DemoRoundsResult:
    created: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.created)


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _subtree(codes: list[str]) -> list[Department]:
    return list(Department.objects.filter(code__in=codes))


def _people(staff) -> list[Person]:
    return [
        Person(id=s.pk, department_id=s.department_id, branch_id=s.party_branch_id, is_party_member=s.is_party_member)
        for s in staff
    ]


def _published(
    *,
    office,
    title: str,
    purpose: str,
    period_key: str,
    codes: list[str],
    groups: dict,
    days_ago: int,
    today: date,
    seed: int,
) -> Round:
    closes = today - timedelta(days=days_ago)
    opens = closes - timedelta(days=10)
    round = services.round_create(
        by=office,
        title=title,
        purpose=purpose,
        period_key=period_key,
        departments=_subtree(codes),
        opens_at=_at(opens),
        closes_at=_at(closes, 18),
        groups=groups,
        min_raters=3,
        drop_extremes=True,
        functional_sample=3,
    )
    ratees = list(services._ratee_staff(round))
    Ratee.objects.bulk_create([Ratee(round=round, staff=s, department_id=s.department_id, post=s.post) for s in ratees])
    ratee_ids = {s.pk for s in ratees}
    admin = Staff.objects.filter(status=StaffStatus.ACTIVE, department__category=DepartmentCategory.ADMIN)
    leaders = set(
        Staff.objects.filter(status=StaffStatus.ACTIVE, user__roles__role=Role.LEADERSHIP).values_list("pk", flat=True)
    )
    pool = {s.pk: s for s in [*ratees, *admin, *Staff.objects.filter(pk__in=leaders)]}
    plan = Plan(groups=frozenset(round.groups.values_list("group", flat=True)), functional_sample=3, seed=seed)
    pairs = assign(
        plan=plan,
        ratees=_people(ratees),
        raters=_people(pool.values()),
        leaders=leaders,
        functional=set(admin.values_list("pk", flat=True)),
    )
    rng = random.Random(f"wenming-demo-rounds:{seed}")
    quality = {pk: rng.gauss(86, 4) for pk in sorted(ratee_ids)}
    ballots = []
    submitted_at = _at(closes - timedelta(days=3), 15)
    for rater, ratee, group in pairs:
        ballot = Ballot(round=round, rater_id=rater, ratee_id=ratee, group=group)
        if rng.random() < SUBMIT_SHARE:
            bias = 5 if group == RaterGroup.SELF else 0
            value = max(50, min(100, round_half(quality[ratee] + bias + rng.gauss(0, 6))))
            ballot.submitted_at = submitted_at + timedelta(minutes=rng.randrange(0, 60 * 24 * 3))
            ballot.sealed = seal(value)
        ballots.append(ballot)
    Ballot.objects.bulk_create(ballots, batch_size=1000)  # closing the round tallies the seals
    Round.objects.filter(pk=round.pk).update(state=RoundState.OPEN, opened_at=_at(opens), version=round.version + 1)
    round.refresh_from_db()
    round = services.round_close(by=None, round=round)
    round = services.round_publish(by=office, round=round)
    Round.objects.filter(pk=round.pk).update(
        closed_at=_at(closes, 18), published_at=_at(closes + timedelta(days=2), 10)
    )
    return round


def round_half(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1)))


@transaction.atomic
def load_demo_rounds(*, today: date | None = None) -> DemoRoundsResult:
    """Load the demo rounds (see the module docstring); needs the demo hospital (org demo) loaded."""
    today = today or hospital_today()
    office = get_user_model().objects.filter(username="wmb").first()
    result = DemoRoundsResult(created=[])
    if office is None or not Department.objects.filter(code="D0101").exists():
        return result
    existing = set(Round.objects.values_list("title", flat=True))

    year = str(today.year)
    general = f"{year}年度民主测评（心内、骨科病区）"
    if general not in existing:
        _published(
            office=office,
            title=general,
            purpose="general",
            period_key=year,
            codes=["D0101", "D0102", "D0901"],
            groups={
                "self": Decimal(10),
                "peer": Decimal(30),
                "branch": Decimal(10),
                "leader": Decimal(15),
                "functional": Decimal(15),
                "patient": Decimal(20),
            },
            days_ago=6,
            today=today,
            seed=2026,
        )
        result.created.append(general)

    quarter = period_of(today, Cycle.QUARTER).previous()
    commitment = f"{quarter.key} 承诺践诺评议（心血管内科）"
    if commitment not in existing:
        _published(
            office=office,
            title=commitment,
            purpose="commitment",
            period_key=quarter.key,
            codes=["D01"],
            groups={"self": Decimal(10), "peer": Decimal(50), "functional": Decimal(20), "patient": Decimal(20)},
            days_ago=12,
            today=today,
            seed=int(quarter.start.strftime("%Y%m")),
        )
        result.created.append(commitment)

    month = period_of(today, Cycle.MONTH)
    open_title = f"{month.key} 科室互评（心内一病区）"
    if open_title not in existing:
        now = timezone.now()
        round = services.round_create(
            by=office,
            title=open_title,
            purpose="general",
            period_key=month.key,
            departments=_subtree(["D0101"]),
            opens_at=now - timedelta(days=2),
            closes_at=now + timedelta(days=12),
            groups={"self": Decimal(20), "peer": Decimal(50), "leader": Decimal(30)},
        )
        services.round_open(by=office, round=round, expected_version=round.version)
        result.created.append(open_title)
    return result
